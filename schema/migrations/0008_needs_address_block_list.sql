-- Couriers: the "needs address" order status and each cooperative's block list.
--
-- needs_address: the courier refused the address of a packed order (or chotdon could not turn a
-- pre-2025 address into a 2025 one for certain). Staff correct it, and the order goes back to
-- packed, which books the parcel again.
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN (
    'draft', 'awaiting_confirmation', 'confirmed', 'packing', 'packed', 'needs_address',
    'shipped', 'delivered', 'cancelled', 'expired', 'returned'));
CREATE INDEX orders_needs_address_idx ON orders (tenant_id, updated_at)
    WHERE status = 'needs_address';

-- blocked_phones: buyers a cooperative no longer sends cash-on-delivery parcels to, by normalised
-- mobile number, with who blocked them, when and why. Their orders must be paid before shipping.
CREATE TABLE blocked_phones (
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    phone       text NOT NULL CHECK (phone ~ '^0[35789][0-9]{8}$'),
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 300),
    blocked_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, phone)
);
