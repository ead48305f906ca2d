-- name: insert_comments_and_deliveries
-- $1-$13 the comments' columns; $14 the deliveries' source and $15-$24 their columns, as
-- record_webhook_deliveries takes them (inbox.sql), empty but for the webhook intake, which
-- records a batch's deliveries and stores their comments in this one statement: one round trip
-- where its batches wait for one another (aggregator/inbox/intake.py). Returns a row per
-- delivery stored (its id and key) and a row per comment stored (its live session, or NULL).
-- Deliveries: a verified delivery's key is claimed in webhook_delivery_keys, each with the id
-- its row gets, and only the rows whose key was claimed, or that hold none, are inserted; a key
-- stored before (in any month) gets no row and the caller records it again as a duplicate. The
-- caller sends each key once per batch and ran claim_delivery_keys_for_transaction (0042) when
-- there are deliveries. Comments:
-- One statement per batch. The live session is resolved here, set-based: by the platform's live id,
-- or, for sources without one (Zalo chat, relay), the channel's live that is on air. A comment
-- whose channel or live we do not know is stored as orphaned, never dropped. A repeated delivery
-- of the same (platform, channel, external id) stores nothing.
-- Zalo, no live on air: an order-intent message joins the OA's most recent live when that live was
-- on air within 24 h of the message and the sender's buyer has an open order in it, from any of
-- its channels (a buyer adding to the order after the live); anything else goes to the OA's standing chat session
-- ('zalo-chat', created here on first need, never "on air"), where it makes standalone orders.
-- Keys are claimed here, set-based: the batch's keys go into comment_keys in one INSERT, each with
-- the id its comment gets, and only the comments whose key was claimed are resolved and inserted.
-- A key stored before (in any month), or twice in the batch, gets no row; a concurrent writer of
-- the same key waits on comment_keys' primary key and then stores nothing. The caller runs
-- claim_comment_keys_for_transaction (partitions.sql) first, so the comments_once row trigger of
-- 0034 (the same rule, one function call and one INSERT per row) is skipped.
-- The session of a comment naming its live (nearly all) is found by one join over the batch, not a
-- lookup per comment; `resolved` is materialized because the final SELECT reads session_id twice,
-- and inlined it evaluated the whole coalesce twice per row (together 15 us of the ~65 us a
-- comment's insert cost, measured on 2,000-comment batches).
WITH delivery_input AS (
    SELECT nextval('webhook_deliveries_id_seq') AS id, t.*
    FROM unnest($15::bigint[], $16::text[], $17::boolean[], $18::text[], $19::jsonb[],
                $20::bytea[], $21::text[], $22::text[], $23::integer[], $24::bytea[])
         AS t(tenant_id, delivery_key, verified, verification_error, headers, body, status, error,
              body_size, body_sha256)
), delivery_claimed AS (
    INSERT INTO webhook_delivery_keys (source, delivery_key, delivery_id, received_at)
    SELECT $14, delivery_key, id, now() FROM delivery_input
    WHERE verified AND delivery_key IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING delivery_id
), deliveries AS (
    INSERT INTO webhook_deliveries (id, received_at, tenant_id, source, delivery_key, verified,
                                    verification_error, headers, body, status, error,
                                    processed_at, body_size, body_sha256)
    SELECT i.id, now(), i.tenant_id, $14, i.delivery_key, i.verified, i.verification_error,
           i.headers, i.body, i.status, i.error,
           CASE WHEN i.status = 'received' THEN NULL ELSE now() END, i.body_size, i.body_sha256
    FROM delivery_input i
    WHERE NOT (i.verified AND i.delivery_key IS NOT NULL)
       OR i.id IN (SELECT delivery_id FROM delivery_claimed)
    RETURNING id, delivery_key
), input AS (
    SELECT nextval('comments_id_seq') AS id, t.* FROM unnest(
        $1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
        $8::timestamptz[], $9::text[], $10::jsonb[], $11::text[], $12::bigint[], $13::bigint[]
    ) AS t(platform, channel_external_id, external_id, external_live_id, author_external_id,
           author_name, body, commented_at, intent, parsed, phone, channel_id, tenant_id)
), claimed AS (
    INSERT INTO comment_keys (platform, channel_external_id, external_id, comment_id, received_at)
    SELECT platform, channel_external_id, external_id, id, now() FROM input
    ON CONFLICT DO NOTHING
    RETURNING comment_id
), fresh AS (  -- the rows whose key this statement claimed
    SELECT * FROM input WHERE id IN (SELECT comment_id FROM claimed)
), chat AS (
    INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, title, status, started_at)
    SELECT DISTINCT tenant_id, channel_id, 'zalo-chat', 'Đơn qua tin nhắn Zalo', 'scheduled', now()
    FROM fresh
    WHERE platform = 'zalo' AND channel_id IS NOT NULL AND external_live_id IS NULL
    ON CONFLICT (channel_id, external_live_id, tenant_id) DO NOTHING
    RETURNING id, channel_id
), resolved AS MATERIALIZED (
    SELECT input.*,
           coalesce(
               by_live.id,
               (SELECT s.id FROM live_sessions s
                 WHERE s.channel_id = input.channel_id AND input.external_live_id IS NULL
                   AND s.status = 'live'
                 ORDER BY s.started_at DESC NULLS LAST, s.id DESC LIMIT 1),
               (SELECT s.id FROM live_sessions s
                 WHERE input.platform = 'zalo' AND input.intent = 'order'
                   AND input.external_live_id IS NULL
                   AND s.id = (SELECT r.id FROM live_sessions r
                                WHERE r.channel_id = input.channel_id
                                  AND r.external_live_id <> 'zalo-chat'
                                ORDER BY r.started_at DESC NULLS LAST, r.id DESC LIMIT 1)
                   AND coalesce(s.ended_at, s.last_comment_at, s.started_at, s.created_at)
                       >= input.commented_at - interval '24 hours'
                   AND EXISTS (SELECT 1 FROM buyer_identities bi
                                JOIN orders o ON o.buyer_id = bi.buyer_id
                               WHERE bi.channel_id = input.channel_id
                                 AND bi.external_user_id = input.author_external_id
                                 AND o.live_id = s.live_id
                                 AND o.status IN ('draft', 'awaiting_confirmation', 'confirmed'))),
               (SELECT chat.id FROM chat
                 WHERE input.platform = 'zalo' AND input.external_live_id IS NULL
                   AND chat.channel_id = input.channel_id),
               (SELECT s.id FROM live_sessions s
                 WHERE input.platform = 'zalo' AND input.external_live_id IS NULL
                   AND s.channel_id = input.channel_id AND s.external_live_id = 'zalo-chat')
           ) AS session_id
    FROM fresh AS input
    LEFT JOIN live_sessions AS by_live  -- unique (channel, platform live id, cooperative)
           ON by_live.channel_id = input.channel_id AND by_live.tenant_id = input.tenant_id
          AND by_live.external_live_id = input.external_live_id
), stored AS (
    INSERT INTO comments (
        id, received_at, tenant_id, platform, channel_external_id, external_id, channel_id,
        session_id, external_live_id, author_external_id, author_name, body, commented_at,
        intent, parsed, phone, status
    )
    SELECT id, now(), tenant_id, platform, channel_external_id, external_id, channel_id,
           session_id, external_live_id, author_external_id, author_name, body, commented_at,
           intent, parsed, phone, CASE WHEN session_id IS NULL THEN 'orphaned' ELSE 'pending' END
    FROM resolved
    RETURNING session_id
)
SELECT true AS is_comment, session_id, NULL::bigint AS delivery_id, NULL::text AS delivery_key
FROM stored
UNION ALL
SELECT false, NULL, id, delivery_key FROM deliveries;

-- name: upsert_platform_orders
-- The newest state of each platform order wins; an older, late delivery changes nothing.
INSERT INTO platform_orders (tenant_id, channel_id, external_order_id, external_status, payload,
                             updated_at)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::jsonb[],
                     $6::timestamptz[])
ON CONFLICT (channel_id, external_order_id, tenant_id) DO UPDATE
SET external_status = excluded.external_status,
    payload = excluded.payload,
    updated_at = excluded.updated_at
WHERE platform_orders.updated_at < excluded.updated_at
RETURNING id, channel_id;

-- name: catalog_products
SELECT code, name, aliases, variants, price_vnd
FROM products
WHERE tenant_id = $1 AND active
ORDER BY code;

-- name: sessions_with_stale_pending_comments
SELECT session_id, count(*) AS pending
FROM comments
WHERE status = 'pending' AND received_at < now() - make_interval(secs => $1)
GROUP BY session_id;

-- name: orphaned_comments
SELECT id, platform, channel_external_id, external_live_id, author_name, body, received_at
FROM comments
WHERE status = 'orphaned' AND (tenant_id = $1 OR ($2 AND tenant_id IS NULL))
ORDER BY received_at DESC
LIMIT $3;

-- name: channels_with_live_keywords
-- $1 platforms, $2 channel external ids, $3 the platform live ids a batch names. The batch's
-- enabled channels, each with the lives that parse with extra keywords: those on air, and those
-- the batch names (a late comment of an ended live), newest first. One round trip where there
-- were two (ingest/store.py prepare_events): the webhook intake's batches wait for the web
-- process's busy event loop at every round trip.
SELECT c.id, c.tenant_id, c.platform, c.external_id,
       coalesce((SELECT jsonb_agg(jsonb_build_object('external_live_id', s.external_live_id,
                                                     'status', s.status, 'keywords', l.keywords)
                                  ORDER BY s.started_at DESC NULLS LAST, s.id DESC)
                 FROM live_sessions s JOIN lives l ON l.id = s.live_id
                 WHERE s.channel_id = c.id AND l.keywords <> '{}'::jsonb
                   AND (s.status = 'live' OR s.external_live_id = ANY($3::text[]))),
                '[]'::jsonb) AS lives
FROM channels c
WHERE (c.platform, c.external_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
  AND c.status <> 'disabled';
