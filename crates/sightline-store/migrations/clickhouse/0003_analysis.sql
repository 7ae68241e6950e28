-- What the analysis pass found in each session (the embedded store's 0006, 0008 and 0009 in ClickHouse form).
-- Nothing is updated or deleted to replace an analysis: every write of `store_analyses` has a new `analysis_id`
-- (larger than any before it), all rows it writes carry it, and its `session_analysis` rows go last. A session's
-- current analysis is the one with the largest id in `session_analysis`; readers take only the rows of that id
-- from the other tables, so a write is seen whole or not at all, and an older analysis's rows are ignored (they
-- stay until retention deletes the session).

-- One row per analysis of a session; merges keep the newest only (readers do not depend on when they happen).
CREATE TABLE IF NOT EXISTS session_analysis (
    site_id     Int64,
    session     String,
    analysis_id Int64,
    -- the session's received_at (newest of its parts) when analysed: a later one means it changed since
    received_at Int64,
    friction    Float64,
    -- distinct page groups the session viewed, sorted: the exposure of a problem's page
    page_groups Array(String)
) ENGINE = ReplacingMergeTree(analysis_id)
ORDER BY (site_id, session);

CREATE TABLE IF NOT EXISTS detections (
    site_id     Int64,
    session     String,
    analysis_id Int64,
    kind        LowCardinality(String),
    ts          Int64,
    pageview    String,
    path        Nullable(String),
    page_group  Nullable(String),
    -- selector; error fingerprint for js_error; "METHOD /pattern" for failed_request; vital for slow_page
    element     Nullable(String),
    value       Float64,
    -- JSON array of the triggering events
    evidence    String,
    -- one detection per session and problem (kind, page group, element) counts the session for the problem,
    -- with `last_ts` its latest occurrence in the session: reports count sessions without grouping by them
    counted     UInt8,
    last_ts     Nullable(Int64)
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(toDateTime(intDiv(ts, 1000)))
ORDER BY (site_id, session, ts);

-- What heatmaps and zone metrics read of each pageview (sightline_insight::page_facts). The (x, y, n) cells are
-- parallel arrays: 18.16 reads no arrays of tuples from JSON input.
CREATE TABLE IF NOT EXISTS pageview_facts (
    site_id      Int64,
    session      String,
    analysis_id  Int64,
    pageview     String,
    started      Int64,
    ended        Int64,
    path         Nullable(String),
    page_group   Nullable(String),
    device       LowCardinality(String),
    viewport_h   Nullable(Float64),
    doc_h        Nullable(Float64),
    depth_pct    Float64,
    -- ms the middle of each 5 % depth band was in view; empty without a viewport and document height
    attention_ms Array(Float64),
    -- pointer samples per 20 px cell (x, y: the cell's top-left corner)
    moves_x      Array(Float64),
    moves_y      Array(Float64),
    moves_n      Array(UInt32)
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(toDateTime(intDiv(started, 1000)))
-- a page's reports read the rows of one page (group or path) and device class
ORDER BY (site_id, ifNull(page_group, ''), ifNull(path, ''), device, started);

-- Each element of each pageview that was seen (150 ms), clicked or hovered.
CREATE TABLE IF NOT EXISTS element_facts (
    site_id           Int64,
    session           String,
    analysis_id       Int64,
    pageview          String,
    -- the pageview's, so that a page's reports select rows without a join
    started           Int64,
    path              Nullable(String),
    page_group        Nullable(String),
    device            LowCardinality(String),
    selector          String,
    -- NULL: the layout had no box for it
    exposure_ms       Nullable(Float64),
    clicks            UInt32,
    before_click_ms   Nullable(Float64),
    hovers            UInt32,
    hover_ms          Float64,
    hesitation_ms     Nullable(Float64),
    -- clicks per 1 % cell of the element (rx, ry: the cell's centre, 0..1)
    click_rx          Array(Float64),
    click_ry          Array(Float64),
    click_n           Array(UInt32),
    -- the session over all its pageviews of this page group (and of this path): whether this is its first such
    -- pageview with the element, whether it clicked it on any, saw it on any
    group_first       UInt8,
    group_clicked     UInt8,
    group_exposed     UInt8,
    path_first        UInt8,
    path_clicked      UInt8,
    path_exposed      UInt8,
    -- the session's conversion and revenue: zone reports need no join with sessions
    session_converted UInt8,
    session_revenue   Float64,
    -- rage, dead and error clicks detected on it on this pageview
    rage_clicks       UInt32,
    dead_clicks       UInt32,
    error_clicks      UInt32
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(toDateTime(intDiv(started, 1000)))
ORDER BY (site_id, ifNull(page_group, ''), ifNull(path, ''), device, selector, started);
