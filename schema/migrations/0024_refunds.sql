-- Refunds: money given back to a buyer for an order (issues 22 and 23 build on this table).
--
-- One row per refund. A transfer is owed until staff have sent it (settled_at set then); a COD
-- that was never collected (the parcel came back, or the buyer refused it) is settled when
-- recorded, since no money changes hands. Reports and tax exports subtract refunds in the period
-- of settled_at: the money left the cooperative then. Returns (issue 22) add their own table and
-- point at a refund from it; this table does not depend on them.
CREATE TABLE refunds (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    order_id    bigint NOT NULL REFERENCES orders(id),
    amount_vnd  bigint NOT NULL CHECK (amount_vnd > 0),
    method      text NOT NULL CHECK (method IN ('transfer', 'cod_not_collected')),
    status      text NOT NULL DEFAULT 'owed' CHECK (status IN ('owed', 'settled', 'cancelled')),
    reason      text NOT NULL DEFAULT '',
    created_by  bigint REFERENCES staff(id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    settled_at  timestamptz,
    settled_by  bigint REFERENCES staff(id),
    CHECK ((status = 'settled') = (settled_at IS NOT NULL)),
    CHECK (method = 'transfer' OR status <> 'owed')
);
CREATE INDEX refunds_order_idx ON refunds (order_id);
CREATE INDEX refunds_settled_idx ON refunds (tenant_id, settled_at) WHERE status = 'settled';
SELECT chotdon_tenant_wall('refunds');
