-- One wide append-only row per event (DESIGN.md, storage model). Times are ms since the epoch, UTC.
CREATE TABLE events (
    site_id           BIGINT  NOT NULL,
    ts                BIGINT  NOT NULL,
    session           VARCHAR NOT NULL,
    visitor           VARCHAR NOT NULL,
    user_id           VARCHAR,
    pageview          VARCHAR NOT NULL,
    type              VARCHAR NOT NULL,
    path              VARCHAR,
    page_group        VARCHAR,
    referrer          VARCHAR,
    channel           VARCHAR,
    utm_source        VARCHAR,
    utm_medium        VARCHAR,
    utm_campaign      VARCHAR,
    utm_term          VARCHAR,
    utm_content       VARCHAR,
    device            VARCHAR NOT NULL,
    browser           VARCHAR NOT NULL,
    os                VARCHAR NOT NULL,
    country           VARCHAR,
    viewport_w        INTEGER,
    viewport_h        INTEGER,
    selector          VARCHAR,
    tag               VARCHAR,
    text              VARCHAR,
    x                 DOUBLE,
    y                 DOUBLE,
    rel_x             DOUBLE,
    rel_y             DOUBLE,
    scroll_pct        DOUBLE,
    value             DOUBLE,
    name              VARCHAR,
    props             VARCHAR,
    revenue           DOUBLE,
    error_fingerprint VARCHAR,
    interactive       BOOLEAN,
    changed           BOOLEAN
);

-- Batches stored, for answering retries as duplicates after a restart.
CREATE TABLE ingested_batches (
    site_id     BIGINT  NOT NULL,
    sid         VARCHAR NOT NULL,
    seq         UBIGINT NOT NULL,
    received_at BIGINT  NOT NULL
);

-- Where the spool writer is; updated in the same transaction as the rows it covers.
CREATE TABLE ingest_progress (
    id      INTEGER PRIMARY KEY,
    segment UBIGINT NOT NULL,
    "offset" UBIGINT NOT NULL
);
