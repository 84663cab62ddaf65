-- Every commit of a worker rewrites each map row it touches. An update is HOT — no new index
-- entries, the dead version pruned on its own page — only when the new version fits on the row's
-- page, so the tables that are updated in place get room on every page:
--   * speed_limit_votes and hazard_clusters had the default fillfactor (100): in
--     bench/worker_drain (3 M reports) 9 % of speed-limit updates were HOT, and 350 rows spread
--     over 675 pages of dead versions; at 50: 92 % HOT, 145 pages. hazard_clusters went from 9 %
--     to 28 % (an update that moves expires_at, which is indexed, is never HOT).
--   * tile_stats (70 since 0004) gets two versions per commit, the upsert and the sketch
--     write-back: at 50 its HOT share went from 44 % to 70 %.
-- Pages written from now on follow the new setting; existing rows move as they are updated.
ALTER TABLE tile_stats SET (fillfactor = 50);
ALTER TABLE speed_limit_votes SET (fillfactor = 50);
ALTER TABLE hazard_clusters SET (fillfactor = 50);
