-- The inbox: every webhook delivery (platform, relay, courier, bank) is recorded here, once.

-- name: record_webhook_deliveries
-- $1 source ('facebook', 'courier:ghn', 'payments'…), then one array per column: a batch, or a
-- single row, in one statement. A verified delivery whose key is already stored conflicts on
-- webhook_delivery_keys (trigger, 0034) and is skipped; the caller records it again as a duplicate. A delivery
-- still 'received' is finished later (finish_webhook_delivery); any other is done as it lands.
-- body_size and body_sha256 describe the body as it came (body holds a prefix of a refused one).
INSERT INTO webhook_deliveries (tenant_id, source, delivery_key, verified, verification_error,
                                headers, body, status, error, processed_at, body_size, body_sha256)
SELECT t.tenant_id, $1, t.delivery_key, t.verified, t.verification_error, t.headers, t.body,
       t.status, t.error, CASE WHEN t.status = 'received' THEN NULL ELSE now() END,
       t.body_size, t.body_sha256
FROM unnest($2::bigint[], $3::text[], $4::boolean[], $5::text[], $6::jsonb[], $7::bytea[],
            $8::text[], $9::text[], $10::integer[], $11::bytea[])
     AS t(tenant_id, delivery_key, verified, verification_error, headers, body, status, error,
          body_size, body_sha256)
ON CONFLICT DO NOTHING
RETURNING id, delivery_key;

-- name: claim_delivery_keys_for_transaction
-- Before insert_comments_and_deliveries (ingest.sql) records deliveries: this transaction claims
-- their keys itself, so the webhook_deliveries_once trigger is skipped for it (migration 0042).
-- Transaction-local.
SELECT set_config('chotdon.delivery_keys_claimed', 'on', true);

-- name: begin_intake_transaction
-- The webhook intake's transaction (aggregator/inbox/intake.py) opened and both its claims made
-- (claim_delivery_keys_for_transaction, claim_comment_keys_for_transaction) in ONE round trip:
-- each round trip of a batch waits for the web process's busy event loop to come back to it.
BEGIN;
SELECT set_config('chotdon.delivery_keys_claimed', 'on', true),
       set_config('chotdon.comment_keys_claimed', 'on', true);

-- name: finish_webhook_delivery
-- $1 delivery id, $2 status, $3 error, $4 tenant id. A delivery refused after it was recorded
-- (a parcel we do not know yet) gives up its key, so the sender's retry is taken, not a duplicate.
UPDATE webhook_deliveries
SET status = $2, error = $3, tenant_id = $4, processed_at = now(),
    delivery_key = CASE WHEN $2 = 'rejected' THEN NULL ELSE delivery_key END
WHERE id = $1;

-- name: unreadable_deliveries
-- $1 source or NULL for every source, $2 how many, $3 the last id seen. Dead letters, oldest
-- first, each locked for this replay so two replays never process the same one. NO KEY: a
-- replayer may store rows that reference the delivery (a payment's delivery_id) on a connection
-- of its own, and that foreign key check must not wait on this lock.
SELECT id, source, tenant_id, headers, body, error
FROM webhook_deliveries
WHERE status = 'unreadable' AND ($1::text IS NULL OR source = $1) AND id > $3
ORDER BY id
LIMIT $2
FOR NO KEY UPDATE SKIP LOCKED;

-- name: finish_replay
-- $1 delivery id, $2 status after the replay, $3 error (the reason it is still unreadable), $4
-- tenant id when the replay found it.
UPDATE webhook_deliveries
SET status = $2, error = $3, tenant_id = coalesce($4, tenant_id), processed_at = now(),
    replays = replays + 1, replayed_at = now()
WHERE id = $1;

-- name: unreadable_counts
-- Dead letters per source, for /metrics.
SELECT source, count(*) AS unreadable
FROM webhook_deliveries
WHERE status = 'unreadable'
GROUP BY source;
