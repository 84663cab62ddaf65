-- Map data for map people (db/README.md, "PostGIS, roll-ups and vector tiles"):
--   * PostGIS geometry on the consumer views (tile envelopes, hazard points and areas, in
--     EPSG:4326 and EPSG:3857), so psql and QGIS users can query spatially;
--   * roll-ups of the zoom-16 base tiles to any zoom 0..16, computed from the *published* base
--     rows only, so every roll-up cell has >= k vehicles and subtracting published cells from a
--     roll-up reveals nothing that is not published itself;
--   * roadsense_mvt(z, x, y [, from, to]): a Mapbox Vector Tile with layers traffic, hazards,
--     signs, weather;
--   * SELECT for the read-only role roadsense_reader, when it exists (creating roles needs
--     CREATEROLE, which the migrating role normally lacks; scripts/pg-cluster creates it).
-- Depends on 0001..0004 only.

-- Only a superuser may create PostGIS; when it exists already (the usual case: a DBA created it,
-- or scripts/pg-cluster did, in schema `postgis` on the database's search_path) this is a no-op.
CREATE EXTENSION IF NOT EXISTS postgis;

-- ---------------------------------------------------------------- geometry views
CREATE VIEW map_tiles_geo AS
SELECT m.*,
       ST_Transform(ST_TileEnvelope(m.z, m.x, m.y), 4326) AS geom,
       ST_TileEnvelope(m.z, m.x, m.y) AS geom_3857
FROM map_tiles m;

-- A hazard cluster is a zoom-18 tile (~150 m): `geom` is its centre, `area` the tile itself.
CREATE VIEW active_hazards_geo AS
SELECT h.*,
       ST_Transform(ST_Centroid(ST_TileEnvelope(h.z, h.x, h.y)), 4326) AS geom,
       ST_Centroid(ST_TileEnvelope(h.z, h.x, h.y)) AS geom_3857,
       ST_Transform(ST_TileEnvelope(h.z, h.x, h.y), 4326) AS area
FROM active_hazards h;

CREATE VIEW speed_limits_geo AS
SELECT s.*,
       ST_Transform(ST_TileEnvelope(s.z, s.x, s.y), 4326) AS geom,
       ST_TileEnvelope(s.z, s.x, s.y) AS geom_3857
FROM speed_limits s;

-- ---------------------------------------------------------------- roll-ups
CREATE AGGREGATE speed_hist_agg(integer[]) (SFUNC = speed_hist_add, STYPE = integer[]);
CREATE AGGREGATE wiper_counts_agg(integer[]) (SFUNC = wiper_counts_add, STYPE = integer[]);

-- The zoom-16 tile range covered by tile (z, x, y): x16 in [x0, x1], y16 in [y0, y1]. For z > 16
-- the one zoom-16 tile that contains it.
CREATE FUNCTION base_tile_range(z integer, x integer, y integer,
                                OUT x0 integer, OUT x1 integer, OUT y0 integer, OUT y1 integer)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN z <= 16 THEN x << (16 - z) ELSE x >> (z - 16) END,
         CASE WHEN z <= 16 THEN ((x + 1) << (16 - z)) - 1 ELSE x >> (z - 16) END,
         CASE WHEN z <= 16 THEN y << (16 - z) ELSE y >> (z - 16) END,
         CASE WHEN z <= 16 THEN ((y + 1) << (16 - z)) - 1 ELSE y >> (z - 16) END
$$;

-- Traffic and weather of the published base rows (>= k vehicles each) with bucket_start in
-- [bucket_from, bucket_to] inside area tile (area_z, area_x, area_y), summed per cell of zoom
-- `zoom` (<= 16). `vehicles_min` is a lower bound on the cell's distinct vehicles (the largest
-- of its rows) and is >= k by construction. SECURITY DEFINER: readers get the k-anonymous result
-- without access to tile_stats.
CREATE FUNCTION map_tiles_rollup_cells(zoom integer, bucket_from timestamptz,
                                       bucket_to timestamptz, area_z integer DEFAULT 0,
                                       area_x integer DEFAULT 0, area_y integer DEFAULT 0)
RETURNS TABLE (z integer, x integer, y integer, buckets bigint, reports bigint,
               probe_reports bigint, hazard_reports bigint, sign_reports bigint,
               weather_reports bigint, speed_n bigint, mean_speed_kmh double precision,
               p50_speed_kmh double precision, p85_speed_kmh double precision,
               vehicles_min bigint, wipers_off bigint, wipers_on bigint,
               fog_front_reports bigint, fog_rear_reports bigint,
               mean_temp_c double precision, first_observed timestamptz,
               last_observed timestamptz)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = public, postgis, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  k integer := map_k_anonymity();
BEGIN
  -- PL/pgSQL, not SQL: its plan is cached for the session (a SQL function with SET is planned on
  -- every call, which costs more than running it for one vector tile). Each row's distinct
  -- vehicles are computed once (a PL/pgSQL HyperLogLog estimate: the main cost at low zooms).
  RETURN QUERY
  SELECT zoom, t.x >> (16 - zoom), t.y >> (16 - zoom), count(*), sum(t.reports)::bigint,
         sum(t.probe_reports)::bigint, sum(t.hazard_reports)::bigint, sum(t.sign_reports)::bigint,
         sum(t.weather_reports)::bigint, sum(t.speed_n)::bigint,
         round((sum(t.speed_sum_cms)::numeric / nullif(sum(t.speed_n), 0)) * 0.036, 2)::float8,
         speed_hist_percentile(speed_hist_agg(t.speed_hist), 0.5)::float8,
         speed_hist_percentile(speed_hist_agg(t.speed_hist), 0.85)::float8,
         max(v.n),
         sum(coalesce(t.wiper_reports[1], 0))::bigint,
         sum(coalesce(t.wiper_reports[2], 0) + coalesce(t.wiper_reports[3], 0)
             + coalesce(t.wiper_reports[4], 0))::bigint,
         sum(t.fog_front_reports)::bigint, sum(t.fog_rear_reports)::bigint,
         round(sum(t.temp_sum_dc)::numeric / nullif(sum(t.temp_n), 0) / 10, 1)::float8,
         min(t.first_observed), max(t.last_observed)
  FROM base_tile_range(area_z, area_x, area_y) r
  JOIN tile_stats t ON t.z = 16 AND t.x BETWEEN r.x0 AND r.x1 AND t.y BETWEEN r.y0 AND r.y1
  CROSS JOIN LATERAL (SELECT distinct_vehicles(t.vehicles_hll, t.max_batch_vehicles) AS n) v
  WHERE zoom BETWEEN 0 AND 16 AND zoom >= least(area_z, 16)
    AND t.bucket_start BETWEEN bucket_from AND bucket_to
    AND t.reports > 0
    AND v.n >= k
  GROUP BY 2, 3;
END $$;

-- The same cells with their geometry (tile envelopes in EPSG:4326 and 3857), for psql and QGIS:
--   SELECT * FROM map_tiles_rollup(12, now() - interval '1 hour', now());
CREATE FUNCTION map_tiles_rollup(zoom integer, bucket_from timestamptz, bucket_to timestamptz,
                                 area_z integer DEFAULT 0, area_x integer DEFAULT 0,
                                 area_y integer DEFAULT 0)
RETURNS TABLE (z integer, x integer, y integer, quadkey text, buckets bigint, reports bigint,
               probe_reports bigint, hazard_reports bigint, sign_reports bigint,
               weather_reports bigint, speed_n bigint, mean_speed_kmh double precision,
               p50_speed_kmh double precision, p85_speed_kmh double precision,
               vehicles_min bigint, wipers_off bigint, wipers_on bigint,
               fog_front_reports bigint, fog_rear_reports bigint,
               mean_temp_c double precision, first_observed timestamptz,
               last_observed timestamptz, geom geometry, geom_3857 geometry)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = public, postgis, pg_temp AS $$
  SELECT c.z, c.x, c.y, tile_quadkey(c.z, c.x, c.y), c.buckets, c.reports, c.probe_reports,
         c.hazard_reports, c.sign_reports, c.weather_reports, c.speed_n, c.mean_speed_kmh,
         c.p50_speed_kmh, c.p85_speed_kmh, c.vehicles_min, c.wipers_off, c.wipers_on,
         c.fog_front_reports, c.fog_rear_reports, c.mean_temp_c, c.first_observed,
         c.last_observed, ST_Transform(ST_TileEnvelope(c.z, c.x, c.y), 4326),
         ST_TileEnvelope(c.z, c.x, c.y)
  FROM map_tiles_rollup_cells(zoom, bucket_from, bucket_to, area_z, area_x, area_y) c
$$;

-- ---------------------------------------------------------------- vector tiles
-- Zoom of the traffic/weather cells drawn in a vector tile of zoom z: 16 x 16 cells per tile,
-- never finer than the base zoom, never coarser than zoom 8.
CREATE FUNCTION mvt_cell_zoom(z integer) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT greatest(8, least(16, z + 4)) $$;

-- A Mapbox Vector Tile (extent 4096, EPSG:3857) for tile z/x/y (z 0..22) with layers
--   traffic  polygons, one per published cell of zoom mvt_cell_zoom(z): reports, vehicles_min,
--            mean/p50/p85 speed km/h, buckets, cell_z/cell_x/cell_y, last_observed (Unix s)
--   weather  the same cells where weather was reported: weather_reports, wipers_on/off, fog,
--            mean_temp_c
--   hazards  points (zoom-18 cluster centres) of active_hazards: hazard, hazard_type,
--            confidence 0..1, vehicles, reports, first_seen/last_seen/expires_at (Unix s)
--   signs    points of speed_limits (z >= 12 only), nudged from the zoom-16 tile centre towards
--            the heading sector: limit_kmh, heading_sector, votes, vote_share, vehicles
-- Traffic and weather cover buckets starting in [bucket_from, bucket_to] (default: the last
-- hour); hazards and signs are the current state. Every layer is k-anonymous.
CREATE FUNCTION roadsense_mvt(z integer, x integer, y integer,
                              bucket_from timestamptz DEFAULT NULL,
                              bucket_to timestamptz DEFAULT NULL)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = public, postgis, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  env geometry;
  cz integer := mvt_cell_zoom(z);
  result bytea;
BEGIN
  IF z < 0 OR z > 22 OR x < 0 OR y < 0 OR x >= (1 << z) OR y >= (1 << z) THEN
    RAISE EXCEPTION 'tile %/%/% does not exist', z, x, y USING ERRCODE = '22023';
  END IF;
  env := ST_TileEnvelope(z, x, y);
  WITH cells AS MATERIALIZED (
    SELECT * FROM map_tiles_rollup_cells(cz, coalesce(bucket_from, now() - interval '1 hour'),
                                         coalesce(bucket_to, now()), z, x, y)
  ), traffic AS (
    SELECT ST_AsMVTGeom(ST_TileEnvelope(c.z, c.x, c.y), env, 4096, 64, true) AS geom,
           c.z AS cell_z, c.x AS cell_x, c.y AS cell_y, c.buckets, c.reports, c.vehicles_min,
           c.mean_speed_kmh, c.p50_speed_kmh, c.p85_speed_kmh,
           extract(epoch FROM c.last_observed)::bigint AS last_observed
    FROM cells c
  ), weather AS (
    SELECT ST_AsMVTGeom(ST_TileEnvelope(c.z, c.x, c.y), env, 4096, 64, true) AS geom,
           c.z AS cell_z, c.x AS cell_x, c.y AS cell_y, c.weather_reports, c.wipers_on,
           c.wipers_off, c.fog_front_reports, c.fog_rear_reports, c.mean_temp_c
    FROM cells c WHERE c.weather_reports > 0
  ), hazards AS (
    SELECT ST_AsMVTGeom(ST_Centroid(ST_TileEnvelope(h.z, h.x, h.y)), env, 4096, 64, true)
             AS geom,
           h.hazard, h.hazard_type::integer AS hazard_type, h.confidence::float8 AS confidence,
           h.distinct_vehicles AS vehicles, h.reports,
           extract(epoch FROM h.first_seen)::bigint AS first_seen,
           extract(epoch FROM h.last_seen)::bigint AS last_seen,
           extract(epoch FROM h.expires_at)::bigint AS expires_at
    FROM base_tile_range(z, x, y) r, active_hazards h
    WHERE h.z = 18 AND h.x BETWEEN r.x0 << 2 AND (r.x1 << 2) + 3
      AND h.y BETWEEN r.y0 << 2 AND (r.y1 << 2) + 3
  ), signs AS (
    SELECT ST_AsMVTGeom(ST_Translate(ST_Centroid(e.env16),
                                     sin(radians(s.heading_sector * 45)) * e.w / 4,
                                     cos(radians(s.heading_sector * 45)) * e.w / 4),
                        env, 4096, 64, true) AS geom,
           s.limit_kmh::integer AS limit_kmh, s.heading_sector::integer AS heading_sector,
           s.votes, s.vote_share::float8 AS vote_share, s.distinct_vehicles AS vehicles
    FROM base_tile_range(z, x, y) r
    JOIN speed_limits s ON s.z = 16 AND s.x BETWEEN r.x0 AND r.x1 AND s.y BETWEEN r.y0 AND r.y1
    CROSS JOIN LATERAL (SELECT ST_TileEnvelope(16, s.x, s.y) AS env16,
                               ST_XMax(ST_TileEnvelope(16, s.x, s.y))
                               - ST_XMin(ST_TileEnvelope(16, s.x, s.y)) AS w) e
    WHERE z >= 12
  )
  SELECT coalesce((SELECT ST_AsMVT(t.*, 'traffic', 4096, 'geom') FROM traffic t
                   WHERE t.geom IS NOT NULL), '')
      || coalesce((SELECT ST_AsMVT(h.*, 'hazards', 4096, 'geom') FROM hazards h
                   WHERE h.geom IS NOT NULL), '')
      || coalesce((SELECT ST_AsMVT(s.*, 'signs', 4096, 'geom') FROM signs s
                   WHERE s.geom IS NOT NULL), '')
      || coalesce((SELECT ST_AsMVT(w.*, 'weather', 4096, 'geom') FROM weather w
                   WHERE w.geom IS NOT NULL), '')
  INTO result;
  RETURN result;
END $$;

-- ---------------------------------------------------------------- read-only consumers
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'roadsense_reader') THEN
    GRANT USAGE ON SCHEMA public TO roadsense_reader;
    -- map_settings: the views call map_k_anonymity() with the reader's rights.
    GRANT SELECT ON map_tiles, busiest_tiles, active_hazards, speed_limits, map_tiles_geo,
                    active_hazards_geo, speed_limits_geo, map_settings
      TO roadsense_reader;
  END IF;
END $$;
