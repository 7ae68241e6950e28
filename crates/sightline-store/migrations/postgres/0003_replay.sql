-- Session replay settings per site. Replay is off (rate 0) until a site turns it on.
ALTER TABLE sites ADD COLUMN replay_sample_rate DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN block_selectors    TEXT             NOT NULL DEFAULT '[]';
ALTER TABLE sites ADD COLUMN replay_quota_mb    BIGINT           NOT NULL DEFAULT 1024;
