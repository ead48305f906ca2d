-- Row-level security: a second wall between cooperatives, behind the tenant filter every staff
-- query already carries (and the route walk that tests it).
--
-- Staff requests run as the role chotdon_staff (SET ROLE on the staff pool's connections, see
-- aggregator/db.py) with `chotdon.tenant_id` set to the signed-in staff member's cooperative. On
-- every table that holds a tenant_id, a policy for that role shows and accepts only rows of that
-- cooperative: a staff query that forgot its tenant filter sees nothing of another cooperative and
-- cannot write into one. Without a tenant set, it sees and writes nothing at all.
--
-- Webhooks, workers, the sweeper and the CLI keep the owner role: they legitimately work across
-- cooperatives before a tenant is known, and the table owner is not subject to these policies.
--
-- The role is cluster-wide. It is created here when the database user may create roles; where it
-- may not, a DBA creates it once beforehand (`CREATE ROLE chotdon_staff NOLOGIN;` and
-- `GRANT chotdon_staff TO <the chotdon user>;`, see README "Operations").

DO $$
BEGIN
    CREATE ROLE chotdon_staff NOLOGIN;
EXCEPTION
    -- Another database of this cluster created it first (tests migrate several at once).
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'chotdon_staff', 'MEMBER') THEN
        EXECUTE format('GRANT chotdon_staff TO %I', current_user);
    END IF;
EXCEPTION
    WHEN unique_violation THEN NULL;  -- granted concurrently by another database's migration
END
$$;

GRANT USAGE ON SCHEMA public TO chotdon_staff;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO chotdon_staff;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO chotdon_staff;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO chotdon_staff;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO chotdon_staff;

-- The cooperative of this connection's staff request; NULL (no row matches) when none is set.
CREATE FUNCTION chotdon_tenant() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('chotdon.tenant_id', true), '')::bigint $$;

-- Put a table holding tenant_id behind the wall. Later migrations call it for their new tables;
-- tests/integration/test_row_level_security.py fails for any tenant table left outside.
CREATE FUNCTION chotdon_tenant_wall(target regclass) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    EXECUTE format(
        'CREATE POLICY tenant_wall ON %s TO chotdon_staff '
        'USING (tenant_id = chotdon_tenant()) WITH CHECK (tenant_id = chotdon_tenant())',
        target
    );
END
$$;

SELECT chotdon_tenant_wall(format('%I', c.table_name)::regclass)
FROM information_schema.columns AS c
JOIN information_schema.tables AS t USING (table_schema, table_name)
WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'
ORDER BY c.table_name;

-- The cooperative's own row (its name on the pages): only its own.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON tenants TO chotdon_staff
    USING (id = chotdon_tenant()) WITH CHECK (id = chotdon_tenant());
