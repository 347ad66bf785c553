-- When a lab session last did something (started, checked, skipped), for its idle timeout.
ALTER TABLE lab_sessions ADD COLUMN last_activity_at BIGINT;
