-- Each cooperative's own courier accounts (0025). Sealed columns are opened only in memory by
-- aggregator/shipping/accounts.py; listings select whether a secret is stored, never the secret.

-- name: courier_account
-- $1 tenant id, $2 courier.
SELECT id, tenant_id, courier, token_encrypted, shop_id, webhook_secret_encrypted
FROM courier_accounts WHERE tenant_id = $1 AND courier = $2;

-- name: courier_accounts_of_tenant
SELECT courier, shop_id, webhook_secret_encrypted IS NOT NULL AS has_webhook_secret, updated_at
FROM courier_accounts WHERE tenant_id = $1 ORDER BY courier;

-- name: update_courier_account
-- $1 tenant, $2 courier, $3 sealed token (NULL: keep the stored one), $4 shop id,
-- $5 sealed webhook secret (NULL: keep the stored one). No row: NULL (insert it then).
UPDATE courier_accounts
SET token_encrypted = coalesce($3, token_encrypted), shop_id = $4,
    webhook_secret_encrypted = coalesce($5, webhook_secret_encrypted), updated_at = now()
WHERE tenant_id = $1 AND courier = $2
RETURNING id;

-- name: insert_courier_account
INSERT INTO courier_accounts (tenant_id, courier, token_encrypted, shop_id,
                              webhook_secret_encrypted)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (tenant_id, courier) DO NOTHING
RETURNING id;

-- name: delete_courier_account
DELETE FROM courier_accounts WHERE tenant_id = $1 AND courier = $2 RETURNING id;

-- name: tenant_id_by_slug
SELECT id FROM tenants WHERE slug = $1;

-- name: sealed_courier_secrets
SELECT id, token_encrypted, webhook_secret_encrypted FROM courier_accounts ORDER BY id;

-- name: reseal_courier_secrets
-- Only if the row still holds what was read (a newer save is never overwritten).
UPDATE courier_accounts SET token_encrypted = $4, webhook_secret_encrypted = $5
WHERE id = $1 AND token_encrypted = $2
  AND webhook_secret_encrypted IS NOT DISTINCT FROM $3
RETURNING id;
