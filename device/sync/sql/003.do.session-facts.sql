-- The hash of the KPI facts last put in the outbox for each recent session, so the facts sweep adds a
-- record only when they changed. Written in the transaction that adds the record: a hash is never
-- stored for a record that was not, nor the other way round.
CREATE TABLE outbox_sent_facts (
  session_id TEXT PRIMARY KEY,
  hash TEXT NOT NULL,
  started_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Rows of sessions whose facts can no longer change are deleted by start time.
CREATE INDEX outbox_sent_facts_started ON outbox_sent_facts (started_at);
