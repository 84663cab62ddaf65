-- tile_stats: one row per (zoom-16 tile, time bucket) with mergeable aggregates of every report
-- placed in it. Workers only ever add to a row (INSERT ... ON CONFLICT DO UPDATE), so rows from
-- different workers and different batches merge in any order. See db/README.md.
CREATE TABLE tile_stats (
  z               smallint         NOT NULL,
  x               integer          NOT NULL,
  y               integer          NOT NULL,
  bucket_start    timestamptz      NOT NULL,
  reports         bigint           NOT NULL DEFAULT 0,  -- every report with a position
  probe_reports   bigint           NOT NULL DEFAULT 0,
  hazard_reports  bigint           NOT NULL DEFAULT 0,
  sign_reports    bigint           NOT NULL DEFAULT 0,
  weather_reports bigint           NOT NULL DEFAULT 0,
  speed_n         bigint           NOT NULL DEFAULT 0,  -- reports with a speed (0 cm/s counts)
  speed_sum_cms   bigint           NOT NULL DEFAULT 0,  -- cm/s
  speed_sumsq     double precision NOT NULL DEFAULT 0,  -- (cm/s)^2
  speed_min_cms   integer,                              -- NULL while speed_n = 0
  speed_max_cms   integer,
  first_observed  timestamptz      NOT NULL,
  last_observed   timestamptz      NOT NULL,
  updated_at      timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (z, x, y, bucket_start),
  CHECK (z BETWEEN 0 AND 30),
  CHECK (speed_n <= reports)
);

-- Time-range queries by consumers; bucket_start never changes, so updates stay HOT.
CREATE INDEX tile_stats_bucket_start_idx ON tile_stats (bucket_start);
