-- Returns (issue 22): a buyer asks to send back what was delivered, from their order link; staff
-- accept or refuse with a reason; an accepted return comes back by a courier pickup booked at the
-- buyer's address, by the buyer's own post, or not at all (spoiled food is thrown away); on
-- arrival each line goes back to stock or is written off; the money goes back as a row of
-- refunds (0024). The order itself stays delivered: the sale happened, and its refund is
-- subtracted in the period the money left (refunds.settled_at). A buyer's return is not a refused
-- parcel, so it never counts into the "bom hàng" risk of the phone.
--
-- returns.status moves only through aggregator/orders/state.py (schema/states.py
-- RETURN_ALLOWED_FROM), each move with an order_events row.
CREATE TABLE returns (
    id                  bigserial PRIMARY KEY,
    tenant_id           bigint NOT NULL REFERENCES tenants(id),
    order_id            bigint NOT NULL REFERENCES orders(id),
    status              text NOT NULL DEFAULT 'requested' CHECK (status IN
                            ('requested', 'refused', 'accepted', 'received', 'refunded')),
    cause               text NOT NULL CHECK (cause IN ('damaged', 'spoiled', 'wrong_item',
                            'missing_item', 'not_as_described', 'changed_mind', 'other')),
    buyer_note          text NOT NULL DEFAULT '' CHECK (length(buyer_note) <= 1000),
    -- Where the buyer wants the money sent (a VietQR for staff to pay from their bank app).
    refund_bank_bin     text NOT NULL DEFAULT '',
    refund_account_no   text NOT NULL DEFAULT '',
    refund_account_name text NOT NULL DEFAULT '',
    decision_reason     text NOT NULL DEFAULT '',
    decided_by          bigint REFERENCES staff(id),
    decided_at          timestamptz,
    send_method         text CHECK (send_method IN ('courier_pickup', 'buyer_sends', 'no_return')),
    pickup_courier      text,
    pickup_code         text,  -- our client order code for the return parcel
    pickup_tracking     text,
    pickup_fee_vnd      bigint,
    -- The return parcel's latest status from the courier's webhooks (shipments' common statuses).
    pickup_status       text,
    pickup_status_at    timestamptz,
    received_at         timestamptz,
    received_by         bigint REFERENCES staff(id),
    refund_id           bigint REFERENCES refunds(id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id)  -- one return per order: a second tap of the buyer's button finds it
);
CREATE INDEX returns_tenant_status_idx ON returns (tenant_id, status, created_at);
CREATE INDEX returns_pickup_idx ON returns (pickup_courier, pickup_code);
SELECT chotdon_tenant_wall('returns');

-- The lines and quantities sent back; outcome set on arrival.
CREATE TABLE return_items (
    id            bigserial PRIMARY KEY,
    tenant_id     bigint NOT NULL REFERENCES tenants(id),
    return_id     bigint NOT NULL REFERENCES returns(id),
    order_item_id bigint NOT NULL REFERENCES order_items(id),
    qty           integer NOT NULL CHECK (qty > 0),
    outcome       text CHECK (outcome IN ('restocked', 'written_off')),
    UNIQUE (return_id, order_item_id)
);
SELECT chotdon_tenant_wall('return_items');

-- The buyer's photos from the phone, re-encoded (aggregator/staff/photos.py: no EXIF, no GPS).
CREATE TABLE return_photos (
    id           bigserial PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants(id),
    return_id    bigint NOT NULL REFERENCES returns(id),
    content_type text NOT NULL,
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX return_photos_return_idx ON return_photos (return_id);
SELECT chotdon_tenant_wall('return_photos');
