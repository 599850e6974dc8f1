-- The device's cloud outbox. A record is inserted in the transaction of the fact it describes and
-- deleted when the hub's receipt says the cloud has it.

-- One row per stream: the last sequence number handed out (never lowered, so a number is never used
-- twice, even after its record was deleted) and how many records wait.
CREATE TABLE outbox_streams (
  stream TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL CHECK (last_seq >= 0),
  pending INTEGER NOT NULL CHECK (pending >= 0)
) STRICT;

INSERT INTO outbox_streams (stream, last_seq, pending) VALUES
  ('scorecard', 0, 0), ('ticket', 0, 0), ('session', 0, 0), ('emotion', 0, 0), ('rollout', 0, 0);

-- Read and deleted by (stream, seq) ranges only, so the records are stored in that order.
CREATE TABLE outbox_records (
  stream TEXT NOT NULL,
  seq INTEGER NOT NULL,
  id TEXT NOT NULL,
  at TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (stream, seq)
) STRICT, WITHOUT ROWID;

-- The counters move in the statement that inserts or deletes the record: a write that rolls back takes
-- its number back with it, so a stream never has a gap.
CREATE TRIGGER outbox_records_in_order BEFORE INSERT ON outbox_records
WHEN NEW.seq IS NOT (SELECT last_seq + 1 FROM outbox_streams WHERE stream = NEW.stream)
BEGIN
  SELECT RAISE(ABORT, 'an outbox record must take the next sequence number of its stream');
END;

CREATE TRIGGER outbox_records_added AFTER INSERT ON outbox_records
BEGIN
  UPDATE outbox_streams SET last_seq = NEW.seq, pending = pending + 1 WHERE stream = NEW.stream;
END;

CREATE TRIGGER outbox_records_removed AFTER DELETE ON outbox_records
BEGIN
  UPDATE outbox_streams SET pending = pending - 1 WHERE stream = OLD.stream;
END;
