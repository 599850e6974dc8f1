-- One schema for both engines: PostgreSQL for a fleet, SQLite (which reads these type names by affinity) for an embedded hub.

-- Every record a device sent, once: the record id is the key, so a copy that reaches any hub instance is recognised.
CREATE TABLE hub_records (
  id text PRIMARY KEY,
  device_id text NOT NULL,
  stream text NOT NULL,
  seq bigint NOT NULL,
  at text NOT NULL,
  received_at text NOT NULL,
  event text,
  data text NOT NULL
);
CREATE INDEX hub_records_device_stream_seq ON hub_records (device_id, stream, seq);
CREATE INDEX hub_records_stream_event ON hub_records (stream, event, device_id);

-- The latest KPI facts of each session (the record with the highest seq wins) and their tally.
CREATE TABLE hub_session_facts (
  device_id text NOT NULL,
  session_id text NOT NULL,
  seq bigint NOT NULL,
  started_at text NOT NULL,
  tally text NOT NULL,
  PRIMARY KEY (device_id, session_id)
);
CREATE INDEX hub_session_facts_started ON hub_session_facts (started_at);

CREATE TABLE hub_devices (
  device_id text PRIMARY KEY,
  grp text NOT NULL,
  last_seen text NOT NULL,
  status text NOT NULL
);

CREATE TABLE hub_rollouts (
  id text PRIMARY KEY,
  release_id text NOT NULL,
  created_at text NOT NULL,
  body text NOT NULL
);

CREATE TABLE hub_rollout_states (
  release_id text NOT NULL,
  device_id text NOT NULL,
  state text NOT NULL,
  reason text,
  at text NOT NULL,
  PRIMARY KEY (release_id, device_id)
);

-- Release files in chunks of the size devices fetch, so any instance serves any chunk.
CREATE TABLE hub_release_chunks (
  release_id text NOT NULL,
  path text NOT NULL,
  idx integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (release_id, path, idx)
);

CREATE TABLE hub_releases (
  id text PRIMARY KEY,
  manifest text NOT NULL,
  signature text NOT NULL,
  sealed_at text NOT NULL
);

CREATE TABLE hub_operators (
  name text PRIMARY KEY,
  role text NOT NULL CHECK (role IN ('viewer', 'operator')),
  password_hash text NOT NULL,
  created_at text NOT NULL
);

-- Signed-in operators: only a digest of each token is kept.
CREATE TABLE hub_tokens (
  token_hash text PRIMARY KEY,
  operator text NOT NULL REFERENCES hub_operators (name) ON DELETE CASCADE,
  expires_at text NOT NULL
);

CREATE TABLE hub_audit (
  id text PRIMARY KEY,
  at text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  detail text NOT NULL
);
CREATE INDEX hub_audit_at ON hub_audit (at);
