CREATE TABLE sites (
    id              BIGSERIAL PRIMARY KEY,
    key             TEXT   NOT NULL UNIQUE,
    name            TEXT   NOT NULL,
    domains         TEXT   NOT NULL DEFAULT '[]', -- JSON array of host names
    allowed_origins TEXT   NOT NULL DEFAULT '[]', -- JSON array of origins
    page_groups     TEXT   NOT NULL DEFAULT '[]', -- JSON array of path patterns
    created_at      BIGINT NOT NULL
);

-- Salts for cookieless visitor hashes, one per UTC day; old ones are deleted so hashes cannot be recomputed.
CREATE TABLE visitor_salts (
    day  BIGINT PRIMARY KEY,
    salt BYTEA  NOT NULL
);
