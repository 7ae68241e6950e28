-- Privacy settings per site.
ALTER TABLE sites ADD COLUMN mask_selectors TEXT    NOT NULL DEFAULT '[]';
ALTER TABLE sites ADD COLUMN persistent_ids INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN respect_dnt    INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sites ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 395;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL, -- argon2id PHC string
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    created_at    INTEGER NOT NULL
);

-- Which sites a non-admin user may see.
CREATE TABLE memberships (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, site_id)
);

-- Dashboard logins. Only a hash of the cookie value is stored.
CREATE TABLE login_sessions (
    id_hash    TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- API tokens, hashed at rest. `user_id` NULL = created by the CLI (no owner).
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    user_id      INTEGER REFERENCES users (id) ON DELETE CASCADE,
    site_id      INTEGER REFERENCES sites (id) ON DELETE CASCADE,
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);
