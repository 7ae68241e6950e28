-- Privacy settings per site.
ALTER TABLE sites ADD COLUMN mask_selectors TEXT    NOT NULL DEFAULT '[]';
ALTER TABLE sites ADD COLUMN persistent_ids BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sites ADD COLUMN respect_dnt    BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE sites ADD COLUMN retention_days BIGINT  NOT NULL DEFAULT 395;

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT   NOT NULL,
    password_hash TEXT   NOT NULL, -- argon2id PHC string
    role          TEXT   NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    created_at    BIGINT NOT NULL
);
-- Emails are unique regardless of case (SQLite: COLLATE NOCASE); lookups use the same expression.
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));

-- Which sites a non-admin user may see.
CREATE TABLE memberships (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, site_id)
);

-- Dashboard logins. Only a hash of the cookie value is stored.
CREATE TABLE login_sessions (
    id_hash    TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- API tokens, hashed at rest. `user_id` NULL = created by the CLI (no owner).
CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT   NOT NULL,
    token_hash   TEXT   NOT NULL UNIQUE,
    user_id      BIGINT REFERENCES users (id) ON DELETE CASCADE,
    site_id      BIGINT REFERENCES sites (id) ON DELETE CASCADE,
    role         TEXT   NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
