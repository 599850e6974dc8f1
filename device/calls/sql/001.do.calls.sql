-- Call records: one row per request for an agent, from the request to its end.
CREATE TABLE calls_records (
  id TEXT PRIMARY KEY,
  kiosk_id TEXT NOT NULL,
  session_id TEXT,
  skill TEXT NOT NULL,
  agent_id TEXT,
  lang TEXT NOT NULL CHECK (lang IN ('zh-Hant', 'zh-Hans', 'en')),
  requested_at TEXT NOT NULL,
  answered_at TEXT,
  ended_at TEXT,
  end_reason TEXT CHECK (end_reason IN ('customer-ended', 'agent-ended', 'customer-lost', 'agent-lost', 'abandoned', 'media-failure', 'shutdown', 'interrupted')),
  recording TEXT
) STRICT;

-- The call log, KPIs over a period and retention walk calls by the time they were requested.
CREATE INDEX calls_records_requested ON calls_records (requested_at);
CREATE INDEX calls_records_session ON calls_records (session_id, requested_at) WHERE session_id IS NOT NULL;
CREATE INDEX calls_records_agent ON calls_records (agent_id, requested_at) WHERE agent_id IS NOT NULL;
CREATE INDEX calls_records_kiosk ON calls_records (kiosk_id, requested_at);
-- The expected handle time of a skill is the mean of its last finished calls.
CREATE INDEX calls_records_skill_ended ON calls_records (skill, ended_at) WHERE answered_at IS NOT NULL AND ended_at IS NOT NULL;
-- Calls a crash left open, closed at the next start: normally none, so the index stays empty.
CREATE INDEX calls_records_open ON calls_records (requested_at) WHERE ended_at IS NULL;

-- The chat of a call, one row per message, so a message is an insert and a call's chat is one range.
CREATE TABLE calls_chat (
  call_id TEXT NOT NULL REFERENCES calls_records (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  from_role TEXT NOT NULL CHECK (from_role IN ('customer', 'agent')),
  text TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (call_id, seq)
) STRICT, WITHOUT ROWID;
