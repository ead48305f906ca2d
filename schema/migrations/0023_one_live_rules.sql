-- Where the lives (0018), the money gates (0019) and the sandbox (0020) meet.

-- A live is a sandbox (a rehearsal or a replay) when its sessions are: they all are, as a
-- rehearsal's channel is its own.
CREATE FUNCTION chotdon_live_sandbox(p_live bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT EXISTS (SELECT 1 FROM live_sessions s WHERE s.live_id = p_live AND s.sandbox)
$$;

-- In a first-payment live the transfer is what holds the stock, so every order of it is paid
-- before it ships, whatever the buyer chose.
CREATE OR REPLACE FUNCTION chotdon_must_prepay(p_order bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT o.payment_method <> 'platform' AND (
        o.payment_method = 'vietqr'
        OR coalesce((SELECT l.hold_mode = 'first_payment' FROM lives l WHERE l.id = o.live_id),
                    false)
        OR EXISTS (SELECT 1 FROM blocked_phones bp JOIN buyers ob ON ob.id = o.buyer_id
                   WHERE bp.tenant_id = o.tenant_id AND bp.phone IN (o.recipient_phone, ob.phone))
        OR coalesce((
            SELECT chotdon_risk_level(coalesce(sum(b.delivered_count), 0)::int,
                                      coalesce(sum(b.returned_count), 0)::int)
            FROM buyers b
            WHERE b.tenant_id = o.tenant_id
              AND (b.id = o.buyer_id OR (o.recipient_phone IS NOT NULL
                                         AND b.phone = o.recipient_phone AND NOT b.sandbox))
        ) >= array_position(ARRAY['new', 'low', 'medium', 'high', 'blocked'],
                            t.settings ->> 'prepay_at_risk') - 1, false))
    FROM orders o JOIN tenants t ON t.id = o.tenant_id
    WHERE o.id = p_order
$$;

-- Why the order may not be claimed, packed or booked now. Besides 'empty' and 'unpaid' (0019):
-- 'unheld', a line of a product counted in the live's pool that holds no stock yet (still
-- `requested`): shipping it would sell stock the pool does not have. Lines of products the live
-- does not count (no live_stock row) and orders outside a live may ship as `requested`.
CREATE OR REPLACE FUNCTION chotdon_ship_block(p_order bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM order_items i
                         WHERE i.order_id = o.id AND i.status IN ('held', 'requested'))
            THEN 'empty'
        WHEN o.paid_at IS NULL AND chotdon_must_prepay(o.id) THEN 'unpaid'
        WHEN EXISTS (SELECT 1 FROM order_items i
                     JOIN live_stock st ON st.live_id = o.live_id AND st.product_id = i.product_id
                                        AND st.variant = i.variant
                     WHERE i.order_id = o.id AND i.status = 'requested')
            THEN 'unheld'
    END
    FROM orders o WHERE o.id = p_order
$$;

-- The packer's claim never takes a rehearsal's order.
CREATE OR REPLACE FUNCTION chotdon_claim_next_order(p_tenant bigint, p_staff bigint) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
    WITH next AS (
        SELECT id FROM orders
        WHERE tenant_id = p_tenant AND status = 'confirmed' AND chotdon_ship_block(id) IS NULL
          AND NOT chotdon_sandbox(session_id)
        ORDER BY created_at, id
        LIMIT 1
        FOR UPDATE SKIP LOCKED
    )
    UPDATE orders o SET claimed_by = p_staff
    FROM next WHERE o.id = next.id
    RETURNING o.id
$$;
