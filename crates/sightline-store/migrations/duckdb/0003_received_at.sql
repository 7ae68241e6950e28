-- Retention measures age by when the server received the data, not by the times inside it (a client with a
-- wrong clock, an imported recording). Rows stored before this migration are dated by their own times.
ALTER TABLE events ADD COLUMN received_at BIGINT;
UPDATE events SET received_at = ts;
ALTER TABLE replay_chunks ADD COLUMN received_at BIGINT;
UPDATE replay_chunks SET received_at = last_ts;
