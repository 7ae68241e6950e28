-- Each session's pageviews (page group) and custom events in time order, its first 200 steps
-- (sightline_model::MAX_JOURNEY_STEPS): journeys and funnels over pages and events read sessions, not events.
-- Merge rule: sorted union cut to 200 (list_slice of list_sort of list_concat). Filled by rebuilding the sessions
-- from the events, as 0005 did (flag `rebuild_sessions`).
-- No DEFAULT: DuckDB 1.5 fails on a list default for a table with rows ("requires a flat vector").
ALTER TABLE sessions ADD COLUMN journey STRUCT(ts BIGINT, page VARCHAR, event VARCHAR)[];
DELETE FROM sessions;
DELETE FROM visitors;
INSERT INTO store_tasks SELECT 'rebuild_sessions' WHERE NOT EXISTS (SELECT 1 FROM store_tasks WHERE name = 'rebuild_sessions');
