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
-- Questions answered in the period, one row per question of the inbox (aggregator/questions)
-- that got an answer: who (the staff member who sent it, else chotdon's automatic answer), the
-- live, and how long the buyer waited from asking to the answer.
SELECT coalesce('staff:' || i.answered_by::text, 'chotdon') AS actor,
       s.display_name AS name,
       i.live_id,
       extract(epoch FROM i.answered_at - i.asked_at)::float8 AS seconds
FROM inbox_items i
LEFT JOIN staff s ON s.id = i.answered_by AND s.tenant_id = i.tenant_id
WHERE i.tenant_id = $1 AND i.answered_at IS NOT NULL
  AND i.answered_at >= $2 AND i.answered_at < $3;

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
