-- Consumer-facing views over tile_stats (documented in db/README.md). Consumers read these, not
-- the table, so the table can change behind them.

-- Quadkey of a slippy-map tile: one digit 0..3 per zoom level, most significant first
-- (digit = x bit + 2 * y bit). Same as geo::Quadkey.
CREATE FUNCTION tile_quadkey(z integer, x integer, y integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg((((x >> (z - i)) & 1) + 2 * ((y >> (z - i)) & 1))::text, ''
                             ORDER BY i), '')
  FROM generate_series(1, z) AS i
$$;

-- map_tiles: one row per tile and time bucket that holds at least one report.
CREATE VIEW map_tiles AS
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
       first_observed, last_observed, updated_at
FROM tile_stats
WHERE reports > 0;

-- busiest_tiles: per tile, every bucket with an observation in the last hour, busiest first.
CREATE VIEW busiest_tiles AS
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
GROUP BY z, x, y
ORDER BY reports DESC, z, x, y;
