-- Whether the learner's name shows on the award's public page (1) or not (0, the default).
ALTER TABLE awards ADD COLUMN name_public BIGINT NOT NULL DEFAULT 0;
