-- The merge's statements over every live of one transaction (aggregator/orders/merge.py): each
-- reads or writes what all the group's lives need at once, keyed by arrays of session, live,
-- channel or tenant ids, so a transaction of a dozen lives costs one statement per kind, not one
-- per kind per live.

-- name: pending_counts_of_sessions
-- $1 session ids (in lock order), $2 batch size. How many comments wait in each, counted up to a
-- batch: what a transaction takes is decided before any lock is taken.
SELECT s.id,
       (SELECT count(*) FROM (SELECT 1 FROM comments c
                              WHERE c.session_id = s.id AND c.status = 'pending'
                              LIMIT $2) AS waiting) AS pending
FROM unnest($1::bigint[]) WITH ORDINALITY AS s(id, n)
ORDER BY s.n;

-- name: lock_sessions_for_merge
-- $1 session ids. lock_session_for_merge for several lives: every live's lock, in live id order
-- (the order every transaction holding several takes them, so none waits on another in a circle),
-- then the sessions with what a new order's totals need and whether the live is a rehearsal.
WITH locked AS MATERIALIZED (
    SELECT live_id, pg_advisory_xact_lock(hashtext('chotdon.merge'), live_id::int) AS locked
    FROM (SELECT DISTINCT live_id FROM live_sessions
          WHERE id = ANY($1::bigint[]) ORDER BY live_id) AS lives
)
SELECT s.id, s.tenant_id, s.channel_id, s.live_id, l.hold_mode, s.status, s.sandbox,
       tn.settings AS tenant_settings, coalesce(l.promotion, '{}'::jsonb) AS promotion
FROM locked
JOIN live_sessions s ON s.live_id = locked.live_id AND s.id = ANY($1::bigint[])
JOIN lives l ON l.id = s.live_id
JOIN tenants tn ON tn.id = s.tenant_id
ORDER BY s.live_id, s.id;

-- name: pending_comments_of_sessions
-- $1 session ids, $2 batch size: each session's oldest waiting comments, up to a batch each.
SELECT s.id AS session_id, c.id, c.author_external_id, c.author_name, c.body, c.parsed, c.phone,
       c.commented_at, c.replaced, c.removed_at
FROM unnest($1::bigint[]) AS s(id)
CROSS JOIN LATERAL (
    SELECT id, author_external_id, author_name, body, parsed, phone, commented_at, replaced,
           removed_at
    FROM comments
    WHERE session_id = s.id AND status = 'pending'
    ORDER BY id
    LIMIT $2
) AS c;

-- name: identities_of_channel_authors
-- $1 channel ids, $2 external user ids (pairs).
SELECT b.id, b.channel_id, b.external_user_id, b.buyer_id
FROM unnest($1::bigint[], $2::text[]) AS t(channel_id, ext)
JOIN buyer_identities b ON b.channel_id = t.channel_id AND b.external_user_id = t.ext;

-- name: create_buyers_with_identities_of_channels
-- create_buyers_with_identities for authors of several channels (and cooperatives): $1 tenant,
-- $2 channel, $3 external user id, $4 display name, one row each. The sequence by name (as in
-- reserve_order_ids): pg_get_serial_sequence per row cost ten times the nextval.
WITH input AS (
    SELECT nextval('buyers_id_seq') AS buyer_id, tenant_id, channel_id, ext, name
    FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[])
         AS t(tenant_id, channel_id, ext, name)
), new_buyers AS (
    -- A buyer first seen on a sandbox channel (rehearsals) is a sandbox buyer.
    INSERT INTO buyers (id, tenant_id, display_name, sandbox)
    SELECT i.buyer_id, i.tenant_id, i.name, coalesce((c.settings ->> 'sandbox')::boolean, false)
    FROM input i LEFT JOIN channels c ON c.id = i.channel_id
)
INSERT INTO buyer_identities (tenant_id, buyer_id, channel_id, external_user_id, display_name)
SELECT tenant_id, buyer_id, channel_id, ext, name FROM input
ON CONFLICT (channel_id, external_user_id, tenant_id) DO NOTHING
RETURNING id, channel_id, external_user_id, buyer_id;

-- name: buyers_by_scoped_phones
-- $1 tenant, $2 sandbox, $3 phone (triples): the buyers owning these phones, each matched within
-- its cooperative and its side of the sandbox boundary (a rehearsal's phones match only sandbox
-- buyers, a real live's only real ones), for several cooperatives at once.
SELECT b.tenant_id, b.sandbox, b.phone, b.id
FROM unnest($1::bigint[], $2::boolean[], $3::text[]) AS t(tenant_id, sandbox, phone)
JOIN buyers b ON b.tenant_id = t.tenant_id AND b.sandbox = t.sandbox AND b.phone = t.phone;

-- name: lock_scoped_phones
-- $1 tenant, $2 phone (pairs). Two merges claiming the same new phone at once take turns; the
-- locks are taken in one fixed order, so they cannot deadlock.
SELECT pg_advisory_xact_lock(hashtext('chotdon.phone'), hashtext(tenant_id::text || ':' || p))
FROM (SELECT DISTINCT tenant_id, p FROM unnest($1::bigint[], $2::text[]) AS t(tenant_id, p)
      ORDER BY tenant_id, p) AS sorted;

-- name: open_orders_of_buyers_in_lives
-- open_orders_of_buyers for several lives: $1 live, $2 buyer, $3 identity (triples, one per
-- identity). Open comment orders of these buyers in their live, or opened by these identities
-- (on the live's session of the identity's channel). Each triple probes the two partial indexes
-- of open orders (a join on the arrays would be planned as a scan of every order).
SELECT DISTINCT o.live_id, o.id, o.buyer_identity_id, o.buyer_id, o.status, o.paid_at
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS t(live_id, buyer_id, identity_id)
CROSS JOIN LATERAL (
    SELECT o.id FROM orders o
    WHERE o.live_id = t.live_id AND o.buyer_id = t.buyer_id AND o.live_id IS NOT NULL
      AND o.status IN ('draft', 'awaiting_confirmation', 'confirmed') AND o.source <> 'platform'
    UNION ALL
    SELECT o.id FROM live_sessions s JOIN orders o ON o.session_id = s.id
    WHERE s.live_id = t.live_id AND o.buyer_identity_id = t.identity_id
      AND o.session_id IS NOT NULL
      AND o.status IN ('draft', 'awaiting_confirmation', 'confirmed') AND o.source <> 'platform'
) AS found
JOIN orders o ON o.id = found.id
ORDER BY o.live_id, o.id;

-- name: recent_comments_of_session_authors
-- $1 session, $2 its channel, $3 author (triples), $4 since: what these buyers already wrote in
-- their live, for the repeat rule; each author probes comments_author_idx.
SELECT t.session_id, c.author_external_id, c.body, c.commented_at
FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS t(session_id, channel_id, author)
CROSS JOIN LATERAL (
    SELECT c.author_external_id, c.body, c.commented_at FROM comments c
    WHERE c.channel_id = t.channel_id AND c.author_external_id = t.author
      AND c.commented_at > $4 AND c.session_id = t.session_id AND c.status = 'processed'
) AS c;

-- name: buyer_history_in_lives
-- (live, buyer) pairs $1, $2: everything these buyers wrote in their live that still stands
-- (merged or waiting), on every channel of it, oldest first: what a revision recomputes their
-- lines from.
SELECT s.live_id, bi.buyer_id, c.id, c.body, c.parsed, c.commented_at
FROM unnest($1::bigint[], $2::bigint[]) AS t(live_id, buyer_id)
JOIN live_sessions s ON s.live_id = t.live_id
JOIN comments c ON c.session_id = s.id
JOIN buyer_identities bi ON bi.channel_id = c.channel_id
                        AND bi.external_user_id = c.author_external_id
                        AND bi.buyer_id = t.buyer_id
WHERE c.status IN ('pending', 'processed') AND c.removed_at IS NULL
ORDER BY c.commented_at, c.id;

-- name: products_by_tenant_code
-- products_by_code for (tenant, code) pairs $1, $2.
SELECT p.id, p.tenant_id, p.code, p.price_vnd,
       (SELECT coalesce(jsonb_object_agg(v.name, v.price_vnd), '{}'::jsonb)
        FROM product_variants v WHERE v.product_id = p.id AND v.price_vnd IS NOT NULL)
           AS variant_prices
FROM unnest($1::bigint[], $2::text[]) AS t(tenant_id, code)
JOIN products p ON p.tenant_id = t.tenant_id AND p.code = t.code;

-- name: create_orders_of_lives
-- The merge's new orders of every live of the transaction ($1 cooperative, $2 session of each),
-- ids reserved and totals computed from the lines they are created with: written once, each with
-- its 'created' audit row. An UPDATE of a row inserted in the same transaction re-runs every
-- foreign-key check of the row (tenant, session, live, buyer, identity), which cost more than
-- the insert.
WITH created AS (
    INSERT INTO orders (id, tenant_id, session_id, buyer_id, buyer_identity_id, source, status,
                        confirm_deadline, subtotal_vnd, discount_vnd, free_shipping, total_vnd,
                        shipping_vnd)
    SELECT id, tenant_id, session_id, buyer_id, identity_id, $5, $7,
           now() + make_interval(secs => $6), subtotal, discount, free, total, shipping
    FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $10::bigint[],
                $11::bigint[], $12::bigint[], $13::boolean[], $14::bigint[], $15::bigint[])
         AS t(tenant_id, session_id, buyer_id, identity_id, id, subtotal, discount, free, total,
              shipping)
    RETURNING id, tenant_id
), audited AS (
    INSERT INTO order_events (tenant_id, order_id, actor, kind, to_status, reason)
    SELECT tenant_id, id, $8, 'created', $7, $9 FROM created
)
SELECT id FROM created;

-- name: insert_order_items_of_tenants
-- insert_order_items with each line's cooperative.
INSERT INTO order_items (tenant_id, order_id, product_id, code, variant, qty, unit_price_vnd,
                         status, source_comment_id, queue_position)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::int[],
                     $7::bigint[], $8::text[], $9::bigint[], $10::bigint[]);

-- name: lock_stock_rows_of_lives
-- lock_stock_rows for (live, product, variant) triples, in one order: live, product, variant.
SELECT s.live_id, s.product_id, s.variant, s.quantity, s.reserved
FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS t(live_id, product_id, variant)
JOIN LATERAL (
    SELECT * FROM live_stock s
    WHERE s.live_id = t.live_id AND s.product_id = t.product_id AND s.variant = t.variant
) AS s ON true
ORDER BY s.live_id, s.product_id, s.variant
FOR UPDATE OF s;

-- name: keys_with_waitlist_of_lives
-- keys_with_waitlist for (live, product, variant) triples: each probes order_items_waitlist_idx.
SELECT t.live_id, t.product_id, t.variant
FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS t(live_id, product_id, variant)
WHERE EXISTS (
    SELECT 1 FROM order_items i JOIN orders o ON o.id = i.order_id JOIN lives l ON l.id = o.live_id
    WHERE i.product_id = t.product_id AND i.variant = t.variant AND i.status = 'waitlisted'
      AND o.live_id = t.live_id AND (l.hold_mode <> 'first_payment' OR o.paid_at IS NOT NULL)
      AND o.status IN ('draft', 'awaiting_confirmation', 'confirmed')
);

-- name: adjust_reserved_of_lives
-- adjust_reserved for (live, product, variant, delta) rows.
UPDATE live_stock AS s
SET reserved = s.reserved + d.delta
FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::int[])
     AS d(live_id, product_id, variant, delta)
WHERE s.live_id = d.live_id AND s.product_id = d.product_id AND s.variant = d.variant;

-- name: waitlists_of_keys
-- $1 live, $2 product, $3 variant, $4 lines at most (quadruples): each key's waitlisted lines,
-- whatever channel they came from, in queue order (queue_position is the comment id: one order
-- across channels), locked key by key, the head of each queue only: a line is 1 or more, so no
-- more lines than the key's free stock can be promoted, and the caller asks for keys with some
-- free only. order_items_waitlist_idx holds a product's lines of EVERY live selling it, in queue
-- order: reading a whole queue walked every live's lines of the product (600 for 30 of this
-- live, 49,000 buffers for a round's 20 keys, with 20 lives on one catalogue), twice a merge
-- round. Ordered by queue_position alone, as the index is, the walk stops at the limit; with an
-- id to break ties (two lines of one key and live never share a comment) the planner sorted the
-- whole queue first whenever its statistics saw few waitlisted lines (7x the buffers).
-- first_payment: paid orders only. Only orders not yet packing are in line: a parcel
-- being packed or gone cannot take stock, and its waitlisted line at the head of the queue held
-- back every buyer behind it for good (the chaos run: a returned order's line of 3 ahead of a
-- paid order's line of 1, with 2 free).
SELECT t.live_id, t.product_id, t.variant, w.id, w.qty, w.order_id
FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::int[])
     WITH ORDINALITY AS t(live_id, product_id, variant, lines, n)
CROSS JOIN LATERAL (
    SELECT i.id, i.qty, i.order_id, i.queue_position
    FROM order_items i JOIN orders o ON o.id = i.order_id JOIN lives l ON l.id = o.live_id
    WHERE o.live_id = t.live_id AND i.product_id = t.product_id AND i.variant = t.variant
      AND i.status = 'waitlisted' AND (l.hold_mode <> 'first_payment' OR o.paid_at IS NOT NULL)
      AND o.status IN ('draft', 'awaiting_confirmation', 'confirmed')
    ORDER BY i.queue_position  -- the index's own order: the walk stops at the limit, unsorted
    LIMIT t.lines
    FOR UPDATE OF i
) AS w
ORDER BY t.n, w.queue_position, w.id;
