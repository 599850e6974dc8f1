-- Service sessions: one customer's visit at a kiosk, from the first question to the end.
CREATE TABLE routing_sessions (
  id TEXT PRIMARY KEY,
  kiosk_id TEXT NOT NULL,
  lang TEXT NOT NULL CHECK (lang IN ('zh-Hant', 'zh-Hans', 'en')),
  started_at TEXT NOT NULL,
  customer_id TEXT,
  customer_tier TEXT CHECK (customer_tier IN ('standard', 'vip')),
  -- Every routing decision with its reasons, oldest first: read with its session, never queried by.
  decisions TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(decisions) AND json_type(decisions) = 'array'),
  -- Kept with every decision, so counting sessions reads two columns instead of parsing them all.
  decision_count INTEGER NOT NULL DEFAULT 0,
  last_label TEXT,
  bot_answered_at TEXT,
  -- The session's first call.
  call_id TEXT,
  queued_at TEXT,
  agent_answered_at TEXT,
  first_response_at TEXT,
  abandoned_at TEXT,
  escalated_at TEXT,
  wrap_up_routed_label TEXT,
  wrap_up_label TEXT,
  wrap_up_confirmed INTEGER CHECK (wrap_up_confirmed IN (0, 1)),
  wrap_up_resolved INTEGER CHECK (wrap_up_resolved IN (0, 1)),
  wrap_up_by TEXT,
  wrap_up_at TEXT,
  survey_stars INTEGER CHECK (survey_stars BETWEEN 1 AND 5),
  survey_recommend INTEGER CHECK (survey_recommend BETWEEN 0 AND 10),
  survey_at TEXT,
  CHECK ((customer_id IS NULL) = (customer_tier IS NULL)),
  CHECK (wrap_up_at IS NULL OR (wrap_up_label IS NOT NULL AND wrap_up_confirmed IS NOT NULL AND wrap_up_resolved IS NOT NULL AND wrap_up_by IS NOT NULL)),
  CHECK (survey_at IS NOT NULL OR (survey_stars IS NULL AND survey_recommend IS NULL))
) STRICT;

-- KPIs over a period, the newest sessions and retention walk sessions by their start.
CREATE INDEX routing_sessions_started ON routing_sessions (started_at);
CREATE INDEX routing_sessions_kiosk ON routing_sessions (kiosk_id, started_at);
CREATE INDEX routing_sessions_call ON routing_sessions (call_id) WHERE call_id IS NOT NULL;
-- Repeat inquiries are a customer's sessions in a window; anonymous visits stay out of the index.
CREATE INDEX routing_sessions_customer ON routing_sessions (customer_id, started_at) WHERE customer_id IS NOT NULL;
-- A repeat is an identified customer's later session: the KPIs look for them in the days after a period.
CREATE INDEX routing_sessions_identified ON routing_sessions (started_at) WHERE customer_id IS NOT NULL;
