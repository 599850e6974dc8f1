-- Emotion sensing: one row per recorded signal with the session's smoothed state after it. The values
-- are columns because the session's emotion summary and the inspected call's start and end are read
-- from them; the evidence is the text shown to staff.
CREATE TABLE sense_events (
  id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL,
  call_id TEXT,
  at TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('text', 'voice', 'face')),
  signal_valence REAL NOT NULL,
  signal_arousal REAL NOT NULL,
  fused_valence REAL NOT NULL,
  fused_arousal REAL NOT NULL,
  fused_label TEXT NOT NULL,
  evidence TEXT NOT NULL
) STRICT;

-- A session's timeline and emotion summary; the first and last reading of an inspected call.
CREATE INDEX sense_events_session ON sense_events (session_id, at);
CREATE INDEX sense_events_call ON sense_events (call_id, at) WHERE call_id IS NOT NULL;
-- Retention deletes the oldest readings first.
CREATE INDEX sense_events_at ON sense_events (at);

-- Warnings raised for an agent, with what triggered them.
CREATE TABLE sense_alerts (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  call_id TEXT,
  at TEXT NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('amber', 'red')),
  rule TEXT NOT NULL,
  reason TEXT NOT NULL,
  -- The phrase to suggest, per language (JSON); only ever shown whole.
  suggestion TEXT NOT NULL,
  evidence_channel TEXT NOT NULL,
  evidence_detail TEXT NOT NULL
) STRICT;

-- A session's alerts (quality inspection); the recent-alerts list, the wallboard and retention by time.
CREATE INDEX sense_alerts_session ON sense_alerts (session_id, at);
CREATE INDEX sense_alerts_at ON sense_alerts (at);

-- Who spoke how much in a call, kept once when the call ends.
CREATE TABLE sense_call_stats (
  call_id TEXT PRIMARY KEY,
  session_id TEXT,
  at TEXT NOT NULL,
  customer_talk_ms REAL NOT NULL,
  agent_talk_ms REAL NOT NULL,
  silence_ms REAL NOT NULL,
  overlap_ms REAL NOT NULL,
  overlaps INTEGER NOT NULL
) STRICT;

CREATE INDEX sense_call_stats_at ON sense_call_stats (at);
