-- The agents' labelled questions, for retraining the fleet's intent model: a stream of their own, since
-- they are the one record that carries customer text and a device may switch them off.
INSERT INTO outbox_streams (stream, last_seq, pending) VALUES ('correction', 0, 0);
