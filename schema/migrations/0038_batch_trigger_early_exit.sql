-- The batch trigger of order lines (0030, 0036) fires once per statement that inserts or updates
-- lines, and every merge's statements carry none of what it acts on (no line has a batch yet, and
-- most cooperatives record no batches for the products on sale): it still ran four queries each
-- time, about a third of the statement triggers' cost per merged comment in a 20-comments-per-live
-- batch. It now stops after two probes when no new or old line has a batch and no held line's
-- product has one, which is exactly when every step after it changes nothing. The products'
-- batches are looked up by (tenant_id, product_id), the leading columns of their index, instead
-- of product_id alone (a scan of every cooperative's batches). Same results otherwise.
CREATE OR REPLACE FUNCTION chotdon_order_items_batches() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Most statements (every merge's) carry no batch and name no product that has one: then
    -- each step below is a no-op, so stop after two probes (0038).
    IF NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.batch_id IS NOT NULL) THEN
        IF TG_OP = 'UPDATE' THEN
            IF EXISTS (SELECT 1 FROM old_rows o WHERE o.batch_id IS NOT NULL) THEN
                NULL;  -- a line gave its batch back: count it below
            ELSIF NOT EXISTS (SELECT 1 FROM product_batches b
                              WHERE (b.tenant_id, b.product_id) IN
                                    (SELECT n.tenant_id, n.product_id FROM new_rows n
                                     WHERE n.status = 'held' AND n.product_id IS NOT NULL)) THEN
                RETURN NULL;
            END IF;
        ELSIF NOT EXISTS (SELECT 1 FROM product_batches b
                          WHERE (b.tenant_id, b.product_id) IN
                                (SELECT n.tenant_id, n.product_id FROM new_rows n
                                 WHERE n.status = 'held' AND n.product_id IS NOT NULL)) THEN
            RETURN NULL;
        END IF;
    END IF;
    -- What this statement changed in the live batches' counts: held lines with a batch, after
    -- less before (an UPDATE's before rows are old_rows).
    IF TG_OP = 'UPDATE' THEN
        UPDATE live_batches lb SET used = lb.used + d.delta
        FROM (SELECT o.live_id, x.batch_id, sum(x.q) AS delta
              FROM (SELECT order_id, batch_id, qty AS q FROM new_rows
                    WHERE status = 'held' AND batch_id IS NOT NULL
                    UNION ALL
                    SELECT order_id, batch_id, -qty FROM old_rows
                    WHERE status = 'held' AND batch_id IS NOT NULL) x
              CROSS JOIN LATERAL (SELECT live_id FROM orders WHERE id = x.order_id LIMIT 1) o
              GROUP BY o.live_id, x.batch_id HAVING sum(x.q) <> 0) d
        WHERE lb.live_id = d.live_id AND lb.batch_id = d.batch_id;
    ELSE
        UPDATE live_batches lb SET used = lb.used + d.delta
        FROM (SELECT o.live_id, n.batch_id, sum(n.qty) AS delta
              FROM new_rows n CROSS JOIN LATERAL (SELECT live_id FROM orders WHERE id = n.order_id LIMIT 1) o
              WHERE n.status = 'held' AND n.batch_id IS NOT NULL
              GROUP BY o.live_id, n.batch_id) d
        WHERE lb.live_id = d.live_id AND lb.batch_id = d.batch_id;
    END IF;
    -- Most statements touch no such line (and the updates below, firing this again, never
    -- leave one): nothing more to do.
    IF NOT EXISTS (SELECT 1 FROM new_rows n
                   WHERE (n.status = 'held' AND n.batch_id IS NULL AND n.product_id IS NOT NULL)
                      OR (n.status <> 'held' AND n.batch_id IS NOT NULL)) THEN
        RETURN NULL;
    END IF;
    UPDATE order_items i SET batch_id = NULL
    FROM new_rows n
    WHERE i.id = n.id AND n.status <> 'held' AND n.batch_id IS NOT NULL;
    -- A cooperative that records no batches for these products has nothing to draw from: most
    -- merges stop here instead of looking up every line's order.
    IF NOT EXISTS (SELECT 1 FROM product_batches b
                   WHERE (b.tenant_id, b.product_id) IN
                         (SELECT n.tenant_id, n.product_id FROM new_rows n
                          WHERE n.status = 'held' AND n.batch_id IS NULL)) THEN
        RETURN NULL;
    END IF;

    WITH need AS MATERIALIZED (
        SELECT n.id, n.qty, n.product_id, n.variant, o.live_id,
               sum(n.qty) OVER (PARTITION BY o.live_id, n.product_id, n.variant ORDER BY n.id)
                   - 1 AS last_unit
        FROM new_rows n CROSS JOIN LATERAL (SELECT live_id FROM orders WHERE id = n.order_id LIMIT 1) o
        WHERE n.status = 'held' AND n.batch_id IS NULL AND n.product_id IS NOT NULL
          AND o.live_id IS NOT NULL
    ), room AS MATERIALIZED (  -- once per statement, never per line
        SELECT lb.live_id, lb.product_id, lb.variant, lb.batch_id, lb.position,
               greatest(lb.quantity - lb.used, 0) AS room
        FROM live_batches lb
        WHERE (lb.live_id, lb.product_id, lb.variant) IN
              (SELECT live_id, product_id, variant FROM need)
    ), ranges AS MATERIALIZED (
        SELECT room.*, sum(room) OVER (PARTITION BY live_id, product_id, variant
                                       ORDER BY position) - room AS low
        FROM room
    )
    UPDATE order_items i SET batch_id = r.batch_id
    FROM need c
    JOIN ranges r ON r.live_id = c.live_id AND r.product_id = c.product_id
                 AND r.variant = c.variant AND c.last_unit >= r.low
                 AND c.last_unit < r.low + r.room
    WHERE i.id = c.id;

    WITH by_hand AS MATERIALIZED (  -- first the few lines outside lives, then their batches
        SELECT n.id, n.tenant_id, n.product_id, n.variant, n.qty
        FROM new_rows n CROSS JOIN LATERAL (SELECT live_id FROM orders WHERE id = n.order_id LIMIT 1) o
        WHERE n.status = 'held' AND n.batch_id IS NULL AND n.product_id IS NOT NULL
          AND o.live_id IS NULL
    ), pick AS MATERIALIZED (
        SELECT h.id, (SELECT b.id FROM product_batches b
                      WHERE b.tenant_id = h.tenant_id AND b.product_id = h.product_id
                        AND b.variant = h.variant AND chotdon_batch_left(b.id) >= h.qty
                      ORDER BY b.expires_on NULLS LAST, b.packed_on NULLS LAST, b.id
                      LIMIT 1) AS batch_id
        FROM by_hand h
    )
    UPDATE order_items i SET batch_id = pick.batch_id
    FROM pick WHERE i.id = pick.id AND pick.batch_id IS NOT NULL;
    RETURN NULL;
END
$$;
