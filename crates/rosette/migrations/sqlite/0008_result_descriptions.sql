-- The kinds of result an achievement's credentials carry (OB 3.0 ResultDescription), as
-- JSON: [{key, name, result_type, allowed_values}]. Lab tracks set them, one per challenge.
ALTER TABLE achievements ADD COLUMN result_descriptions TEXT NOT NULL DEFAULT '[]';
