-- Named definitions a site's users share: segment expressions and funnels (kind), the definition as text.
CREATE TABLE saved_views (
    id         BIGSERIAL PRIMARY KEY,
    site_id    BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kind       TEXT   NOT NULL,
    name       TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (site_id, kind, name)
);
