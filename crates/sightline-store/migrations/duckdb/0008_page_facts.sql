-- What heatmaps and zone metrics read of each pageview and of each element it showed (150 ms) or that was touched
-- (sightline_insight::page_facts), written by the analysis pass with the session's detections and replaced with
-- them when the session changes. A page's reports aggregate these rows instead of its raw events.
CREATE TABLE pageview_facts (
    site_id      BIGINT  NOT NULL,
    session      VARCHAR NOT NULL,
    pageview     VARCHAR NOT NULL,
    started      BIGINT  NOT NULL,
    ended        BIGINT  NOT NULL,
    path         VARCHAR,
    page_group   VARCHAR,
    device       VARCHAR NOT NULL,
    viewport_h   DOUBLE,
    doc_h        DOUBLE,
    depth_pct    DOUBLE  NOT NULL,
    -- ms the middle of each 5 % depth band was in view; empty without a viewport and document height
    attention_ms DOUBLE[] NOT NULL,
    -- pointer samples per 20 px cell (x, y: the cell's top-left corner)
    moves        STRUCT(x DOUBLE, y DOUBLE, n INTEGER)[] NOT NULL
);

CREATE TABLE element_facts (
    site_id         BIGINT  NOT NULL,
    session         VARCHAR NOT NULL,
    pageview        VARCHAR NOT NULL,
    -- the pageview's, so that a page's reports select rows without a join
    started         BIGINT  NOT NULL,
    path            VARCHAR,
    page_group      VARCHAR,
    device          VARCHAR NOT NULL,
    selector        VARCHAR NOT NULL,
    -- NULL: the layout had no box for it
    exposure_ms     DOUBLE,
    clicks          INTEGER NOT NULL,
    before_click_ms DOUBLE,
    hovers          INTEGER NOT NULL,
    hover_ms        DOUBLE  NOT NULL,
    hesitation_ms   DOUBLE,
    -- clicks per 1 % cell of the element (rx, ry: the cell's centre, 0..1)
    click_cells     STRUCT(rx DOUBLE, ry DOUBLE, n INTEGER)[] NOT NULL,
    -- the session over all its pageviews of this page group (and of this path): whether this is its first
    -- such pageview with the element, whether it clicked it on any, saw it on any. Session-level rates count
    -- the first rows, so a report never groups by session.
    group_first     BOOLEAN NOT NULL,
    group_clicked   BOOLEAN NOT NULL,
    group_exposed   BOOLEAN NOT NULL,
    path_first      BOOLEAN NOT NULL,
    path_clicked    BOOLEAN NOT NULL,
    path_exposed    BOOLEAN NOT NULL,
    -- the session's conversion and revenue (as in its row): zone reports need no join with sessions
    session_converted BOOLEAN NOT NULL,
    session_revenue DOUBLE  NOT NULL
);

-- One detection per session and problem (kind, page group, element) is the session's row for the problem:
-- `counted`, with `last_ts` its latest occurrence in the session; reports count sessions without grouping by them.
ALTER TABLE detections ADD COLUMN counted BOOLEAN DEFAULT false;
ALTER TABLE detections ADD COLUMN last_ts BIGINT;

-- Every session is analysed again (its facts did not exist); the analysis pass replaces its detections too.
DELETE FROM session_analysis;
