-- Origin a buyer can check (issue 23 item 3): product batches and certificates, a live's stock
-- drawn from batches, and the batch each order line ships from. Tax (item 2) needs no table of
-- its own: it reads orders, channels and refunds (0024); the e-invoice seller details live in
-- tenants.settings ('einvoice').

-- One harvest or production run of a product (and variant, '' when none, as in live_stock).
-- public_code is what the slip's QR and the buyer page carry: random, unguessable, it opens the
-- public origin page of this batch and nothing else.
CREATE TABLE product_batches (
    id            bigserial PRIMARY KEY,
    tenant_id     bigint NOT NULL REFERENCES tenants(id),
    product_id    bigint NOT NULL REFERENCES products(id),
    variant       text NOT NULL DEFAULT '',
    code          text NOT NULL,
    public_code   text NOT NULL UNIQUE,
    harvested_on  date,
    packed_on     date,
    expires_on    date,
    quantity      integer NOT NULL CHECK (quantity > 0),
    place         text NOT NULL DEFAULT '',
    note          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, product_id, code),
    CHECK (packed_on IS NULL OR harvested_on IS NULL OR packed_on >= harvested_on),
    CHECK (expires_on IS NULL OR packed_on IS NULL OR expires_on >= packed_on)
);
CREATE INDEX product_batches_product_idx ON product_batches (tenant_id, product_id, variant);
SELECT chotdon_tenant_wall('product_batches');

-- Certificates of a product: OCOP stars, VietGAP, organic (TCVN 11041), other; the scanned
-- certificate itself is kept in Postgres like product photos (no file paths).
CREATE TABLE product_certificates (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    product_id  bigint NOT NULL REFERENCES products(id),
    kind        text NOT NULL CHECK (kind IN ('ocop', 'vietgap', 'organic', 'other')),
    number      text NOT NULL,
    issuer      text NOT NULL DEFAULT '',
    stars       smallint CHECK (stars BETWEEN 3 AND 5),
    issued_on   date,
    expires_on  date,
    file_type   text,
    file_name   text,
    file_data   bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'ocop') = (stars IS NOT NULL)),
    CHECK ((file_data IS NULL) = (file_type IS NULL))
);
CREATE INDEX product_certificates_product_idx ON product_certificates (tenant_id, product_id);
SELECT chotdon_tenant_wall('product_certificates');

-- How much of a batch a live offers (its live_stock quantity is drawn from these rows) and how
-- much of it the live's held lines take (`used`, kept by the statement triggers below: one update
-- per batch per statement, never one per order line, which would bloat the merge's hot path).
CREATE TABLE live_batches (
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    live_id     bigint NOT NULL REFERENCES lives(id),
    batch_id    bigint NOT NULL REFERENCES product_batches(id),
    product_id  bigint NOT NULL REFERENCES products(id),
    variant     text NOT NULL DEFAULT '',
    position    integer NOT NULL,
    quantity    integer NOT NULL CHECK (quantity >= 0),
    used        integer NOT NULL DEFAULT 0,
    PRIMARY KEY (live_id, batch_id)
);
CREATE INDEX live_batches_stock_idx ON live_batches (live_id, product_id, variant, position);
SELECT chotdon_tenant_wall('live_batches');

ALTER TABLE order_items ADD COLUMN batch_id bigint REFERENCES product_batches(id);
CREATE INDEX order_items_batch_idx ON order_items (batch_id) WHERE batch_id IS NOT NULL;

-- What the held lines of one live take from one batch, counted from the lines themselves (the
-- tests compare it with live_batches.used).
CREATE FUNCTION chotdon_live_batch_used(p_live bigint, p_batch bigint) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(i.qty), 0)::integer
    FROM order_items i JOIN orders o ON o.id = i.order_id
    WHERE i.batch_id = p_batch AND i.status = 'held' AND o.live_id = p_live
$$;

-- What is left of a batch for a new live: its quantity less what lives on air offer from it and
-- what ended lives (or orders outside lives) sold from it.
CREATE FUNCTION chotdon_batch_left(p_batch bigint) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT b.quantity
           - coalesce((SELECT sum(CASE WHEN l.status = 'ended'
                                       THEN lb.used ELSE lb.quantity END)
                       FROM live_batches lb JOIN lives l ON l.id = lb.live_id
                       WHERE lb.batch_id = b.id), 0)::integer
           - coalesce((SELECT sum(i.qty) FROM order_items i JOIN orders o ON o.id = i.order_id
                       WHERE i.batch_id = b.id AND o.live_id IS NULL
                         AND i.status IN ('held', 'requested')), 0)::integer
    FROM product_batches b WHERE b.id = p_batch
$$;

-- A live's stock row draws from the product's batches, oldest expiry (then packing) first, up to
-- its quantity; raising the quantity draws more, lowering it gives back what no line holds, last
-- batch first. A product without batches keeps a plain quantity (lines then carry no batch), and
-- so does a rehearsal's live. Quantity beyond what the batches hold is offered without a batch.
CREATE FUNCTION chotdon_live_stock_batches() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    have integer;
    need integer;
    b record;
    take integer;
BEGIN
    IF chotdon_live_sandbox(NEW.live_id) THEN
        RETURN NULL;  -- a rehearsal sells nothing: it takes nothing from the batches
    END IF;
    SELECT coalesce(sum(quantity), 0) INTO have FROM live_batches
    WHERE live_id = NEW.live_id AND product_id = NEW.product_id AND variant = NEW.variant;
    need := NEW.quantity - have;
    IF need > 0 THEN
        FOR b IN SELECT pb.id
                 FROM product_batches pb
                 WHERE pb.tenant_id = NEW.tenant_id AND pb.product_id = NEW.product_id
                   AND pb.variant = NEW.variant
                 ORDER BY pb.expires_on NULLS LAST, pb.packed_on NULLS LAST, pb.id
                 FOR UPDATE OF pb  -- two lives starting at once never draw the same units
        LOOP
            EXIT WHEN need <= 0;
            take := least(need, chotdon_batch_left(b.id));  -- read after the lock, fresh
            CONTINUE WHEN take <= 0;
            INSERT INTO live_batches (tenant_id, live_id, batch_id, product_id, variant,
                                      position, quantity)
            VALUES (NEW.tenant_id, NEW.live_id, b.id, NEW.product_id, NEW.variant,
                    (SELECT coalesce(max(position), 0) + 1 FROM live_batches
                     WHERE live_id = NEW.live_id), take)
            ON CONFLICT (live_id, batch_id)
            DO UPDATE SET quantity = live_batches.quantity + EXCLUDED.quantity;
            need := need - take;
        END LOOP;
    ELSIF need < 0 THEN
        FOR b IN SELECT batch_id, quantity - used AS spare FROM live_batches
                 WHERE live_id = NEW.live_id AND product_id = NEW.product_id
                   AND variant = NEW.variant
                 ORDER BY position DESC
        LOOP
            EXIT WHEN need >= 0;
            take := least(-need, b.spare);
            CONTINUE WHEN take <= 0;
            UPDATE live_batches SET quantity = quantity - take
            WHERE live_id = NEW.live_id AND batch_id = b.batch_id;
            need := need + take;
        END LOOP;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER live_stock_batches AFTER INSERT OR UPDATE OF quantity ON live_stock
FOR EACH ROW EXECUTE FUNCTION chotdon_live_stock_batches();

-- Each order line records its batch when it comes to hold stock, set-based once per statement
-- (a merge writes its lines in batches): the lines of one live, product and variant that need a
-- batch, in id order, fill the live's batches in the order they were drawn, each batch up to what
-- it offers less what held lines already take. A line goes whole to the batch its last unit falls
-- in (so a line never takes a batch short; a small line after it may still fill the earlier
-- batch's tail); past the batches' total it stays without one. A line of an order outside any live (typed by
-- hand) takes the first batch, earliest expiry, with enough left. A line that stops holding
-- (removed, waitlisted, cancelled) forgets its batch, which frees its room. The second UPDATE
-- below fires this again; it then finds nothing to do.
CREATE FUNCTION chotdon_order_items_batches() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
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
              JOIN orders o ON o.id = x.order_id
              GROUP BY o.live_id, x.batch_id HAVING sum(x.q) <> 0) d
        WHERE lb.live_id = d.live_id AND lb.batch_id = d.batch_id;
    ELSE
        UPDATE live_batches lb SET used = lb.used + d.delta
        FROM (SELECT o.live_id, n.batch_id, sum(n.qty) AS delta
              FROM new_rows n JOIN orders o ON o.id = n.order_id
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

    WITH need AS MATERIALIZED (
        SELECT n.id, n.qty, n.product_id, n.variant, o.live_id,
               sum(n.qty) OVER (PARTITION BY o.live_id, n.product_id, n.variant ORDER BY n.id)
                   - 1 AS last_unit
        FROM new_rows n JOIN orders o ON o.id = n.order_id
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
        FROM new_rows n JOIN orders o ON o.id = n.order_id
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
CREATE TRIGGER order_items_batches_insert AFTER INSERT ON order_items
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION chotdon_order_items_batches();
CREATE TRIGGER order_items_batches_update AFTER UPDATE ON order_items
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION chotdon_order_items_batches();

-- Lines deleted (an erased buyer's orders) give their room back.
CREATE FUNCTION chotdon_order_items_batches_gone() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE live_batches lb SET used = lb.used - d.qty
    FROM (SELECT o.live_id, r.batch_id, sum(r.qty) AS qty
          FROM old_rows r JOIN orders o ON o.id = r.order_id
          WHERE r.status = 'held' AND r.batch_id IS NOT NULL
          GROUP BY o.live_id, r.batch_id) d
    WHERE lb.live_id = d.live_id AND lb.batch_id = d.batch_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER order_items_batches_delete AFTER DELETE ON order_items
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION chotdon_order_items_batches_gone();
