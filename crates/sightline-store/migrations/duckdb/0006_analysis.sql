-- What the analysis pass found in each session (sightline_insight::detect), recomputed whole when a session
-- changed: the rows of a session are replaced together, and `session_analysis.received_at` says which version of
-- the session they describe (on ClickHouse: a ReplacingMergeTree, newest version wins).
CREATE TABLE detections (
    site_id    BIGINT  NOT NULL,
    session    VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,
    ts         BIGINT  NOT NULL,
    pageview   VARCHAR NOT NULL,
    path       VARCHAR,
    page_group VARCHAR,
    -- selector; error fingerprint for js_error; "METHOD /pattern" for failed_request; vital for slow_page
    element    VARCHAR,
    value      DOUBLE  NOT NULL,
    evidence   VARCHAR NOT NULL -- JSON array of the triggering events
);

CREATE TABLE session_analysis (
    site_id     BIGINT  NOT NULL,
    session     VARCHAR NOT NULL,
    -- the session row's received_at when analysed: a later one means the session changed since
    received_at BIGINT  NOT NULL,
    friction    DOUBLE  NOT NULL,
    -- distinct page groups the session viewed, sorted: the exposure of a problem's page
    page_groups VARCHAR[] NOT NULL
);
