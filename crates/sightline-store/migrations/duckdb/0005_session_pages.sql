-- The path of each of a session's pageviews (sorted, repeats kept): reports filter by page and count top pages
-- from sessions instead of joining millions of pageview events. Merge rule: sorted union (list_concat + sort).
-- The store rebuilds every session from the events in this migration's transaction, so existing rows get it.
-- No DEFAULT: DuckDB 1.5 fails on a list default for a table with rows ("requires a flat vector").
ALTER TABLE sessions ADD COLUMN page_paths VARCHAR[];
DELETE FROM sessions;
DELETE FROM visitors;
