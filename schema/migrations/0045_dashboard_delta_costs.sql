-- What the dashboard's counter triggers (0033, 0044) cost every merge round, made smaller.
--
-- The order counters ran three statements per orders statement whatever it changed. Two of them
-- only ever count something when an order moves: the per-minute orders count (cooperative,
-- session, minute of creation) and the product lines of an order that changed session or standing
-- (cancelled, expired, returned). An INSERT or DELETE has no lines to move; an UPDATE that moves
-- no order (new totals, a confirmation, a payment: most of a merge round's) sums to zero in both.
-- They are skipped then. Whatever is skipped would have written no row (HAVING sum <> 0): same
-- counts. Backend CPU per statement, merge rounds of ~150 comments of the bench's corpus: the
-- totals update 1.03 -> 0.86 ms (alone, an update of one order's totals 0.78 -> 0.39 ms).

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

    -- An UPDATE (both sides) that moves no order to another session, cooperative, minute or
    -- standing changes neither the minutes nor the lines: done.
    IF coalesce(cardinality(fresh), 0) > 0 AND coalesce(cardinality(gone), 0) > 0
       AND NOT EXISTS (
           SELECT 1 FROM unnest(fresh) n JOIN unnest(gone) r ON r.id = n.id
           WHERE n.session_id IS DISTINCT FROM r.session_id OR n.tenant_id <> r.tenant_id
              OR n.created_at <> r.created_at
              OR chotdon_order_standing(n.status) <> chotdon_order_standing(r.status)) THEN
        RETURN;
    END IF;

    INSERT INTO dashboard_minutes (tenant_id, session_id, minute, orders)
    SELECT (d.o).tenant_id, (d.o).session_id, date_trunc('minute', (d.o).created_at), sum(d.sign)
    FROM (SELECT o, 1 AS sign FROM unnest(fresh) o UNION ALL
          SELECT o, -1 FROM unnest(gone) o) d
    WHERE (d.o).session_id IS NOT NULL
    GROUP BY 1, 2, 3 HAVING sum(d.sign) <> 0;

    -- Lines exist only for orders already stored: an INSERT has none yet, a DELETE follows its
    -- lines' own deletion. Only an UPDATE that changed an order's standing or session moves them.
    IF coalesce(cardinality(fresh), 0) = 0 OR coalesce(cardinality(gone), 0) = 0 THEN
        RETURN;
    END IF;
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

-- Both delta functions look up, for each row of the statement, its order (lines) or its order's
-- lines (orders that moved) by key. PL/pgSQL keeps a statement's generic plan for the session,
-- planned once from the statistics of that moment: a worker's first rounds on a young database
-- (the ingest bench's, any new server's) planned the lookup as a hash join over a sequential scan
-- of orders, and kept it while orders grew (6,364 orders read for 58 lines, 1.2 ms, in every
-- statement writing lines, 35 rounds into a run on the bench's corpus). A handful of rows by key
-- never wants a sequential scan: with them off in these two functions, each row probes
-- orders_pkey or order_items_order_idx whatever the statistics said when the plan was made.
-- Backend CPU per statement, merge rounds of ~150 comments: lines inserted 2.54 -> 1.81 ms,
-- updated 2.01 -> 1.11 ms, removed 1.50 -> 0.67 ms. A server whose statistics follow its size
-- plans these as index probes anyway; the bench's burst (a few large rounds) gains less.
ALTER FUNCTION chotdon_dashboard_line_delta(order_items[], order_items[]) SET enable_seqscan = off;
ALTER FUNCTION chotdon_dashboard_order_delta(orders[], orders[]) SET enable_seqscan = off;
