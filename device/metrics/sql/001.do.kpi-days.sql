-- The KPI counters of each finished UTC day: one row for the whole day (grouping 'all', group_key ''),
-- written even for a day without visits, and one per kiosk, skill group and agent of that day. Counts and
-- sums rather than ratios, so that days add up to any period. Kept for good: they outlive the sessions,
-- calls and scorecards they were computed from, which the record retention deletes.
CREATE TABLE metrics_kpi_days (
  day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  grouping TEXT NOT NULL CHECK (grouping IN ('all', 'kiosk', 'skill', 'agent')),
  group_key TEXT NOT NULL,
  sessions INTEGER NOT NULL,
  response_counted INTEGER NOT NULL,
  responded INTEGER NOT NULL,
  handled INTEGER NOT NULL,
  handle_seconds REAL NOT NULL,
  wrapped_up INTEGER NOT NULL,
  first_contact INTEGER NOT NULL,
  scorecards INTEGER NOT NULL,
  service_errors INTEGER NOT NULL,
  star_answers INTEGER NOT NULL,
  stars_total INTEGER NOT NULL,
  satisfied INTEGER NOT NULL,
  recommend_answers INTEGER NOT NULL,
  promoters INTEGER NOT NULL,
  detractors INTEGER NOT NULL,
  identified INTEGER NOT NULL,
  repeats INTEGER NOT NULL,
  queued INTEGER NOT NULL,
  abandoned INTEGER NOT NULL,
  transferred INTEGER NOT NULL,
  reopened INTEGER NOT NULL,
  -- The routing measures count only sessions that asked something or queued for an agent.
  requests_counted INTEGER NOT NULL,
  requests_responded INTEGER NOT NULL,
  reviewed INTEGER NOT NULL,
  confirmed INTEGER NOT NULL,
  requests_abandoned INTEGER NOT NULL,
  -- Reports read one grouping over a range of days; the newest 'all' day says how far the roll-up got.
  PRIMARY KEY (grouping, day, group_key)
) STRICT, WITHOUT ROWID;
