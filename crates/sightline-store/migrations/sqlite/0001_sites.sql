CREATE TABLE sites (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    key             TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    domains         TEXT    NOT NULL DEFAULT '[]', -- JSON array of host names
    allowed_origins TEXT    NOT NULL DEFAULT '[]', -- JSON array of origins
    page_groups     TEXT    NOT NULL DEFAULT '[]', -- JSON array of path patterns
    created_at      INTEGER NOT NULL
);

-- Salts for cookieless visitor hashes, one per UTC day; old ones are deleted so hashes cannot be recomputed.
CREATE TABLE visitor_salts (
    day  INTEGER PRIMARY KEY,
    salt BLOB    NOT NULL
);
