-- The dashboard's counter triggers on orders and order lines (0033) call these two functions once
-- per statement. As LANGUAGE sql functions that cannot be inlined (several statements, no
-- result), each call parsed and planned their statements again: 1.4 to 2.9 ms of a backend's CPU
-- a call for the orders', 1.0 ms for the lines', against 0.3 to 0.7 and 0.3 to 0.5 as PL/pgSQL,
-- which keeps each statement's plan for the session (the same 20 orders and 30 lines, 100 calls,
-- measured by the backend's own CPU time). A merge round fires them five or six times whatever
-- its size, so under a steady stream of small rounds they were a fixed cost of every round.
-- Same statements, same results: only the language, so the plans are kept.

CREATE OR REPLACE FUNCTION chotdon_dashboard_order_delta(fresh orders[], gone orders[])
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
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
END
$$;

CREATE OR REPLACE FUNCTION chotdon_dashboard_line_delta(fresh order_items[], gone order_items[])
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
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
END
$$;
