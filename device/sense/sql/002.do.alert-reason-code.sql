-- The alert's reason as a code and its parameters (JSON), so each page says it in its reader's language.
-- Alerts stored before have neither and are shown with their English reason.
ALTER TABLE sense_alerts ADD COLUMN reason_code TEXT;
ALTER TABLE sense_alerts ADD COLUMN reason_params TEXT;
