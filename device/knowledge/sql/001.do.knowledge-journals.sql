-- Articles shown to the bot's customer or to an agent, and what came of each showing.
CREATE TABLE knowledge_exposures (
  id TEXT PRIMARY KEY,
  article_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  session_id TEXT,
  intent TEXT,
  customer_id TEXT,
  audience TEXT NOT NULL CHECK (audience IN ('bot', 'agent')),
  rank INTEGER NOT NULL CHECK (rank >= 1),
  at TEXT NOT NULL,
  outcome TEXT CHECK (outcome IN ('success', 'failure')),
  outcome_by TEXT CHECK (outcome_by IN ('agent', 'customer', 'repeat', 'no-repeat')),
  outcome_at TEXT
) STRICT;

-- What a session was shown (quality inspection, the kiosk's "did this help?", an agent's page reload).
CREATE INDEX knowledge_exposures_session ON knowledge_exposures (session_id, at) WHERE session_id IS NOT NULL;
-- Only an identified customer's exposures can be settled by their coming back or staying away, and only
-- while unsettled: these partial indexes hold just those, so both passes read a handful of rows.
CREATE INDEX knowledge_exposures_repeats ON knowledge_exposures (customer_id, intent, at) WHERE outcome IS NULL AND customer_id IS NOT NULL;
CREATE INDEX knowledge_exposures_unsettled ON knowledge_exposures (at) WHERE outcome IS NULL AND customer_id IS NOT NULL;
-- Retention deletes the oldest first.
CREATE INDEX knowledge_exposures_at ON knowledge_exposures (at);

-- Each article's record over the exposures kept: a recommendation reads it by the article, one row per
-- candidate, instead of counting a year of exposures per request. The triggers keep it equal to
-- counting the exposures table, whatever writes it (a showing, an outcome, the v7 import, retention).
CREATE TABLE knowledge_article_outcomes (
  article_id TEXT PRIMARY KEY,
  shown INTEGER NOT NULL,
  successes INTEGER NOT NULL,
  failures INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TRIGGER knowledge_exposures_tally_insert AFTER INSERT ON knowledge_exposures BEGIN
  INSERT INTO knowledge_article_outcomes (article_id, shown, successes, failures)
  VALUES (NEW.article_id, 1, NEW.outcome IS 'success', NEW.outcome IS 'failure')
  ON CONFLICT (article_id) DO UPDATE SET shown = shown + 1, successes = successes + excluded.successes, failures = failures + excluded.failures;
END;

CREATE TRIGGER knowledge_exposures_tally_outcome AFTER UPDATE OF outcome ON knowledge_exposures WHEN OLD.outcome IS NOT NEW.outcome BEGIN
  UPDATE knowledge_article_outcomes
  SET successes = successes + (NEW.outcome IS 'success') - (OLD.outcome IS 'success'),
      failures = failures + (NEW.outcome IS 'failure') - (OLD.outcome IS 'failure')
  WHERE article_id = NEW.article_id;
END;

CREATE TRIGGER knowledge_exposures_tally_delete AFTER DELETE ON knowledge_exposures BEGIN
  UPDATE knowledge_article_outcomes
  SET shown = shown - 1, successes = successes - (OLD.outcome IS 'success'), failures = failures - (OLD.outcome IS 'failure')
  WHERE article_id = OLD.article_id;
END;

-- Questions the knowledge base could not answer. The number is what people call a ticket by (and what
-- the hub knows it by): AUTOINCREMENT never hands out a number again, even after retention deleted it.
CREATE TABLE knowledge_tickets (
  number INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  question TEXT NOT NULL,
  intent TEXT,
  lang TEXT NOT NULL CHECK (lang IN ('zh-Hant', 'zh-Hans', 'en')),
  origin TEXT NOT NULL CHECK (origin IN ('unresolved-call', 'unanswered-question', 'manual')),
  session_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('open', 'assigned', 'resolved')),
  assignee TEXT,
  created_at TEXT NOT NULL,
  due_at TEXT NOT NULL,
  resolved_at TEXT,
  resolution_article_id TEXT,
  resolution_how TEXT CHECK (resolution_how IN ('written', 'linked')),
  resolution_by TEXT,
  CHECK ((resolution_article_id IS NULL) = (resolution_how IS NULL) AND (resolution_how IS NULL) = (resolution_by IS NULL))
) STRICT;

-- The board and the deadline check read the tickets of a status by due time.
CREATE INDEX knowledge_tickets_due ON knowledge_tickets (status, due_at);
-- A session gives at most one ticket; quality inspection asks whether it gave one.
CREATE UNIQUE INDEX knowledge_tickets_session ON knowledge_tickets (session_id) WHERE session_id IS NOT NULL;
-- The board shows the newest resolved tickets; retention deletes the oldest resolved ones.
CREATE INDEX knowledge_tickets_resolved ON knowledge_tickets (resolved_at) WHERE resolved_at IS NOT NULL;

CREATE TABLE knowledge_ticket_comments (
  ticket_number INTEGER NOT NULL REFERENCES knowledge_tickets (number) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  by_user TEXT NOT NULL,
  text TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (ticket_number, seq)
) STRICT, WITHOUT ROWID;

-- One warning of each kind per ticket: the key makes a second one impossible.
CREATE TABLE knowledge_ticket_warnings (
  ticket_number INTEGER NOT NULL REFERENCES knowledge_tickets (number) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('due-soon', 'breached')),
  at TEXT NOT NULL,
  PRIMARY KEY (ticket_number, kind)
) STRICT, WITHOUT ROWID;

-- Runs of the ingestion connectors; the lists of what each run did nobody queries by, so they are JSON.
CREATE TABLE knowledge_ingest_runs (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  kind TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  added TEXT NOT NULL,
  changed TEXT NOT NULL,
  unchanged INTEGER NOT NULL,
  retired TEXT NOT NULL,
  rejected TEXT NOT NULL,
  error TEXT
) STRICT;

CREATE INDEX knowledge_ingest_runs_finished ON knowledge_ingest_runs (finished_at);
