-- A cooperative sets itself up (issue 20, items 1 and 3): its tax code, its own courier accounts
-- and a host role that serves many cooperatives without seeing their orders or buyers.
--
-- tenants.tax_code: the cooperative's tax code (mã số thuế, 10 digits or 10-3 for a branch),
-- asked by the first-run page and `chotdon tenant add`. The rest of a cooperative's own settings
-- stays in tenants.settings (sender: the pickup address; vietqr: the bank account; courier: the
-- default courier; shipping_fees: the fee table; message_templates: the buyer messages).
ALTER TABLE tenants ADD COLUMN tax_code text NOT NULL DEFAULT ''
    CHECK (tax_code = '' OR tax_code ~ '^[0-9]{10}(-[0-9]{3})?$');

-- courier_accounts: each cooperative's own account at a courier (its API token, GHN ShopId or
-- GHTK X-Client-Source, and the secret the courier presents on its status webhooks). Token and
-- webhook secret are sealed by aggregator/credentials (purpose "courier account secrets") and are
-- never shown again. Without a row, the installation-wide settings (CHOTDON_GHN_TOKEN...) serve.
CREATE TABLE courier_accounts (
    id                        bigserial PRIMARY KEY,
    tenant_id                 bigint NOT NULL REFERENCES tenants(id),
    courier                   text NOT NULL CHECK (courier IN ('ghn', 'ghtk', 'viettelpost')),
    token_encrypted           bytea NOT NULL,
    shop_id                   text NOT NULL DEFAULT '',
    webhook_secret_encrypted  bytea,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, courier)
);
SELECT chotdon_tenant_wall('courier_accounts');

-- Host accounts: the people who run an installation for many cooperatives. A host creates
-- cooperatives and sees each one's health (channels, last delivery, queue, errors), never their
-- orders or buyers: host pages read only the aggregate queries in schema/queries/host.sql.
-- Not a tenant table: a host belongs to no cooperative (and the staff role cannot read it).
CREATE TABLE host_accounts (
    id             bigserial PRIMARY KEY,
    login          text NOT NULL,
    display_name   text NOT NULL,
    password_hash  text NOT NULL,
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX host_accounts_login_key ON host_accounts (lower(login));

CREATE TABLE host_sessions (
    token_hash   text PRIMARY KEY,
    host_id      bigint NOT NULL REFERENCES host_accounts(id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX host_sessions_expiry_idx ON host_sessions (expires_at);
REVOKE ALL ON host_accounts, host_sessions FROM chotdon_staff;
