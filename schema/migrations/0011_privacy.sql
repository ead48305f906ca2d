-- Personal-data requests a cooperative carried out for a buyer (export, erasure): who, when, what
-- was touched. The phone itself is not kept (that would undo the erasure), only its last two
-- digits so that staff can recognise the request.
CREATE TABLE privacy_requests (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    kind        text NOT NULL CHECK (kind IN ('export', 'erase')),
    phone_hint  text NOT NULL,
    buyer_ids   bigint[] NOT NULL,
    actor       text NOT NULL,
    counts      jsonb NOT NULL DEFAULT '{}'::jsonb,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX privacy_requests_tenant_idx ON privacy_requests (tenant_id, at);
