-- Background jobs that must run on one node at a time (analysis, retention) take a lease: who holds it until when.
CREATE TABLE leases (
    job        TEXT   PRIMARY KEY,
    holder     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
