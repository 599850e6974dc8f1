-- What the agent said a session's question was about at wrap-up, with the customer's words: labelled
-- examples the intent model is retrained on. One per session; a second wrap-up replaces it.
CREATE TABLE routing_intent_examples (
  session_id TEXT PRIMARY KEY,
  text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
  lang TEXT NOT NULL CHECK (lang IN ('zh-Hant', 'zh-Hans', 'en')),
  routed_label TEXT,
  label TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  at TEXT NOT NULL
) STRICT;

-- Retraining reads what came in since the last run; retention deletes by age.
CREATE INDEX routing_intent_examples_at ON routing_intent_examples (at);

-- Label renames (a taxonomy's formerIds) already applied to the stored data, so each runs once.
CREATE TABLE routing_label_renames (
  former_id TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  at TEXT NOT NULL
) STRICT;
