-- Quality scorecards: one row per scoring of a session (a rescored session has several; the newest is
-- shown). The scored items, supervisors' overrides and agents' disputes are JSON: they are only ever
-- read with their scorecard.
CREATE TABLE qa_scorecards (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  call_id TEXT,
  agent_id TEXT,
  form_version INTEGER NOT NULL,
  at TEXT NOT NULL,
  total REAL,
  items TEXT NOT NULL,
  overrides TEXT NOT NULL,
  disputes TEXT NOT NULL
) STRICT;

-- Whether a session was scored; the newest scorecards of an agent (list, coaching over a period).
CREATE INDEX qa_scorecards_session ON qa_scorecards (session_id, at);
CREATE INDEX qa_scorecards_agent ON qa_scorecards (agent_id, at) WHERE agent_id IS NOT NULL;
-- The newest scorecards, KPIs over a period, the handbook's window and retention.
CREATE INDEX qa_scorecards_at ON qa_scorecards (at);
