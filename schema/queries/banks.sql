-- Bank connections: the account each cooperative is paid into, per notification provider.

-- name: bank_connection_by_account
-- $1 provider, $2 account number. The cooperative an incoming notice is for, and the sealed
-- secret that verifies it; nothing for an account nobody connected (or one disconnected).
SELECT id, tenant_id, provider, account_number, secret_encrypted
FROM bank_connections
WHERE provider = $1 AND account_number = $2 AND status = 'active';

-- name: connect_bank_account
-- $1 tenant, $2 provider, $3 account number, $4 sealed secret. Creates the connection or, for
-- the same cooperative, replaces its secret and reactivates it. An account another cooperative
-- connected is left alone (no row back): moving it is an operator's decision, not a command's.
INSERT INTO bank_connections (tenant_id, provider, account_number, secret_encrypted)
VALUES ($1, $2, $3, $4)
ON CONFLICT (provider, account_number) DO UPDATE
SET secret_encrypted = excluded.secret_encrypted, status = 'active', updated_at = now()
WHERE bank_connections.tenant_id = excluded.tenant_id
RETURNING id;

-- name: bank_connections_of_tenant
-- $1 tenant. What a listing shows: never the secret.
SELECT id, provider, account_number, status, created_at, updated_at
FROM bank_connections
WHERE tenant_id = $1
ORDER BY provider, account_number;

-- name: sealed_bank_secrets
-- Every stored bank secret, for re-sealing them under the newest key.
SELECT id, secret_encrypted FROM bank_connections ORDER BY id;

-- name: reseal_bank_secret
-- $1 connection id, $2 the sealed value read, $3 the same value sealed under the newest key.
-- Applies only if nothing replaced the secret since it was read.
UPDATE bank_connections SET secret_encrypted = $3
WHERE id = $1 AND secret_encrypted = $2
RETURNING id;
