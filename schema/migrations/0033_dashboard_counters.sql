-- The director's dashboard reads counters instead of recounting a live's comments, orders and
-- lines on every request (issue 21: p95 589 ms at 200k comments, three lives on air).
--
-- Statement-level AFTER triggers with transition tables on comments, orders and order_items add
-- each statement's net change (new rows counted minus old rows counted, one row per key) to three
-- counter tables, in the writer's own transaction: the merge's figures are on the dashboard the
-- moment the merge commits, and a rolled-back merge leaves no trace.
--
-- The counter tables are append-only between folds: a trigger only ever INSERTs its delta rows,
-- so writers never wait on each other's counter rows (no hot row per live, no lock-order
-- deadlock between a merge and a sweep touching two sessions). A reader sums the rows of its
-- sessions; chotdon_dashboard_fold(tenant) folds a cooperative's rows into one per key (the
-- dashboard calls it before it loads, at most one fold at a time per cooperative).
--
-- Each counter mirrors a figure of the recount queries kept as `dashboard_lives_recount` (the
-- bench's baseline); tests/integration/test_dashboard_counters.py checks they agree after ingest,
-- merges, status moves, line moves and deletes. chotdon_dashboard_rebuild(tenant) recounts from
-- the rows themselves (used below to fill the counters of existing data).
--
-- No unique key and no foreign key: the rows are derived data, several per key until folded.

-- Per channel session and minute: comments by their time, orders by their creation time.
CREATE TABLE dashboard_minutes (
    tenant_id   bigint NOT NULL,
    session_id  bigint NOT NULL,
    minute      timestamptz NOT NULL,
    comments    bigint NOT NULL DEFAULT 0,
    orders      bigint NOT NULL DEFAULT 0
);
CREATE INDEX dashboard_minutes_idx ON dashboard_minutes (tenant_id, session_id, minute);

-- Per channel session: the order figures (see schema/queries/dashboard.sql for their meaning).
CREATE TABLE dashboard_orders (
    tenant_id    bigint NOT NULL,
    session_id   bigint NOT NULL,
    orders       bigint NOT NULL DEFAULT 0,
    confirmed    bigint NOT NULL DEFAULT 0,
    paid         bigint NOT NULL DEFAULT 0,
    shipped      bigint NOT NULL DEFAULT 0,
    revenue_vnd  bigint NOT NULL DEFAULT 0,
    unpaid_vnd   bigint NOT NULL DEFAULT 0
);
CREATE INDEX dashboard_orders_idx ON dashboard_orders (tenant_id, session_id);

-- Per channel session, product and variant: lines of orders still standing.
CREATE TABLE dashboard_products (
    tenant_id    bigint NOT NULL,
    session_id   bigint NOT NULL,
    product_id   bigint NOT NULL,
    variant      text NOT NULL,
    lines        bigint NOT NULL DEFAULT 0,  -- any status: the product has a row on the page
    ordered      bigint NOT NULL DEFAULT 0,  -- units requested or held
    revenue_vnd  bigint NOT NULL DEFAULT 0,
    waitlist     bigint NOT NULL DEFAULT 0   -- waitlisted lines
);
CREATE INDEX dashboard_products_idx ON dashboard_products (tenant_id, session_id);

SELECT chotdon_tenant_wall('dashboard_minutes');
SELECT chotdon_tenant_wall('dashboard_orders');
SELECT chotdon_tenant_wall('dashboard_products');

-- An order still standing: its lines and total count as sold.
CREATE FUNCTION chotdon_order_standing(status text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT status NOT IN ('cancelled', 'expired', 'returned')
$$;

-- Comments: +1 per new row, -1 per old row, per (session, minute); a statement that changes no
-- session or time (the merge marking comments processed) nets to nothing and writes nothing.
CREATE FUNCTION chotdon_dashboard_comments() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO dashboard_minutes (tenant_id, session_id, minute, comments)
        SELECT tenant_id, session_id, date_trunc('minute', commented_at), count(*)
        FROM new_rows WHERE session_id IS NOT NULL AND tenant_id IS NOT NULL
        GROUP BY 1, 2, 3;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO dashboard_minutes (tenant_id, session_id, minute, comments)
        SELECT tenant_id, session_id, date_trunc('minute', commented_at), -count(*)
        FROM old_rows WHERE session_id IS NOT NULL AND tenant_id IS NOT NULL
        GROUP BY 1, 2, 3;
    ELSE
        INSERT INTO dashboard_minutes (tenant_id, session_id, minute, comments)
        SELECT tenant_id, session_id, minute, sum(n)
        FROM (SELECT tenant_id, session_id, date_trunc('minute', commented_at) AS minute, 1 AS n
              FROM new_rows WHERE session_id IS NOT NULL AND tenant_id IS NOT NULL
              UNION ALL
              SELECT tenant_id, session_id, date_trunc('minute', commented_at), -1
              FROM old_rows WHERE session_id IS NOT NULL AND tenant_id IS NOT NULL) d
        GROUP BY 1, 2, 3 HAVING sum(n) <> 0;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER comments_dashboard_insert AFTER INSERT ON comments
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION chotdon_dashboard_comments();
CREATE TRIGGER comments_dashboard_update AFTER UPDATE ON comments
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION chotdon_dashboard_comments();
CREATE TRIGGER comments_dashboard_delete AFTER DELETE ON comments
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION chotdon_dashboard_comments();

-- What one order row adds to its session's figures, times `sign` (+1 new row, -1 old row).
CREATE FUNCTION chotdon_order_figures(o orders, sign integer)
RETURNS TABLE (orders bigint, confirmed bigint, paid bigint, shipped bigint, revenue_vnd bigint,
               unpaid_vnd bigint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sign::bigint,
           sign * (o.status IN ('confirmed', 'packing', 'packed', 'shipped', 'delivered',
                                'returned'))::int,
           sign * (o.paid_at IS NOT NULL OR (o.status = 'delivered' AND o.payment_method = 'cod'))::int,
           sign * (o.status IN ('shipped', 'delivered', 'returned'))::int,
           CASE WHEN chotdon_order_standing(o.status) THEN sign * o.total_vnd ELSE 0 END,
           CASE WHEN chotdon_order_standing(o.status) AND o.paid_at IS NULL
                     AND NOT (o.status = 'delivered' AND o.payment_method = 'cod')
                THEN sign * o.total_vnd ELSE 0 END
$$;

-- What one line adds to its product's row, given its order's standing, times `sign`.
CREATE FUNCTION chotdon_line_figures(i order_items, standing boolean, sign integer)
RETURNS TABLE (lines bigint, ordered bigint, revenue_vnd bigint, waitlist bigint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sign::bigint,
           CASE WHEN i.status IN ('requested', 'held') THEN sign * i.qty ELSE 0 END,
           CASE WHEN i.status IN ('requested', 'held') THEN sign * i.qty * i.unit_price_vnd
                ELSE 0 END,
           sign * (i.status = 'waitlisted')::int
    WHERE standing AND i.product_id IS NOT NULL
$$;

-- Orders: their own figures per session, their creation minute, and, when an order starts or
-- stops standing or moves to another session, its lines' figures move with it. `fresh` are the
-- statement's new rows, `gone` its old rows (empty for an INSERT or a DELETE).
CREATE FUNCTION chotdon_dashboard_order_delta(fresh orders[], gone orders[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO dashboard_orders (tenant_id, session_id, orders, confirmed, paid, shipped,
                                  revenue_vnd, unpaid_vnd)
    SELECT (d.o).tenant_id, (d.o).session_id, sum(f.orders), sum(f.confirmed), sum(f.paid),
           sum(f.shipped), sum(f.revenue_vnd), sum(f.unpaid_vnd)
    FROM (SELECT o, 1 AS sign FROM unnest(fresh) o UNION ALL
          SELECT o, -1 FROM unnest(gone) o) d
    CROSS JOIN chotdon_order_figures(d.o, d.sign) f
    WHERE (d.o).session_id IS NOT NULL
    GROUP BY 1, 2
    HAVING sum(f.orders) <> 0 OR sum(f.confirmed) <> 0 OR sum(f.paid) <> 0
        OR sum(f.shipped) <> 0 OR sum(f.revenue_vnd) <> 0 OR sum(f.unpaid_vnd) <> 0;

    INSERT INTO dashboard_minutes (tenant_id, session_id, minute, orders)
    SELECT (d.o).tenant_id, (d.o).session_id, date_trunc('minute', (d.o).created_at), sum(d.sign)
    FROM (SELECT o, 1 AS sign FROM unnest(fresh) o UNION ALL
          SELECT o, -1 FROM unnest(gone) o) d
    WHERE (d.o).session_id IS NOT NULL
    GROUP BY 1, 2, 3 HAVING sum(d.sign) <> 0;

    -- Lines exist only for orders already stored: an UPDATE that changed an order's standing or
    -- session moves them (an INSERT has none yet, a DELETE follows its lines' own deletion).
    WITH moved AS (
        SELECT n AS new_o, r AS old_o
        FROM unnest(fresh) n JOIN unnest(gone) r ON r.id = n.id
        WHERE n.session_id IS DISTINCT FROM r.session_id
           OR chotdon_order_standing(n.status) <> chotdon_order_standing(r.status)
    ), sides AS (
        SELECT new_o AS o, 1 AS sign FROM moved UNION ALL SELECT old_o, -1 FROM moved
    )
    INSERT INTO dashboard_products (tenant_id, session_id, product_id, variant, lines, ordered,
                                    revenue_vnd, waitlist)
    SELECT (s.o).tenant_id, (s.o).session_id, i.product_id, i.variant, sum(f.lines),
           sum(f.ordered), sum(f.revenue_vnd), sum(f.waitlist)
    FROM sides s
    JOIN order_items i ON i.order_id = (s.o).id
    CROSS JOIN chotdon_line_figures(i, chotdon_order_standing((s.o).status), s.sign) f
    WHERE (s.o).session_id IS NOT NULL
    GROUP BY 1, 2, 3, 4
    HAVING sum(f.lines) <> 0 OR sum(f.ordered) <> 0 OR sum(f.revenue_vnd) <> 0
        OR sum(f.waitlist) <> 0;
$$;

CREATE FUNCTION chotdon_dashboard_orders() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM chotdon_dashboard_order_delta(
            (SELECT array_agg(n::orders) FROM new_rows n), '{}'::orders[]);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM chotdon_dashboard_order_delta(
            '{}'::orders[], (SELECT array_agg(r::orders) FROM old_rows r));
    ELSE
        PERFORM chotdon_dashboard_order_delta((SELECT array_agg(n::orders) FROM new_rows n),
                                              (SELECT array_agg(r::orders) FROM old_rows r));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER orders_dashboard_insert AFTER INSERT ON orders
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION chotdon_dashboard_orders();
CREATE TRIGGER orders_dashboard_update AFTER UPDATE ON orders
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION chotdon_dashboard_orders();
CREATE TRIGGER orders_dashboard_delete AFTER DELETE ON orders
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION chotdon_dashboard_orders();

-- Lines: their product row's figures, with their order's standing and session as they are now
-- (an order's own changes are the orders trigger's; each statement changes one table, so the
-- two together keep every counter equal to the recount).
CREATE FUNCTION chotdon_dashboard_line_delta(fresh order_items[], gone order_items[])
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO dashboard_products (tenant_id, session_id, product_id, variant, lines, ordered,
                                    revenue_vnd, waitlist)
    SELECT o.tenant_id, o.session_id, (d.i).product_id, (d.i).variant, sum(f.lines),
           sum(f.ordered), sum(f.revenue_vnd), sum(f.waitlist)
    FROM (SELECT i, 1 AS sign FROM unnest(fresh) i UNION ALL
          SELECT i, -1 FROM unnest(gone) i) d
    JOIN orders o ON o.id = (d.i).order_id
    CROSS JOIN chotdon_line_figures(d.i, chotdon_order_standing(o.status), d.sign) f
    WHERE o.session_id IS NOT NULL
    GROUP BY 1, 2, 3, 4
    HAVING sum(f.lines) <> 0 OR sum(f.ordered) <> 0 OR sum(f.revenue_vnd) <> 0
        OR sum(f.waitlist) <> 0;
$$;

CREATE FUNCTION chotdon_dashboard_lines() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM chotdon_dashboard_line_delta(
            (SELECT array_agg(n::order_items) FROM new_rows n), '{}'::order_items[]);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM chotdon_dashboard_line_delta(
            '{}'::order_items[], (SELECT array_agg(r::order_items) FROM old_rows r));
    ELSE
        PERFORM chotdon_dashboard_line_delta(
            (SELECT array_agg(n::order_items) FROM new_rows n),
            (SELECT array_agg(r::order_items) FROM old_rows r));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER order_items_dashboard_insert AFTER INSERT ON order_items
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION chotdon_dashboard_lines();
CREATE TRIGGER order_items_dashboard_update AFTER UPDATE ON order_items
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION chotdon_dashboard_lines();
CREATE TRIGGER order_items_dashboard_delete AFTER DELETE ON order_items
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION chotdon_dashboard_lines();

-- Fold a cooperative's counter rows into one per key. One fold at a time per cooperative (a
-- second caller skips: the rows it would fold are being folded). Rows of transactions not yet
-- committed are not seen, so they stay and are folded next time; readers see the same sums
-- before and after. Returns whether it folded.
CREATE FUNCTION chotdon_dashboard_fold(tenant bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    -- Only lives on air or ended within a day gain rows (older ones were folded back then).
    recent bigint[] := ARRAY(SELECT id FROM live_sessions
                             WHERE tenant_id = tenant
                               AND (status <> 'ended' OR ended_at > now() - interval '1 day'));
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('chotdon.dashboard_fold'), tenant::int) THEN
        RETURN false;
    END IF;
    -- Only keys with more than one row are rewritten: a quiet cooperative costs one small scan.
    WITH many AS (
        SELECT session_id, minute FROM dashboard_minutes
        WHERE tenant_id = tenant AND session_id = ANY (recent)
        GROUP BY 1, 2 HAVING count(*) > 1
    ), gone AS (
        DELETE FROM dashboard_minutes d USING many
        WHERE d.tenant_id = tenant AND d.session_id = many.session_id AND d.minute = many.minute
        RETURNING d.*
    )
    INSERT INTO dashboard_minutes (tenant_id, session_id, minute, comments, orders)
    SELECT tenant_id, session_id, minute, sum(comments), sum(orders) FROM gone
    GROUP BY 1, 2, 3 HAVING sum(comments) <> 0 OR sum(orders) <> 0;

    WITH many AS (
        SELECT session_id FROM dashboard_orders
        WHERE tenant_id = tenant AND session_id = ANY (recent)
        GROUP BY 1 HAVING count(*) > 1
    ), gone AS (
        DELETE FROM dashboard_orders d USING many
        WHERE d.tenant_id = tenant AND d.session_id = many.session_id
        RETURNING d.*
    )
    INSERT INTO dashboard_orders (tenant_id, session_id, orders, confirmed, paid, shipped,
                                  revenue_vnd, unpaid_vnd)
    SELECT tenant_id, session_id, sum(orders), sum(confirmed), sum(paid), sum(shipped),
           sum(revenue_vnd), sum(unpaid_vnd) FROM gone
    GROUP BY 1, 2
    HAVING sum(orders) <> 0 OR sum(confirmed) <> 0 OR sum(paid) <> 0 OR sum(shipped) <> 0
        OR sum(revenue_vnd) <> 0 OR sum(unpaid_vnd) <> 0;

    WITH many AS (
        SELECT session_id, product_id, variant FROM dashboard_products
        WHERE tenant_id = tenant AND session_id = ANY (recent)
        GROUP BY 1, 2, 3 HAVING count(*) > 1
    ), gone AS (
        DELETE FROM dashboard_products d USING many
        WHERE d.tenant_id = tenant AND d.session_id = many.session_id
          AND d.product_id = many.product_id AND d.variant = many.variant
        RETURNING d.*
    )
    INSERT INTO dashboard_products (tenant_id, session_id, product_id, variant, lines, ordered,
                                    revenue_vnd, waitlist)
    SELECT tenant_id, session_id, product_id, variant, sum(lines), sum(ordered),
           sum(revenue_vnd), sum(waitlist) FROM gone
    GROUP BY 1, 2, 3, 4
    HAVING sum(lines) <> 0 OR sum(ordered) <> 0 OR sum(revenue_vnd) <> 0 OR sum(waitlist) <> 0;
    RETURN true;
END
$$;

-- The dashboard's one statement (schema/queries/dashboard.sql, dashboard_snapshot, says what each
-- part is). A function only so it can carry `plan_cache_mode = force_generic_plan`: planning its
-- many parts took ~6 ms against ~1.6 ms of running them, and a busy server plans it every second
-- for every cooperative watched; plpgsql keeps the generic plan per connection.
CREATE FUNCTION chotdon_dashboard_snapshot(
    tenant bigint, day_start timestamptz, max_lives integer, rate_window interval,
    at timestamptz, chart_minutes integer, incidents_since timestamptz, max_incidents integer)
RETURNS TABLE (lives_json json, products_json json, per_minute_json json, channels_json json,
               incidents_json json, unreadable_count bigint)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $fn$
BEGIN
    RETURN QUERY
    WITH shown AS MATERIALIZED (
        SELECT s.id, s.title, s.status, s.started_at, s.ended_at, s.created_at,
               s.last_comment_at AS watermark, s.live_id,
               chotdon_live_label(s.live_id) AS live_title,
               c.id AS channel_id, c.platform, c.name AS channel_name, c.status AS channel_status,
               c.status_reason, (c.settings ->> 'token_expires_at')::bigint AS token_expires_at
        FROM live_sessions s
        JOIN channels c ON c.id = s.channel_id AND c.tenant_id = s.tenant_id
        WHERE s.tenant_id = $1 AND NOT s.sandbox
          AND (s.status = 'live' OR (s.status = 'ended' AND s.ended_at >= $2))
        ORDER BY s.status = 'live' DESC, coalesce(s.started_at, s.created_at) DESC, s.id DESC
        LIMIT $3
    ), comment_counts AS (
        SELECT m.session_id, sum(m.comments) AS comments,
               round(sum(m.comments * least(1.0, greatest(0.0, extract(epoch FROM
                   m.minute + interval '1 minute' - ($5::timestamptz - $4::interval)) / 60.0))))
                   AS recent
        FROM dashboard_minutes m
        WHERE m.tenant_id = $1 AND m.session_id IN (SELECT id FROM shown)
        GROUP BY m.session_id
    ), order_counts AS (
        SELECT d.session_id, sum(d.orders) AS orders, sum(d.confirmed) AS confirmed,
               sum(d.paid) AS paid, sum(d.shipped) AS shipped, sum(d.revenue_vnd) AS revenue_vnd,
               sum(d.unpaid_vnd) AS unpaid_vnd
        FROM dashboard_orders d
        WHERE d.tenant_id = $1 AND d.session_id IN (SELECT id FROM shown)
        GROUP BY d.session_id
    ), lives AS (
        SELECT l.*, coalesce(cc.comments, 0)::bigint AS comments,
               coalesce(cc.recent, 0)::bigint AS recent_comments,
               (SELECT max(cm.commented_at) FROM comments cm
                WHERE cm.tenant_id = $1 AND cm.session_id = l.id) AS last_comment_at,
               coalesce(oc.orders, 0)::bigint AS orders,
               coalesce(oc.confirmed, 0)::bigint AS confirmed,
               coalesce(oc.paid, 0)::bigint AS paid, coalesce(oc.shipped, 0)::bigint AS shipped,
               coalesce(oc.revenue_vnd, 0)::bigint AS revenue_vnd,
               coalesce(oc.unpaid_vnd, 0)::bigint AS unpaid_vnd
        FROM shown l
        LEFT JOIN comment_counts cc ON cc.session_id = l.id
        LEFT JOIN order_counts oc ON oc.session_id = l.id
    ), ends AS (
        SELECT live_id, max(CASE WHEN status = 'live' OR ended_at IS NULL THEN $5::timestamptz
                                 ELSE ended_at END) AS ends
        FROM shown GROUP BY live_id
    ), lines AS (
        SELECT s.live_id, d.product_id, d.variant, sum(d.ordered) AS ordered,
               sum(d.revenue_vnd) AS revenue_vnd, sum(d.waitlist) AS waitlist
        FROM dashboard_products d
        JOIN live_sessions s ON s.id = d.session_id AND s.tenant_id = d.tenant_id
        WHERE d.tenant_id = $1 AND s.live_id IN (SELECT live_id FROM ends) AND NOT s.sandbox
        GROUP BY s.live_id, d.product_id, d.variant
        HAVING sum(d.lines) > 0
    ), stock AS (
        SELECT live_id, product_id, variant, quantity, reserved
        FROM live_stock
        WHERE tenant_id = $1 AND live_id IN (SELECT live_id FROM ends)
    ), products AS (
        SELECT coalesce(l.live_id, s.live_id) AS live_id, p.code, p.name,
               coalesce(l.variant, s.variant) AS variant,
               coalesce(l.ordered, 0)::int AS ordered,
               coalesce(l.revenue_vnd, 0)::bigint AS revenue_vnd,
               coalesce(l.waitlist, 0)::int AS waitlist, s.quantity AS stock,
               coalesce(s.reserved, 0) AS reserved,
               (cardinality(p.variants) > 0 AND coalesce(l.variant, s.variant) = '') AS variant_missing
        FROM lines l
        FULL JOIN stock s
          ON s.live_id = l.live_id AND s.product_id = l.product_id AND s.variant = l.variant
        JOIN products p ON p.id = coalesce(l.product_id, s.product_id) AND p.tenant_id = $1
    ), per_minute AS (
        SELECT s.live_id, m.minute, sum(m.orders)::bigint AS orders
        FROM dashboard_minutes m
        JOIN live_sessions s ON s.id = m.session_id AND s.tenant_id = m.tenant_id
        JOIN ends w ON w.live_id = s.live_id
        WHERE m.tenant_id = $1 AND NOT s.sandbox
          AND m.minute >= date_trunc('minute', w.ends) - make_interval(mins => $6 - 1)
          AND m.minute < date_trunc('minute', w.ends) + interval '1 minute'
        GROUP BY s.live_id, m.minute
        HAVING sum(m.orders) <> 0
    ), channels AS (
        SELECT id, platform, name, status, status_reason,
               (settings ->> 'token_expires_at')::bigint AS token_expires_at,
               (settings ->> 'reconnect_by')::bigint AS reconnect_by
        FROM channels
        WHERE tenant_id = $1
          AND (status = 'disconnected'
               OR (status = 'active'
                   AND ((settings ->> 'token_expires_at')::bigint <= extract(epoch FROM $5::timestamptz)
                        OR (settings ->> 'reconnect_by')::bigint
                           <= extract(epoch FROM $5::timestamptz) + 14 * 86400)))
    ), incidents AS (
        SELECT o.order_no, s.courier, s.status, s.courier_status, s.status_reason,
               count(*) OVER () AS total,
               s.status IN ('lost', 'damaged', 'exception') AS grave, s.updated_at, s.id
        FROM shipments s
        JOIN orders o ON o.id = s.order_id AND o.tenant_id = s.tenant_id
        WHERE s.tenant_id = $1
          AND s.status IN ('pickup_failed', 'failed_attempt', 'lost', 'damaged', 'exception')
          AND s.updated_at >= $7
        ORDER BY grave DESC, s.updated_at DESC, s.id DESC
        LIMIT $8
    )
    SELECT
        (SELECT coalesce(json_agg(l ORDER BY l.status = 'live' DESC,
                                  coalesce(l.started_at, l.created_at) DESC, l.id DESC), '[]')
         FROM lives l) AS lives_json,
        (SELECT coalesce(json_agg(p ORDER BY p.live_id, p.code, p.variant), '[]')
         FROM products p) AS products_json,
        (SELECT coalesce(json_agg(m), '[]') FROM per_minute m) AS per_minute_json,
        (SELECT coalesce(json_agg(c ORDER BY c.id), '[]') FROM channels c) AS channels_json,
        (SELECT coalesce(json_agg(i ORDER BY i.grave DESC, i.updated_at DESC, i.id DESC), '[]')
         FROM incidents i) AS incidents_json,
        (SELECT count(*) FROM webhook_deliveries
         WHERE tenant_id = $1 AND status = 'unreadable' AND received_at >= $7) AS unreadable_count;
END
$fn$;

-- Recount a cooperative's counters from its rows (existing data now; a repair if ever needed:
-- run it when no live of the cooperative is being merged).
CREATE FUNCTION chotdon_dashboard_rebuild(tenant bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM dashboard_minutes WHERE tenant_id = tenant;
    DELETE FROM dashboard_orders WHERE tenant_id = tenant;
    DELETE FROM dashboard_products WHERE tenant_id = tenant;
    INSERT INTO dashboard_minutes (tenant_id, session_id, minute, comments)
    SELECT tenant_id, session_id, date_trunc('minute', commented_at), count(*)
    FROM comments WHERE tenant_id = tenant AND session_id IS NOT NULL
    GROUP BY 1, 2, 3;
    PERFORM chotdon_dashboard_order_delta(
        (SELECT array_agg(o) FROM orders o WHERE o.tenant_id = tenant), '{}'::orders[]);
    PERFORM chotdon_dashboard_line_delta(
        (SELECT array_agg(i) FROM order_items i WHERE i.tenant_id = tenant), '{}'::order_items[]);
    -- One row per key already, but a minute's comments and orders (two rows; summed on read).
    PERFORM chotdon_dashboard_fold(tenant);
END
$$;

SELECT chotdon_dashboard_rebuild(id) FROM tenants;
