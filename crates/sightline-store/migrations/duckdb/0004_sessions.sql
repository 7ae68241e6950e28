-- One row per session (DESIGN.md, storage model), kept current by every write: rows of a session merge by the
-- rules in `sightline_insight::session::merge` (see sessions.rs for the SQL). Columns added later (frustration
-- counts, friction score, summary) are one ALTER TABLE each, with their merge rule beside the others.
CREATE TABLE sessions (
    site_id       BIGINT  NOT NULL,
    session       VARCHAR NOT NULL,
    visitor       VARCHAR NOT NULL,
    -- hash(visitor): distinct counts and the visitors join on 8 bytes instead of the id.
    visitor_hash  UBIGINT NOT NULL,
    user_id       VARCHAR,
    started       BIGINT  NOT NULL,
    ended         BIGINT  NOT NULL,
    duration_ms   BIGINT  NOT NULL,
    active_ms     BIGINT  NOT NULL, -- as measured; reports cap it at duration_ms
    pageviews     BIGINT  NOT NULL,
    events        BIGINT  NOT NULL,
    entry_ts      BIGINT,
    entry_page    VARCHAR,
    entry_group   VARCHAR,
    exit_ts       BIGINT,
    exit_page     VARCHAR,
    exit_group    VARCHAR,
    device        VARCHAR NOT NULL,
    browser       VARCHAR NOT NULL,
    os            VARCHAR NOT NULL,
    channel       VARCHAR,
    referrer      VARCHAR,
    utm_source    VARCHAR,
    utm_medium    VARCHAR,
    utm_campaign  VARCHAR,
    utm_term      VARCHAR,
    utm_content   VARCHAR,
    revenue       DOUBLE  NOT NULL,
    conversions   BIGINT  NOT NULL,
    clicks        BIGINT  NOT NULL,
    errors        BIGINT  NOT NULL,
    replay_chunks BIGINT  NOT NULL,
    replay_bytes  BIGINT  NOT NULL,
    received_at   BIGINT  NOT NULL
);

-- When each visitor was first seen on a site: a session is returning when its visitor was seen before it.
CREATE TABLE visitors (
    site_id      BIGINT  NOT NULL,
    visitor_hash UBIGINT NOT NULL,
    first_seen   BIGINT  NOT NULL
);
