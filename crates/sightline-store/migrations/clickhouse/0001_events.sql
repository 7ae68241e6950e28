-- The embedded store's tables in ClickHouse form; SQL that runs on 18.16 and on current releases (no TTL,
-- no window functions, no JSON type). Times are ms since the epoch, UTC. Months are partitions, so retention
-- drops whole months and deletes the rest of the oldest one (`ALTER TABLE ... DELETE`).
CREATE TABLE IF NOT EXISTS events (
    site_id           Int64,
    ts                Int64,
    session           String,
    visitor           String,
    user_id           Nullable(String),
    pageview          String,
    type              LowCardinality(String),
    path              Nullable(String),
    page_group        Nullable(String),
    referrer          Nullable(String),
    channel           Nullable(String),
    utm_source        Nullable(String),
    utm_medium        Nullable(String),
    utm_campaign      Nullable(String),
    utm_term          Nullable(String),
    utm_content       Nullable(String),
    device            LowCardinality(String),
    browser           LowCardinality(String),
    os                LowCardinality(String),
    country           Nullable(String),
    viewport_w        Nullable(Int32),
    viewport_h        Nullable(Int32),
    selector          Nullable(String),
    tag               Nullable(String),
    text              Nullable(String),
    x                 Nullable(Float64),
    y                 Nullable(Float64),
    rel_x             Nullable(Float64),
    rel_y             Nullable(Float64),
    scroll_pct        Nullable(Float64),
    value             Nullable(Float64),
    name              Nullable(String),
    props             Nullable(String),
    revenue           Nullable(Float64),
    error_fingerprint Nullable(String),
    interactive       Nullable(UInt8),
    changed           Nullable(UInt8),
    received_at       Int64
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(toDateTime(intDiv(ts, 1000)))
ORDER BY (site_id, toDate(toDateTime(intDiv(ts, 1000))), session, ts);

-- Batches stored. Written after the rows of the same commit, so a key found means its rows are stored.
-- Ordered by the key: the writers of all nodes look keys up by it before each write.
CREATE TABLE IF NOT EXISTS ingested_batches (
    site_id     Int64,
    sid         String,
    seq         UInt64,
    received_at Int64
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(toDateTime(intDiv(received_at, 1000)))
ORDER BY (site_id, sid, seq);

CREATE TABLE IF NOT EXISTS replay_chunks (
    site_id     Int64,
    session     String,
    pageview    String,
    chunk       Int32,
    first_ts    Int64,
    last_ts     Int64,
    events      Int32,
    bytes       Int64,
    raw_bytes   Int64,
    blob_key    String,
    received_at Int64,
    snapshot    UInt8
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(toDateTime(intDiv(received_at, 1000)))
ORDER BY (site_id, session, pageview, chunk);

-- Each write's part of each session (sightline_model::SessionRow): parts of one session merge on read by the
-- rules of sightline_insight::session::merge, as an AggregatingMergeTree would, so several nodes may write
-- parts of one session and nothing is updated in place.
CREATE TABLE IF NOT EXISTS session_parts (
    site_id       Int64,
    session       String,
    visitor       String,
    user_id       Nullable(String),
    started       Int64,
    ended         Int64,
    active_ms     Int64,
    pageviews     Int64,
    events        Int64,
    entry_ts      Nullable(Int64),
    entry_page    Nullable(String),
    entry_group   Nullable(String),
    exit_ts       Nullable(Int64),
    exit_page     Nullable(String),
    exit_group    Nullable(String),
    device        LowCardinality(String),
    browser       LowCardinality(String),
    os            LowCardinality(String),
    channel       Nullable(String),
    referrer      Nullable(String),
    utm_source    Nullable(String),
    utm_medium    Nullable(String),
    utm_campaign  Nullable(String),
    utm_term      Nullable(String),
    utm_content   Nullable(String),
    revenue       Float64,
    conversions   Int64,
    clicks        Int64,
    errors        Int64,
    replay_chunks Int64,
    replay_bytes  Int64,
    received_at   Int64,
    page_paths    Array(String),
    -- The journey's steps as three arrays of one length (18.16 reads no arrays of tuples from JSON input).
    journey_ts    Array(Int64),
    journey_page  Array(Nullable(String)),
    journey_event Array(Nullable(String))
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(toDateTime(intDiv(started, 1000)))
ORDER BY (site_id, session);
