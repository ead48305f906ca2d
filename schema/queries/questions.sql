-- The inbox of buyers' questions and messages, and automatic answers (aggregator/questions).

-- name: unfiled_questions
-- $1 session id, $2 limit. Comments the merge has processed that the inbox has not filed yet:
-- question comments, and Messenger / Zalo messages that are not orders or cancels.
SELECT c.id, c.tenant_id, c.session_id, c.channel_id, c.platform, c.author_external_id,
       c.body, c.commented_at, c.intent
FROM comments c
WHERE c.session_id = $1 AND c.status = 'processed' AND c.channel_id IS NOT NULL
  AND c.removed_at IS NULL
  AND c.intent IN ('question', 'other')
  AND (c.intent = 'question'
       OR c.platform = 'zalo' OR (c.platform = 'facebook' AND c.external_live_id IS NULL))
  AND NOT EXISTS (SELECT 1 FROM inbox_items i WHERE i.comment_id = c.id)
ORDER BY c.id
LIMIT $2;

-- name: file_question
-- $1 tenant, $2 comment, $3 session, $4 channel, $5 author, $6 kind, $7 product code, $8 asked at,
-- $9 live. The new item's id, or nothing when it was filed already.
INSERT INTO inbox_items (tenant_id, comment_id, session_id, channel_id, author_external_id, kind,
                         product_code, asked_at, live_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (comment_id, tenant_id) DO NOTHING
RETURNING id;

-- name: sessions_with_unfiled_questions
-- $1 how far back (seconds). Lives on air, or ended within that time, with processed questions
-- or messages the inbox has not filed (a lost job, a lost Redis).
SELECT ls.id AS session_id
FROM live_sessions ls
WHERE (ls.status = 'live' OR coalesce(ls.ended_at, ls.last_comment_at, ls.started_at)
                             > now() - make_interval(secs => $1))
  AND EXISTS (
      SELECT 1 FROM comments c
      WHERE c.session_id = ls.id AND c.status = 'processed' AND c.channel_id IS NOT NULL
        AND c.removed_at IS NULL
        AND c.intent IN ('question', 'other')
        AND (c.intent = 'question'
             OR c.platform = 'zalo' OR (c.platform = 'facebook' AND c.external_live_id IS NULL))
        AND NOT EXISTS (SELECT 1 FROM inbox_items i WHERE i.comment_id = c.id));

-- name: sessions_with_newest_question_unfiled
-- $1 session ids (a merge round's), $2 and $3 the lowest and highest comment id the round merged
-- in each. Those whose newest question or message among those comments is not filed yet: one
-- index walk per live after each merge round, all in one statement (an older one left behind is
-- the sweeper's). The walk stays within the round's comments: from the newest of the live down,
-- it went through every comment still waiting and, in a round with no question, through every
-- chat comment of the live's past (`other` on a live is not a question), a walk that grew with
-- the live: 28 of the ~300 us of Postgres time a comment cost over a small ingest bench under
-- log_statement_stats, most of it late in the lives.
SELECT s.id AS session_id
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS s(id, first_id, last_id)
CROSS JOIN LATERAL (
    SELECT NOT EXISTS (SELECT 1 FROM inbox_items i WHERE i.comment_id = c.id) AS unfiled
    FROM comments c
    WHERE c.session_id = s.id AND c.id BETWEEN s.first_id AND s.last_id
      AND c.status = 'processed' AND c.channel_id IS NOT NULL
      AND c.removed_at IS NULL
      AND c.intent IN ('question', 'other')
      AND (c.intent = 'question'
           OR c.platform = 'zalo' OR (c.platform = 'facebook' AND c.external_live_id IS NULL))
    ORDER BY c.id DESC
    LIMIT 1
) AS newest
WHERE newest.unfiled;

-- name: answer_live
-- $1 session id. The live, its cooperative's facts and whether it is a rehearsal.
SELECT ls.id, ls.live_id, ls.tenant_id, ls.sandbox, t.province, t.settings AS tenant_settings,
       l.promotion,
       EXISTS (SELECT 1 FROM bank_connections b
               WHERE b.tenant_id = ls.tenant_id AND b.status = 'active') AS vietqr
FROM live_sessions ls JOIN tenants t ON t.id = ls.tenant_id JOIN lives l ON l.id = ls.live_id
WHERE ls.id = $1;

-- name: answer_products
-- $1 tenant, $2 live. Active products with the live's price and stock per variant (none when the
-- live offers no stock of the product).
SELECT p.id, p.code, p.name, p.aliases, p.variants, p.price_vnd, p.origin_name,
       p.origin_province, p.ocop_stars, p.certificate_no,
       coalesce(jsonb_agg(jsonb_build_object(
           'variant', s.variant, 'price', coalesce(s.price_vnd, p.price_vnd),
           'left', s.quantity - s.reserved) ORDER BY s.variant)
         FILTER (WHERE s.product_id IS NOT NULL), '[]'::jsonb) AS offers
FROM products p
LEFT JOIN live_stock s ON s.product_id = p.id AND s.live_id = $2
WHERE p.tenant_id = $1 AND p.active
GROUP BY p.id, p.tenant_id  -- the primary key (0035): p's other columns follow from it
ORDER BY p.code;

-- name: answer_settings
-- $1 tenant, $2 live, $3 kinds. The director's wording per kind and this live's switches.
SELECT k.kind, w.wording, coalesce(s.enabled, true) AS enabled
FROM unnest($3::text[]) AS k(kind)
LEFT JOIN answer_wordings w ON w.tenant_id = $1 AND w.kind = k.kind
LEFT JOIN live_answer_switches s ON s.live_id = $2 AND s.kind = k.kind AND s.tenant_id = $1;

-- name: claim_auto_answer
-- $1 tenant, $2 live, $3 channel, $4 author, $5 kind, $6 item, $7 product code, $8 body.
-- The log row of this buyer's answer of this kind in this live: its id when new, else nothing.
INSERT INTO auto_answers (tenant_id, live_id, channel_id, author_external_id, kind,
                          inbox_item_id, product_code, body)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (live_id, channel_id, author_external_id, kind, tenant_id) DO NOTHING
RETURNING id;

-- name: note_auto_answer_sent
-- $1 auto answer id, $2 outbound message id (null when none could be queued).
UPDATE auto_answers SET outbound_message_id = $2 WHERE id = $1;

-- name: mark_item_answered
-- $1 tenant, $2 item, $3 status ('answered' or 'auto_answered'), $4 answer, $5 outbound message,
-- $6 staff (null for chotdon).
UPDATE inbox_items
SET status = $3, answer = $4, outbound_message_id = $5, answered_by = $6, answered_at = now()
WHERE tenant_id = $1 AND id = $2
RETURNING id;

-- name: mark_item_done
-- $1 tenant, $2 item, $3 staff.
UPDATE inbox_items SET status = 'done', done_by = $3, done_at = now()
WHERE tenant_id = $1 AND id = $2
RETURNING id;

-- name: reply_target
-- $1 tenant, $2 item. Where an answer to this item goes: the comment, its channel, when the
-- buyer last wrote to the channel outside a live (Messenger) or at all (Zalo), unix seconds, and
-- how many Zalo OA messages went to them since.
SELECT i.id, i.tenant_id, i.status, i.session_id, c.id AS comment_id, c.external_id,
       c.platform, c.author_external_id, c.external_live_id,
       extract(epoch FROM c.commented_at) AS asked_at,
       ch.id AS channel_id, ch.external_id AS channel_external_id, ch.name AS channel_name,
       ch.status AS channel_status, ch.settings AS channel_settings, ch.credentials_encrypted,
       coalesce(ls.sandbox, false) AS sandbox,
       (SELECT extract(epoch FROM max(m.commented_at)) FROM comments m
         WHERE m.channel_id = c.channel_id AND m.author_external_id = c.author_external_id
           AND (c.platform = 'zalo' OR m.external_live_id IS NULL)) AS last_message_at,
       (SELECT count(*) FROM outbound_messages om
         WHERE c.platform = 'zalo' AND om.channel_id = c.channel_id AND om.kind = 'zalo.cs_message'
           AND om.target ->> 'user_id' = c.author_external_id
           AND om.created_at > (SELECT max(m.commented_at) FROM comments m
                                WHERE m.channel_id = c.channel_id
                                  AND m.author_external_id = c.author_external_id)
       ) AS replies_since_last_message
FROM inbox_items i
JOIN comments c ON c.id = i.comment_id
JOIN channels ch ON ch.id = i.channel_id
LEFT JOIN live_sessions ls ON ls.id = i.session_id
WHERE i.tenant_id = $1 AND i.id = $2;

-- name: inbox_page
-- $1 tenant, $2 live (null: every live), $3 statuses, $4 limit. Items newest first, each with
-- the buyer's order in that live (or their latest) beside it. The open view also shows answers
-- the platform refused, to answer again another way.
SELECT i.id, i.kind, i.status, i.asked_at, i.answer, i.answered_at, i.product_code,
       i.session_id, c.body, c.author_name, c.platform, l.id AS live_id, l.title AS live_title,
       l.started_at AS live_started_at, ch.name AS channel_name, ch.platform AS channel_platform,
       a.display_name AS answered_by_name, om.status AS message_status, om.last_error,
       om.kind AS message_kind,
       o.id AS order_id, o.order_no, o.status AS order_status, o.total_vnd,
       (SELECT string_agg(oi.code || CASE WHEN oi.variant <> '' THEN ' ' || oi.variant ELSE '' END
                          || ' ×' || oi.qty, ', ' ORDER BY oi.id)
          FROM order_items oi WHERE oi.order_id = o.id AND oi.status <> 'removed') AS order_lines
FROM inbox_items i
JOIN comments c ON c.id = i.comment_id
JOIN channels ch ON ch.id = i.channel_id
LEFT JOIN live_sessions ls ON ls.id = i.session_id
LEFT JOIN lives l ON l.id = i.live_id
LEFT JOIN staff a ON a.id = i.answered_by
LEFT JOIN outbound_messages om ON om.id = i.outbound_message_id
LEFT JOIN LATERAL (
    SELECT o.id, o.order_no, o.status, o.total_vnd
    FROM orders o JOIN buyer_identities bi ON bi.id = o.buyer_identity_id
    WHERE bi.channel_id = c.channel_id AND bi.external_user_id = c.author_external_id
      AND o.tenant_id = i.tenant_id
    ORDER BY (o.session_id IS NOT DISTINCT FROM i.session_id) DESC, o.id DESC
    LIMIT 1
) o ON true
WHERE i.tenant_id = $1 AND ($2::bigint IS NULL OR i.live_id = $2)
  AND (i.status = ANY($3::text[])
       OR ('open' = ANY($3::text[]) AND i.status IN ('answered', 'auto_answered')
           AND om.status = 'failed'))
  AND NOT coalesce(ls.sandbox, false)
ORDER BY i.asked_at DESC, i.id DESC
LIMIT $4;

-- name: inbox_counts
-- $1 tenant, $2 live (null: every live). Items per status.
SELECT i.status, count(*) AS n
FROM inbox_items i LEFT JOIN live_sessions ls ON ls.id = i.session_id
WHERE i.tenant_id = $1 AND ($2::bigint IS NULL OR i.live_id = $2)
  AND NOT coalesce(ls.sandbox, false)
GROUP BY i.status;

-- name: inbox_lives
-- $1 tenant. Lives that have inbox items, newest first, for the filter.
SELECT l.id, l.title, l.started_at, count(*) FILTER (WHERE i.status = 'open') AS open
FROM lives l JOIN inbox_items i ON i.live_id = l.id
JOIN live_sessions ls ON ls.id = i.session_id
WHERE l.tenant_id = $1 AND NOT ls.sandbox
GROUP BY l.id, l.tenant_id  -- the primary key (0035): l's other columns follow from it
ORDER BY l.started_at DESC NULLS LAST, l.id DESC
LIMIT 30;

-- name: save_answer_wording
-- $1 tenant, $2 kind, $3 wording, $4 staff.
INSERT INTO answer_wordings (tenant_id, kind, wording, updated_by)
VALUES ($1, $2, $3, $4)
ON CONFLICT (tenant_id, kind)
DO UPDATE SET wording = EXCLUDED.wording, updated_by = EXCLUDED.updated_by, updated_at = now();

-- name: save_answer_switch
-- $1 tenant, $2 live, $3 kind, $4 enabled, $5 staff.
INSERT INTO live_answer_switches (tenant_id, live_id, kind, enabled, updated_by)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (live_id, kind, tenant_id)
DO UPDATE SET enabled = EXCLUDED.enabled, updated_by = EXCLUDED.updated_by, updated_at = now();

-- name: live_of_tenant
-- $1 tenant, $2 live. The live, if it is this cooperative's, and one of its channel sessions.
SELECT l.id, l.title, l.started_at, l.status,
       (SELECT min(s.id) FROM live_sessions s WHERE s.live_id = l.id) AS session_id
FROM lives l WHERE l.tenant_id = $1 AND l.id = $2;

-- name: outbound_key_used
-- $1 idempotency key. Whether a message under this key exists (a comment's one private reply).
SELECT EXISTS (SELECT 1 FROM outbound_messages WHERE idempotency_key = $1);
