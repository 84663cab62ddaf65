-- Map layers beyond raw counts (db/README.md explains them to consumers):
--   * distinct vehicles per tile and bucket: a HyperLogLog sketch (db/hyper_log_log.md) merged at
--     upsert time, plus the largest exact per-commit count as a lower bound;
--   * a speed histogram (5 km/h bins) for percentiles; weather summaries;
--   * hazard clusters (zoom 18 tile + hazard type) and speed-limit votes (tile + heading sector);
--   * k-anonymity: consumer views publish only rows with >= map_settings.k_anonymity vehicles.
-- Every new column is mergeable (sum, max, LEAST/GREATEST, per-register max), so writers combine
-- in any order. tile_stats keeps all of its earlier columns and their meaning.

-- ---------------------------------------------------------------- settings
CREATE TABLE map_settings (
  singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  k_anonymity integer NOT NULL DEFAULT 5 CHECK (k_anonymity >= 1)
);
INSERT INTO map_settings DEFAULT VALUES;

CREATE FUNCTION map_k_anonymity() RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT k_anonymity FROM map_settings $$;

-- ---------------------------------------------------------------- HyperLogLog (precision 10)
-- Formats (same as db/hyper_log_log.cc):
--   sparse: \x02 \x0a then (register index uint16 BE, rank uint8) per non-zero register
--   dense:  \x01 \x0a, zero-register count uint16 BE, sum of 2^-rank in 32.32 fixed point
--           (ranks > 32 count 0) int8 BE, then 1024 register bytes.

-- Applies every register of `b` (either format) to the dense sketch `d` (per-register max),
-- keeping the header's zero count and register sum up to date.
CREATE FUNCTION hll_apply(d bytea, b bytea) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  zeros integer := ('x' || encode(substring(d from 3 for 2), 'hex'))::bit(16)::integer;
  total bigint := ('x' || encode(substring(d from 5 for 8), 'hex'))::bit(64)::bigint;
  sparse boolean := get_byte(b, 0) = 2;
  n integer := CASE WHEN get_byte(b, 0) = 2 THEN (length(b) - 2) / 3 ELSE 1024 END;
  idx integer;
  rk integer;
  old integer;
BEGIN
  FOR i IN 0 .. n - 1 LOOP
    IF sparse THEN
      idx := (get_byte(b, 2 + 3 * i) << 8) | get_byte(b, 3 + 3 * i);
      rk := get_byte(b, 4 + 3 * i);
    ELSE
      idx := i;
      rk := get_byte(b, 12 + i);
    END IF;
    old := get_byte(d, 12 + idx);
    IF rk > old THEN
      d := set_byte(d, 12 + idx, rk);
      IF old = 0 THEN zeros := zeros - 1; END IF;
      total := total - CASE WHEN old > 32 THEN 0 ELSE 1::bigint << (32 - old) END
                     + CASE WHEN rk > 32 THEN 0 ELSE 1::bigint << (32 - rk) END;
    END IF;
  END LOOP;
  RETURN overlay(overlay(d PLACING int2send(zeros::smallint) FROM 3 FOR 2)
                 PLACING int8send(total) FROM 5 FOR 8);
END $$;

-- Union of two sketches (NULL = empty). The result is dense unless one side is NULL.
CREATE FUNCTION hll_union(a bytea, b bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN a IS NULL THEN b
    WHEN b IS NULL THEN a
    WHEN get_byte(a, 0) = 1 THEN hll_apply(a, b)
    ELSE hll_apply(hll_apply('\x010a0400'::bytea || int8send(1024::bigint << 32)
                             || decode(repeat('00', 1024), 'hex'), a), b)
  END
$$;

-- hll_union_agg(sketch): roll-ups across buckets or zooms.
CREATE AGGREGATE hll_union_agg(bytea) (SFUNC = hll_union, STYPE = bytea);

-- Estimated distinct items (NULL sketch = 0): linear counting while the sketch is sparsely
-- filled, the HyperLogLog estimate above 2.5 × 1024. O(1) for dense sketches.
CREATE FUNCTION hll_cardinality(h bytea) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  zeros integer;
  total bigint;
  rk integer;
  raw double precision;
BEGIN
  IF h IS NULL THEN RETURN 0; END IF;
  IF get_byte(h, 0) = 1 THEN
    zeros := ('x' || encode(substring(h from 3 for 2), 'hex'))::bit(16)::integer;
    total := ('x' || encode(substring(h from 5 for 8), 'hex'))::bit(64)::bigint;
  ELSE
    zeros := 1024 - (length(h) - 2) / 3;
    total := zeros::bigint << 32;
    FOR i IN 0 .. (length(h) - 2) / 3 - 1 LOOP
      rk := get_byte(h, 4 + 3 * i);
      total := total + CASE WHEN rk > 32 THEN 0 ELSE 1::bigint << (32 - rk) END;
    END LOOP;
  END IF;
  raw := (0.7213 / (1.0 + 1.079 / 1024.0)) * 1024.0 * 1024.0 / (total / 4294967296.0);
  IF raw <= 2.5 * 1024 AND zeros > 0 THEN
    RETURN round(1024.0 * ln(1024.0 / zeros));
  END IF;
  RETURN round(raw);
END $$;

-- ---------------------------------------------------------------- int array helpers
-- Element-wise sum of integer arrays of any length (roll-ups); NULL = all zero; the longer
-- array's tail is kept.
CREATE FUNCTION int_array_add(a integer[], b integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a ELSE
    (SELECT array_agg(coalesce(p, 0) + coalesce(q, 0) ORDER BY i)
     FROM unnest(a, b) WITH ORDINALITY AS u(p, q, i)) END
$$;

-- Speed histograms: element-wise sum of two 40-element arrays (NULL = all zero). Written out term by
-- term: ~10x cheaper than unnest/array_agg, and it runs in every tile upsert.
CREATE FUNCTION speed_hist_add(a integer[], b integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a ELSE ARRAY[
    a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4], a[5] + b[5], a[6] + b[6],
    a[7] + b[7], a[8] + b[8], a[9] + b[9], a[10] + b[10], a[11] + b[11], a[12] + b[12],
    a[13] + b[13], a[14] + b[14], a[15] + b[15], a[16] + b[16], a[17] + b[17], a[18] + b[18],
    a[19] + b[19], a[20] + b[20], a[21] + b[21], a[22] + b[22], a[23] + b[23], a[24] + b[24],
    a[25] + b[25], a[26] + b[26], a[27] + b[27], a[28] + b[28], a[29] + b[29], a[30] + b[30],
    a[31] + b[31], a[32] + b[32], a[33] + b[33], a[34] + b[34], a[35] + b[35], a[36] + b[36],
    a[37] + b[37], a[38] + b[38], a[39] + b[39], a[40] + b[40]] END
$$;

-- Wiper-state counts: element-wise sum of two 4-element arrays (NULL = all zero). Written out term by
-- term: ~10x cheaper than unnest/array_agg, and it runs in every tile upsert.
CREATE FUNCTION wiper_counts_add(a integer[], b integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a ELSE ARRAY[
    a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4]] END
$$;

-- Speed percentile (q in 0..1) from a histogram of 5 km/h bins, bin i (1-based) holding
-- [5(i-1), 5i) km/h; interpolated linearly inside the bin. NULL for an empty histogram.
CREATE FUNCTION speed_hist_percentile(h integer[], q double precision) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT round(((i - 1) * 5 + 5 * (target - (cum - c)) / c)::numeric, 1)
  FROM (SELECT i, c, sum(c) OVER (ORDER BY i) AS cum, sum(c) OVER () * q AS target
        FROM unnest(h) WITH ORDINALITY AS u(c, i)) s
  WHERE c > 0 AND cum >= target
  ORDER BY i LIMIT 1
$$;

-- ---------------------------------------------------------------- traffic + weather columns
ALTER TABLE tile_stats
  ADD COLUMN vehicles_hll       bytea,                       -- HyperLogLog of vehicle pseudonyms
  ADD COLUMN max_batch_vehicles integer NOT NULL DEFAULT 0,  -- most distinct vehicles in one commit
  ADD COLUMN speed_hist         integer[],                   -- 40 bins of 5 km/h, last = >= 195
  ADD COLUMN wiper_reports      integer[],                   -- [off, interval, low, high]
  ADD COLUMN fog_front_reports  bigint NOT NULL DEFAULT 0,
  ADD COLUMN fog_rear_reports   bigint NOT NULL DEFAULT 0,
  ADD COLUMN temp_n             bigint NOT NULL DEFAULT 0,   -- weather reports with a temperature
  ADD COLUMN temp_sum_dc        bigint NOT NULL DEFAULT 0,   -- tenths of a degree Celsius
  ADD COLUMN temp_min_dc        integer,
  ADD COLUMN temp_max_dc        integer;
-- Rows now carry a ~1 KiB sketch and are updated in place many times per bucket: leave room on
-- each page so updates stay HOT (no index churn). Applies to pages written from now on.
ALTER TABLE tile_stats SET (fillfactor = 70);

-- ---------------------------------------------------------------- hazards
-- One row per zoom-18 tile (~150 m) and hazard type: a cluster of hazard reports.
CREATE TABLE hazard_clusters (
  z              smallint    NOT NULL,
  x              integer     NOT NULL,
  y              integer     NOT NULL,
  hazard_type    smallint    NOT NULL,  -- roadsense.v1.HazardType
  reports        bigint      NOT NULL DEFAULT 0,  -- hazard reports, cancellations included
  cancellations  bigint      NOT NULL DEFAULT 0,
  vehicles_hll   bytea,                           -- distinct reporting vehicles
  max_batch_vehicles integer NOT NULL DEFAULT 0,
  confidence_sum bigint      NOT NULL DEFAULT 0,  -- sum of confidence_pct of non-cancel reports
  first_seen     timestamptz NOT NULL,
  last_seen      timestamptz,                     -- latest non-cancellation report
  last_cancelled timestamptz,                     -- latest cancellation report
  expires_at     timestamptz,                     -- max(observed + ttl) of non-cancel reports
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (z, x, y, hazard_type)
);
CREATE INDEX hazard_clusters_expires_at_idx ON hazard_clusters (expires_at);

-- Confidence 0..1 of a hazard cluster at time `at`: independent vehicles each confirm with
-- their mean reported confidence (1 - (1 - c)^n), then linear decay from last_seen to expires_at.
CREATE FUNCTION hazard_confidence(vehicles bigint, mean_confidence_pct double precision,
                                  last_seen timestamptz, expires_at timestamptz,
                                  at timestamptz) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN last_seen IS NULL OR expires_at IS NULL OR at >= expires_at
                   OR coalesce(vehicles, 0) <= 0 THEN 0
    ELSE round((1 - power(1 - least(greatest(coalesce(nullif(mean_confidence_pct, 0), 50), 1), 99)
                              / 100.0, vehicles))::numeric
               * least(1, greatest(0, extract(epoch FROM expires_at - at)
                                      / nullif(extract(epoch FROM expires_at - last_seen), 0)))
               ::numeric, 3)
  END
$$;

-- ---------------------------------------------------------------- signs
-- Speed-limit votes per zoom-16 tile, heading sector (0 = N, 1 = NE, ... 7 = NW; 45° each) and
-- posted value.
CREATE TABLE speed_limit_votes (
  z              smallint    NOT NULL,
  x              integer     NOT NULL,
  y              integer     NOT NULL,
  heading_sector smallint    NOT NULL,
  limit_kmh      smallint    NOT NULL,
  votes          bigint      NOT NULL DEFAULT 0,
  vehicles_hll   bytea,
  max_batch_vehicles integer NOT NULL DEFAULT 0,
  first_seen     timestamptz NOT NULL,
  last_seen      timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (z, x, y, heading_sector, limit_kmh)
);

-- ---------------------------------------------------------------- consumer views
-- Distinct vehicles of a row: the sketch's estimate, never below an exactly known lower bound.
CREATE FUNCTION distinct_vehicles(hll bytea, max_batch_vehicles integer) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT greatest(hll_cardinality(hll), max_batch_vehicles::bigint)
$$;

CREATE OR REPLACE VIEW map_tiles AS
SELECT z, x, y,
       tile_quadkey(z, x, y) AS quadkey,
       bucket_start,
       reports, probe_reports, hazard_reports, sign_reports, weather_reports,
       speed_n,
       round((speed_sum_cms::numeric / nullif(speed_n, 0)) * 0.036, 2) AS mean_speed_kmh,
       round((sqrt(greatest(speed_sumsq / nullif(speed_n, 0)
                            - power(speed_sum_cms::double precision / nullif(speed_n, 0), 2), 0))
              * 0.036)::numeric, 2) AS stddev_speed_kmh,
       round(speed_min_cms * 0.036, 2) AS min_speed_kmh,
       round(speed_max_cms * 0.036, 2) AS max_speed_kmh,
       first_observed, last_observed, updated_at,
       distinct_vehicles(vehicles_hll, max_batch_vehicles) AS distinct_vehicles,
       speed_hist_percentile(speed_hist, 0.5) AS p50_speed_kmh,
       speed_hist_percentile(speed_hist, 0.85) AS p85_speed_kmh,
       speed_hist AS speed_hist_5kmh,
       wiper_reports[1] AS wipers_off, wiper_reports[2] AS wipers_interval,
       wiper_reports[3] AS wipers_low, wiper_reports[4] AS wipers_high,
       fog_front_reports, fog_rear_reports,
       round(temp_sum_dc::numeric / nullif(temp_n, 0) / 10, 1) AS mean_temp_c,
       round(temp_min_dc / 10.0, 1) AS min_temp_c,
       round(temp_max_dc / 10.0, 1) AS max_temp_c
FROM tile_stats
WHERE reports > 0 AND distinct_vehicles(vehicles_hll, max_batch_vehicles) >= map_k_anonymity();

-- Sums only buckets that are published themselves (each passed k-anonymity).
CREATE OR REPLACE VIEW busiest_tiles AS
SELECT z, x, y,
       tile_quadkey(z, x, y) AS quadkey,
       sum(reports) AS reports,
       sum(hazard_reports) AS hazard_reports,
       sum(sign_reports) AS sign_reports,
       round((sum(speed_sum_cms)::numeric / nullif(sum(speed_n), 0)) * 0.036, 2)
         AS mean_speed_kmh,
       max(last_observed) AS last_observed
FROM tile_stats
WHERE last_observed >= now() - interval '1 hour' AND reports > 0
  AND distinct_vehicles(vehicles_hll, max_batch_vehicles) >= map_k_anonymity()
GROUP BY z, x, y
ORDER BY reports DESC, z, x, y;

-- Hazards that are not expired, not cancelled (the latest report is not a cancellation) and
-- were reported by at least k vehicles.
CREATE VIEW active_hazards AS
SELECT z, x, y, tile_quadkey(z, x, y) AS quadkey, hazard_type,
       CASE hazard_type WHEN 1 THEN 'slippery_road' WHEN 2 THEN 'fog' WHEN 3 THEN 'breakdown'
         WHEN 4 THEN 'emergency_braking' WHEN 5 THEN 'accident' WHEN 6 THEN 'roadworks'
         WHEN 7 THEN 'heavy_rain' WHEN 8 THEN 'obstacle' WHEN 9 THEN 'end_of_queue'
         ELSE 'unknown' END AS hazard,
       distinct_vehicles(vehicles_hll, max_batch_vehicles) AS distinct_vehicles,
       reports, cancellations,
       hazard_confidence(distinct_vehicles(vehicles_hll, max_batch_vehicles),
                         confidence_sum::double precision / nullif(reports - cancellations, 0),
                         last_seen, expires_at, now()) AS confidence,
       first_seen, last_seen, last_cancelled, expires_at
FROM hazard_clusters
WHERE expires_at > now()
  AND (last_cancelled IS NULL OR last_cancelled < last_seen)
  AND distinct_vehicles(vehicles_hll, max_batch_vehicles) >= map_k_anonymity();

-- Per tile and heading sector, the most-voted posted limit (ties: the most recently seen), if
-- at least k vehicles voted for it.
CREATE VIEW speed_limits AS
SELECT z, x, y, tile_quadkey(z, x, y) AS quadkey, heading_sector, limit_kmh, votes,
       total_votes, round(votes::numeric / total_votes, 3) AS vote_share, distinct_vehicles,
       last_seen
FROM (SELECT DISTINCT ON (z, x, y, heading_sector)
             z, x, y, heading_sector, limit_kmh, votes, last_seen,
             sum(votes) OVER (PARTITION BY z, x, y, heading_sector) AS total_votes,
             distinct_vehicles(vehicles_hll, max_batch_vehicles) AS distinct_vehicles
      FROM speed_limit_votes
      ORDER BY z, x, y, heading_sector, votes DESC, last_seen DESC, limit_kmh) winners
WHERE distinct_vehicles >= map_k_anonymity();
