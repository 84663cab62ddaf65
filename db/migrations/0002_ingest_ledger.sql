-- ingest_ledger: the idempotency ledger. A batch's (vehicle_pseudonym, batch_sequence) is
-- inserted in the same transaction as its tile_stats updates, so a redelivered or retried batch
-- finds its key already present and changes nothing. Rows only need to outlive the queue's
-- retention period plus the cars' retry horizon (pruning by processed_at is a later issue).
CREATE TABLE ingest_ledger (
  vehicle_pseudonym text        NOT NULL,
  batch_sequence    bigint      NOT NULL,
  processed_at      timestamptz NOT NULL DEFAULT now(),
  message_id        text,  -- SQS MessageId of the first delivery that committed it
  PRIMARY KEY (vehicle_pseudonym, batch_sequence)
);

CREATE INDEX ingest_ledger_processed_at_idx ON ingest_ledger (processed_at);
