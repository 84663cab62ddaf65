-- ingest_ledger partitioned by time (one partition per UTC day), so retention drops whole
-- partitions instead of deleting rows. db/README.md ("Partitioning") has the argument in full.
--
-- The partition key is `batch_time`, the earliest observed_time_ms of the batch's reports — a
-- function of the batch's content, not of when a copy happens to arrive. Every copy of an upload
-- (queue redelivery: the same bytes; car retry: the same upload again) has the same key AND the
-- same batch_time, so it routes to the same partition and meets its own row there: the primary
-- key (vehicle_pseudonym, batch_sequence, batch_time) is unique where it matters, and
-- ON CONFLICT DO NOTHING still says "seen before" across partition boundaries of processed_at.
-- Retention: the receiver refuses a batch with a report older than --max-report-age-s, so every
-- copy was received within that age of batch_time and reaches a worker within the queue's
-- retention after that; a partition whose day ended longer ago than both can no longer be hit.

-- Rows committed before this migration have no batch_time. They stay in ingest_ledger_legacy,
-- which the claim also consults (an index probe, nothing once it is empty) and the pruner
-- empties by processed_at as before; nothing new is ever written to it.
ALTER TABLE ingest_ledger RENAME TO ingest_ledger_legacy;
ALTER INDEX ingest_ledger_pkey RENAME TO ingest_ledger_legacy_pkey;
ALTER INDEX ingest_ledger_processed_at_idx RENAME TO ingest_ledger_legacy_processed_at_idx;

CREATE TABLE ingest_ledger (
  vehicle_pseudonym text        NOT NULL,
  batch_sequence    bigint      NOT NULL,
  batch_time        timestamptz NOT NULL,  -- earliest observed_time of the batch's reports
  processed_at      timestamptz NOT NULL DEFAULT now(),
  message_id        text,  -- SQS MessageId of the delivery that committed it (diagnostics)
  PRIMARY KEY (vehicle_pseudonym, batch_sequence, batch_time)
) PARTITION BY RANGE (batch_time);

-- Catches rows whose day has no partition yet (or any more); create_daily_partitions moves
-- them into a day's partition when it creates it. Normally empty.
CREATE TABLE ingest_ledger_default PARTITION OF ingest_ledger DEFAULT;

-- Creates the missing daily partitions <parent>_pYYYYMMDD (UTC days) of a table partitioned by
-- range on one timestamptz column, for every day that overlaps [from_time, to_time). Rows of
-- <parent>_default that belong to a new day move into it. Takes ACCESS EXCLUSIVE on the parent
-- only when something is missing (briefly: the partitions are empty or nearly). `with_options`
-- is a storage clause for the new partitions, e.g. 'fillfactor = 70'. Returns partitions created.
CREATE FUNCTION create_daily_partitions(parent text, from_time timestamptz, to_time timestamptz,
                                        with_options text DEFAULT '') RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  key_column text;
  day timestamptz := date_trunc('day', from_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  part text;
  moved text := 'rs_moved_' || parent;
  created integer := 0;
BEGIN
  SELECT a.attname INTO STRICT key_column
  FROM pg_partitioned_table p
  JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
  WHERE p.partrelid = parent::regclass;
  WHILE day < to_time LOOP
    part := parent || '_p' || to_char(day AT TIME ZONE 'UTC', 'YYYYMMDD');
    IF to_regclass(part) IS NULL THEN
      IF created = 0 THEN
        -- Parent first, then its partitions: the order inserts lock them in (no deadlock).
        EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', parent);
        EXECUTE format('CREATE TEMP TABLE IF NOT EXISTS %I (LIKE %I) ON COMMIT DROP', moved,
                       parent);
      END IF;
      EXECUTE format('WITH d AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) '
                     'INSERT INTO %I SELECT * FROM d',
                     parent || '_default', key_column, key_column, moved)
        USING day, day + interval '1 day';
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L) %s', part,
                     parent, day, day + interval '1 day',
                     CASE WHEN with_options = '' THEN '' ELSE 'WITH (' || with_options || ')' END);
      EXECUTE format('INSERT INTO %I SELECT * FROM %I', parent, moved);
      EXECUTE format('TRUNCATE %I', moved);
      created := created + 1;
    END IF;
    day := day + interval '1 day';
  END LOOP;
  RETURN created;
END $$;

-- Drops the daily partitions <parent>_pYYYYMMDD whose whole day lies before `before`. Returns
-- partitions dropped. (Rows of <parent>_default are the pruner's, deleted in batches.)
CREATE FUNCTION drop_daily_partitions(parent text, before timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  part text;
  dropped integer := 0;
BEGIN
  FOR part IN
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = parent::regclass AND c.relname ~ ('^' || parent || '_p[0-9]{8}$')
      AND (to_date(right(c.relname, 8), 'YYYYMMDD')::timestamp AT TIME ZONE 'UTC')
          + interval '1 day' <= before
    ORDER BY c.relname
  LOOP
    IF dropped = 0 THEN
      EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', parent);
    END IF;
    EXECUTE format('DROP TABLE %I', part);
    dropped := dropped + 1;
  END LOOP;
  RETURN dropped;
END $$;

-- Partitions around now, so a fresh database routes new rows to their day at once; the
-- workers' pruner keeps creating them ahead (db::RetentionPruner).
SELECT create_daily_partitions('ingest_ledger', now() - interval '8 days',
                               now() + interval '3 days');
