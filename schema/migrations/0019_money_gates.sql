-- Money gates: an order that must be paid first, or that holds no goods, is never claimed, packed
-- or booked; a payment deadline with one reminder; messages staff send by hand.
--
-- The rules live in SQL functions so that every path asks the same question: the packer's claim
-- (chotdon_claim_next_order), the courier booking and its sweep, and a trigger that refuses a
-- move to packing or packed for any other writer (aggregator/orders/money.py reads the same).

-- When the buyer must have paid by (set at confirmation for an order that must prepay), when the
-- one reminder is due, and when it was sent (stamped by the statement that claims it: once).
ALTER TABLE orders ADD COLUMN payment_deadline timestamptz;
ALTER TABLE orders ADD COLUMN payment_remind_at timestamptz;
ALTER TABLE orders ADD COLUMN payment_reminded_at timestamptz;
CREATE INDEX orders_payment_deadline_idx ON orders (payment_deadline)
    WHERE status = 'confirmed' AND paid_at IS NULL AND payment_deadline IS NOT NULL;

-- A message no platform carries ('unsent') that staff sent by hand: who marked it, when.
ALTER TABLE outbound_messages ADD COLUMN sent_by_hand_by bigint REFERENCES staff(id);
CREATE INDEX outbound_messages_unsent_idx ON outbound_messages (tenant_id, created_at)
    WHERE status = 'unsent';

-- What bank transfers for the order add up to (partial ones included).
CREATE FUNCTION chotdon_paid_vnd(p_order bigint) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(sum(amount_vnd), 0)::bigint FROM payments
    WHERE order_id = p_order AND status IN ('matched', 'partial', 'overpaid')
$$;

-- The order must be paid before it ships: the buyer chose VietQR, or the cooperative blocked the
-- buyer's or the recipient's phone, or the buyer's "bom hàng" risk level is at or above the
-- director's threshold (tenants.settings.prepay_at_risk, the labels of aggregator/core/risk.py).
-- An order paid through its platform (TikTok Shop) never must.
CREATE FUNCTION chotdon_must_prepay(p_order bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT o.payment_method <> 'platform' AND (
        o.payment_method = 'vietqr'
        OR EXISTS (SELECT 1 FROM blocked_phones bp JOIN buyers ob ON ob.id = o.buyer_id
                   WHERE bp.tenant_id = o.tenant_id AND bp.phone IN (o.recipient_phone, ob.phone))
        OR coalesce((
            SELECT chotdon_risk_level(coalesce(sum(b.delivered_count), 0)::int,
                                      coalesce(sum(b.returned_count), 0)::int)
            FROM buyers b
            WHERE b.tenant_id = o.tenant_id
              AND (b.id = o.buyer_id OR (o.recipient_phone IS NOT NULL
                                         AND b.phone = o.recipient_phone))
        ) >= array_position(ARRAY['new', 'low', 'medium', 'high', 'blocked'],
                            t.settings ->> 'prepay_at_risk') - 1, false))
    FROM orders o JOIN tenants t ON t.id = o.tenant_id
    WHERE o.id = p_order
$$;

-- Why the order may not be claimed, packed or booked now: 'empty' (no held or requested line:
-- only waitlisted, unclear or removed ones, nothing to put in a parcel), 'unpaid' (it must be
-- prepaid and is not paid in full), or NULL when it may.
CREATE FUNCTION chotdon_ship_block(p_order bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM order_items i
                         WHERE i.order_id = o.id AND i.status IN ('held', 'requested'))
            THEN 'empty'
        WHEN o.paid_at IS NULL AND chotdon_must_prepay(o.id) THEN 'unpaid'
    END
    FROM orders o WHERE o.id = p_order
$$;

-- The packer's claim: the oldest confirmed order of the cooperative that may ship and that no
-- other packer holds (SKIP LOCKED: concurrent claims each take a different one), marked as this
-- packer's. Orders waiting for a transfer or holding nothing are passed over.
CREATE FUNCTION chotdon_claim_next_order(p_tenant bigint, p_staff bigint) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
    WITH next AS (
        SELECT id FROM orders
        WHERE tenant_id = p_tenant AND status = 'confirmed' AND chotdon_ship_block(id) IS NULL
        ORDER BY created_at, id
        LIMIT 1
        FOR UPDATE SKIP LOCKED
    )
    UPDATE orders o SET claimed_by = p_staff
    FROM next WHERE o.id = next.id
    RETURNING o.id
$$;

-- Last wall: whatever path moves an order to packing or packed, an order that may not ship is
-- refused here (the application filters first, so this only fires on a path that forgot to).
CREATE FUNCTION chotdon_guard_ship() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    why text := chotdon_ship_block(NEW.id);
BEGIN
    IF why IS NOT NULL THEN
        RAISE EXCEPTION 'order % may not move to %: %', NEW.order_no, NEW.status, why
            USING ERRCODE = 'check_violation', HINT = why;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER orders_guard_ship BEFORE UPDATE OF status ON orders
    FOR EACH ROW
    WHEN (NEW.status IN ('packing', 'packed') AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION chotdon_guard_ship();
