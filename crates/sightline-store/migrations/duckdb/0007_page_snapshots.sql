-- Page snapshots for heatmaps (rrweb Meta + FullSnapshot of a pageview that is not recorded) share the replay
-- chunk index, so retention, visitor deletion and the replay quota cover them; they are not part of any replay.
ALTER TABLE replay_chunks ADD COLUMN snapshot BOOLEAN DEFAULT false;
