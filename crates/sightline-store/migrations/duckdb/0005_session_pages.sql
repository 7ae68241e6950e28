-- The path of each of a session's pageviews (sorted, repeats kept): reports filter by page and count top pages
-- from sessions instead of joining millions of pageview events. Merge rule: sorted union (list_concat + sort).
-- The store then rebuilds every session from the events (flag `rebuild_sessions`, cleared when done; a crash
-- midway starts the rebuild over at the next open).
-- No DEFAULT: DuckDB 1.5 fails on a list default for a table with rows ("requires a flat vector").
ALTER TABLE sessions ADD COLUMN page_paths VARCHAR[];
DELETE FROM sessions;
DELETE FROM visitors;

-- Work the store must finish at open, one row per task.
CREATE TABLE store_tasks (name VARCHAR PRIMARY KEY);
INSERT INTO store_tasks VALUES ('rebuild_sessions');
