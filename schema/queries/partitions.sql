-- Month partitions of comments, webhook_deliveries, order_events and outbound_messages
-- (migration 0034; aggregator/orders/partitions.py). The tables are a fixed list in code.

-- name: make_month_partition
-- $1 table, $2 a day of the month. True when the partition was made (false: it was there).
SELECT chotdon_month_partition($1, $2);

-- name: drop_month_partitions
-- $1 table, $2 first day of the oldest month kept: every older month's partition goes.
SELECT chotdon_drop_month_partitions($1, $2) AS dropped;

-- name: month_partitions
-- $1 table: its month partitions, oldest first, and how many rows the DEFAULT one holds.
SELECT c.relname AS name
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = $1::regclass AND c.relname ~ ('^' || $1 || '_y[0-9]{4}m[0-9]{2}$')
ORDER BY c.relname;

-- name: analyze_partitioned_parents
-- Autovacuum analyzes the month partitions but never their parents, so without this the planner
-- plans every query on these tables from default guesses (a one-row lookup estimated at ~750k
-- rows). ANALYZE of a parent samples all its months; it takes no lock that writers wait on.
ANALYZE comments, webhook_deliveries, order_events, outbound_messages;

-- name: forget_comment_keys
-- $1 oldest time kept, $2 batch size. Keys of comments whose month was dropped.
DELETE FROM comment_keys
WHERE ctid = ANY (ARRAY(SELECT ctid FROM comment_keys WHERE received_at < $1 LIMIT $2));

-- name: forget_webhook_delivery_keys
-- $1 oldest time kept, $2 batch size. Keys of deliveries whose month was dropped.
DELETE FROM webhook_delivery_keys
WHERE ctid = ANY (ARRAY(SELECT ctid FROM webhook_delivery_keys WHERE received_at < $1 LIMIT $2));

-- name: forget_outbound_message_keys
-- $1 oldest time kept, $2 batch size. Keys of messages whose month was dropped.
DELETE FROM outbound_message_keys
WHERE ctid = ANY (ARRAY(SELECT ctid FROM outbound_message_keys WHERE created_at < $1 LIMIT $2));

-- name: dangling_partition_references
-- The checks the dropped foreign keys made (0034), for rows whose month is still kept: a
-- reference to a comment, delivery or message that is not there. $1 comments, $2 deliveries, $3
-- messages: from when a referencing row must find its row (NULL: always; the caller leaves a day
-- after the oldest month kept, as a row may name one stored just before). One row per reference.
SELECT 'order_items.source_comment_id' AS reference, count(*) AS dangling
FROM order_items oi
WHERE oi.source_comment_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM comments c WHERE c.id = oi.source_comment_id)
  AND ($1::timestamptz IS NULL OR oi.created_at >= $1)
UNION ALL
SELECT 'inbox_items.comment_id', count(*)
FROM inbox_items ii
WHERE NOT EXISTS (SELECT 1 FROM comments c WHERE c.id = ii.comment_id)
  AND ($1::timestamptz IS NULL OR ii.created_at >= $1)
UNION ALL
SELECT 'payments.delivery_id', count(*)
FROM payments p
WHERE p.delivery_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.id = p.delivery_id)
  AND ($2::timestamptz IS NULL OR p.received_at >= $2)
UNION ALL
SELECT 'inbox_items.outbound_message_id', count(*)
FROM inbox_items ii
WHERE ii.outbound_message_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM outbound_messages m WHERE m.id = ii.outbound_message_id)
  AND ($3::timestamptz IS NULL OR ii.created_at >= $3)
UNION ALL
SELECT 'auto_answers.outbound_message_id', count(*)
FROM auto_answers a
WHERE a.outbound_message_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM outbound_messages m WHERE m.id = a.outbound_message_id)
  AND ($3::timestamptz IS NULL OR a.created_at >= $3);

-- name: claim_comment_keys_for_transaction
-- Before claim-and-insert statements: this transaction claims its comments' keys itself, so the
-- comments_once trigger is skipped for it (migration 0034). Transaction-local.
SELECT set_config('chotdon.comment_keys_claimed', 'on', true);

-- name: claim_and_insert_bench_comments
-- The set-based way to store comments under 0034 (measured by `chotdon bench partitions`; the
-- batch writer can take the same shape): the batch's new keys are claimed in one INSERT, each
-- with the id its comment gets, and only the comments whose key was claimed are inserted. A repeat
-- (in any month, or twice in the batch) gets no key and no row. $1 external ids, $2 the time.
WITH claimed AS (
    INSERT INTO comment_keys (platform, channel_external_id, external_id, comment_id, received_at)
    SELECT 'facebook', 'bench-page', e, nextval('comments_id_seq'), $2
    FROM (SELECT DISTINCT e FROM unnest($1::text[]) AS e) AS batch
    ON CONFLICT DO NOTHING
    RETURNING external_id, comment_id
)
INSERT INTO comments (id, platform, channel_external_id, external_id, author_external_id, body,
                      commented_at, received_at, intent, status)
SELECT comment_id, 'facebook', 'bench-page', external_id, 'u' || right(external_id, 3),
       'chốt A01', $2, $2, 'order', 'orphaned'
FROM claimed;
