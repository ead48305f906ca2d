-- Buyer confirmation: bank transfers reported by a payment-notification webhook, and messages a
-- platform has no sender for yet.
--
-- payments: one row per bank transaction (its id is the idempotency key: a notification
-- delivered three times is stored, and counted, once). status: matched (the order is paid),
-- partial (less than the order's total so far), overpaid (more than the total), unmatched (no
-- single known order number in the content). Everything but matched waits on the staff list
-- until someone resolves it.
CREATE TABLE payments (
    id              bigserial PRIMARY KEY,
    tenant_id       bigint REFERENCES tenants(id),
    delivery_id     bigint REFERENCES webhook_deliveries(id),
    transaction_id  text NOT NULL UNIQUE,
    amount_vnd      bigint NOT NULL CHECK (amount_vnd >= 0),
    content         text NOT NULL DEFAULT '',
    order_no        text,
    order_id        bigint REFERENCES orders(id),
    status          text NOT NULL CHECK (status IN ('matched', 'partial', 'overpaid', 'unmatched')),
    received_at     timestamptz NOT NULL DEFAULT now(),
    resolved_at     timestamptz,
    resolved_by     bigint REFERENCES staff(id)
);
CREATE INDEX payments_order_idx ON payments (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX payments_for_staff_idx ON payments (tenant_id, received_at)
    WHERE status <> 'matched' AND resolved_at IS NULL;

-- 'unsent': written for the record, but no sender exists for its platform yet (staff send it).
ALTER TABLE outbound_messages DROP CONSTRAINT outbound_messages_status_check;
ALTER TABLE outbound_messages ADD CONSTRAINT outbound_messages_status_check
    CHECK (status IN ('pending', 'sent', 'failed', 'unsent'));
