-- The director's staff figures (issue 22 item 5): what each person and each live did in a
-- period. $1 tenant, $2/$3 the UTC instants of [first day 00:00, the day after the last 00:00)
-- in Asia/Ho_Chi_Minh. One row per act; aggregator/core/figures.py counts and takes medians.

-- name: figures_order_acts
-- Orders a person confirmed (by phone) or packed, from the order event log. For a packing, the
-- seconds from the person's claim (the latest move to packing before it) to packed.
SELECT e.actor, s.display_name AS name, o.live_id, e.to_status AS kind,
       CASE WHEN e.to_status = 'packed' THEN extract(epoch FROM e.at - (
           SELECT max(p.at) FROM order_events p
           WHERE p.order_id = e.order_id AND p.to_status = 'packing' AND p.at <= e.at))
       END::float8 AS seconds
FROM order_events e
JOIN orders o ON o.id = e.order_id AND o.tenant_id = e.tenant_id
LEFT JOIN staff s ON e.actor = 'staff:' || s.id::text AND s.tenant_id = e.tenant_id
WHERE e.tenant_id = $1 AND e.at >= $2 AND e.at < $3
  AND e.to_status IN ('confirmed', 'packed') AND e.actor LIKE 'staff:%'
  AND NOT chotdon_sandbox(o.session_id);

-- name: figures_answers
-- HOOK for the inbox part (issue 22 items 1-2): questions answered, one row per answer sent.
-- Counts outbound_messages whose kind starts with 'answer' (a person's one-tap answer or
-- chotdon's automatic one), sent in the period; who: the staff member in sent_by_hand_by or
-- target->>'staff_id', else chotdon itself; the question: the comment named by
-- target->>'comment_id' (the platform's comment id, as private replies carry it). If the inbox
-- records answers otherwise, change only this query: the page and CSV read (actor, name,
-- live_id, seconds) rows.
SELECT coalesce('staff:' || coalesce(m.sent_by_hand_by::text,
                                     substring(m.target->>'staff_id' FROM '^[0-9]{1,18}$')),
                'chotdon') AS actor,
       s.display_name AS name,
       coalesce(o.live_id, ls.live_id) AS live_id,
       extract(epoch FROM m.sent_at - c.commented_at)::float8 AS seconds
FROM outbound_messages m
LEFT JOIN staff s ON s.tenant_id = m.tenant_id
     AND s.id::text = coalesce(m.sent_by_hand_by::text, m.target->>'staff_id')
LEFT JOIN orders o ON o.id = m.order_id AND o.tenant_id = m.tenant_id
LEFT JOIN comments c ON c.tenant_id = m.tenant_id AND c.channel_id = m.channel_id
     AND c.external_id = m.target->>'comment_id'
LEFT JOIN live_sessions ls ON ls.id = c.session_id AND ls.tenant_id = m.tenant_id
WHERE m.tenant_id = $1 AND m.kind LIKE 'answer%' AND m.status = 'sent'
  AND m.sent_at >= $2 AND m.sent_at < $3;

-- name: figures_lives
-- The lives named in the period's figures: title and start, for their labels.
SELECT id, title, started_at FROM lives WHERE tenant_id = $1 AND id = ANY($2::bigint[]);

-- name: figures_returns_by_cause
-- Returns opened in the period, per cause: how many, how many refused, money refunded for them.
SELECT r.cause, count(*) AS returns, count(*) FILTER (WHERE r.status = 'refused') AS refused,
       coalesce(sum(f.amount_vnd) FILTER (WHERE f.status = 'settled'), 0)::bigint AS refunded_vnd
FROM returns r
LEFT JOIN refunds f ON f.id = r.refund_id
WHERE r.tenant_id = $1 AND r.created_at >= $2 AND r.created_at < $3
GROUP BY r.cause
ORDER BY returns DESC, r.cause;
