-- Merge runners (workers/merge_runner.py): one per shard of lives at a time, across every worker.

-- name: try_lock_merge_shard
-- $1 shard count, $2 shard. A session lock, not a transaction one: the runner keeps it across its
-- rounds (each its own transaction) and lets go with unlock_merge_shard; a killed worker's
-- connection closes and Postgres lets go for it, so no shard stays locked behind a dead runner.
-- Another key space than the lives' merge locks (hashtext('chotdon.merge'), live id).
SELECT pg_try_advisory_lock(hashtext('chotdon.merge-shard:' || $1::int), $2::int);

-- name: unlock_merge_shard
-- $1 shard count, $2 shard: what try_lock_merge_shard took.
SELECT pg_advisory_unlock(hashtext('chotdon.merge-shard:' || $1::int), $2::int);
