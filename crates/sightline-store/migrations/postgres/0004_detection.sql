-- Per-site frustration detector thresholds: a JSON object of the `[detection]` fields the site changes.
ALTER TABLE sites ADD COLUMN detection TEXT NOT NULL DEFAULT '{}';
