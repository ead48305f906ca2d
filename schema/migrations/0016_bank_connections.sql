-- Bank-transfer notices per cooperative: each cooperative connects the account its buyers pay
-- into, through the notification provider it uses (SePay, Casso or payOS), with that provider's
-- secret (an API key, a webhook key or a checksum key) sealed like a channel's credentials.
--
-- bank_connections: a notice names the account that received the money; that account finds the
-- cooperative, and its secret verifies the notice. One account belongs to one cooperative per
-- provider (unique), so a notice can never be read with another cooperative's secret.
CREATE TABLE bank_connections (
    id                bigserial PRIMARY KEY,
    tenant_id         bigint NOT NULL REFERENCES tenants(id),
    provider          text NOT NULL CHECK (provider IN ('sepay', 'casso', 'payos')),
    account_number    text NOT NULL,
    secret_encrypted  bytea NOT NULL,
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disconnected')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, account_number)
);
CREATE INDEX bank_connections_tenant_idx ON bank_connections (tenant_id);
SELECT chotdon_tenant_wall('bank_connections');

-- payments: a transaction id is unique per source, not across sources. SePay's id 92704 and
-- Casso's id 92704 are two transfers; the same SePay id delivered twice is one. 'payments' is the
-- source of the generic POST /webhooks/payments, 'bank:sepay' etc. the providers' own routes.
-- transferred_at: when the bank says the money moved (the provider's own time), if it says.
ALTER TABLE payments ADD COLUMN source text NOT NULL DEFAULT 'payments';
ALTER TABLE payments ADD COLUMN transferred_at timestamptz;
ALTER TABLE payments DROP CONSTRAINT payments_transaction_id_key;
ALTER TABLE payments ADD CONSTRAINT payments_source_transaction_key
    UNIQUE (source, transaction_id);
