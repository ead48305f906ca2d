-- Creating a cooperative and its director (first-run page, `chotdon tenant add`, host pages), and
-- the cooperative's own profile on its settings pages. $1 is the signed-in director's tenant.

-- name: first_run_lock
-- Serialises first-run set-ups: two browsers posting the form at once make one cooperative.
SELECT pg_advisory_xact_lock(7423895117001);

-- name: tenant_count
SELECT count(*) FROM tenants;

-- name: insert_tenant
-- $1 slug, $2 name, $3 province, $4 tax code, $5 settings (jsonb). NULL when the slug is taken.
INSERT INTO tenants (slug, name, province, tax_code, settings)
VALUES ($1, $2, $3, $4, $5::jsonb)
ON CONFLICT (slug) DO NOTHING
RETURNING id;

-- name: slug_taken
SELECT EXISTS (SELECT 1 FROM tenants WHERE slug = $1);

-- name: login_taken
SELECT EXISTS (SELECT 1 FROM staff WHERE lower(login) = lower($1))
    OR EXISTS (SELECT 1 FROM host_accounts WHERE lower(login) = lower($1));

-- name: cooperative_profile
SELECT id, slug, name, coalesce(province, '') AS province, tax_code, settings
FROM tenants WHERE id = $1;

-- name: update_cooperative_profile
-- $2 name, $3 province, $4 tax code, $5 settings keys to merge (a JSON null removes the key).
UPDATE tenants
SET name = $2, province = $3, tax_code = $4,
    settings = (settings || jsonb_strip_nulls($5::jsonb))
        - ARRAY(SELECT key FROM jsonb_each($5::jsonb) WHERE jsonb_typeof(value) = 'null')
WHERE id = $1
RETURNING id;

-- name: disconnect_bank_connection
-- $1 tenant, $2 connection id: its notices are refused from now on (the row stays for history).
UPDATE bank_connections SET status = 'disconnected', updated_at = now()
WHERE tenant_id = $1 AND id = $2 AND status = 'active'
RETURNING id;
