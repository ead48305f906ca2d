-- name: set_identity_phone
UPDATE buyer_identities SET phone = $2 WHERE id = $1 RETURNING buyer_id, tenant_id;

-- name: buyer_by_phone
SELECT id FROM buyers WHERE tenant_id = $1 AND phone = $2;

-- name: set_buyer_phone_if_unset
UPDATE buyers SET phone = $2 WHERE id = $1 AND phone IS NULL;

-- name: lock_phone
-- Two merges (of two lives) linking the same phone at once take turns.
SELECT pg_advisory_xact_lock(hashtext('chotdon.phone'), hashtext($1::bigint::text || ':' || $2));

-- name: relink_identity
-- The identity joins the buyer who owns this phone; its open order in this live follows it.
-- (Only this live's orders: touching other lives' orders would deadlock with their merges.)
WITH moved AS (UPDATE buyer_identities SET buyer_id = $2 WHERE id = $1 RETURNING id)
UPDATE orders SET buyer_id = $2
WHERE buyer_identity_id = $1 AND session_id = $3
  AND status IN ('draft', 'awaiting_confirmation', 'confirmed');

-- name: flag_orders_to_merge
-- One buyer (linked by phone) with several open orders in the same live: staff decide to merge.
WITH dup AS (
    SELECT buyer_id FROM orders
    WHERE buyer_id = $1 AND session_id = $2
      AND status IN ('draft', 'awaiting_confirmation', 'confirmed')
    GROUP BY buyer_id HAVING count(*) > 1
)
UPDATE orders o SET merge_review = true
FROM dup
WHERE o.session_id = $2 AND o.buyer_id = dup.buyer_id
  AND o.status IN ('draft', 'awaiting_confirmation', 'confirmed')
RETURNING o.id;
