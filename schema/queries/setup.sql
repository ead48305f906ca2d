-- The director's catalogue and live setup pages. $1 is always the director's tenant id: a row of
-- another cooperative is never read or changed, whatever id the URL names.

-- name: setup_products
SELECT p.id, p.code, p.name, p.aliases, p.variants, p.price_vnd, p.weight_g, p.origin_name,
       p.origin_province, p.ocop_stars, p.certificate_no, p.active,
       EXISTS (SELECT 1 FROM product_photos f WHERE f.product_id = p.id) AS has_photo,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'name', v.name, 'price_vnd', v.price_vnd, 'weight_g', v.weight_g)
               ORDER BY v.position), '[]'::jsonb)
        FROM product_variants v WHERE v.product_id = p.id) AS variant_details
FROM products p
WHERE p.tenant_id = $1
ORDER BY p.active DESC, p.code;

-- name: setup_product
SELECT p.id, p.code, p.name, p.aliases, p.variants, p.price_vnd, p.weight_g, p.origin_name,
       p.origin_province, p.ocop_stars, p.certificate_no, p.active,
       EXISTS (SELECT 1 FROM product_photos f WHERE f.product_id = p.id) AS has_photo,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'name', v.name, 'price_vnd', v.price_vnd, 'weight_g', v.weight_g)
               ORDER BY v.position), '[]'::jsonb)
        FROM product_variants v WHERE v.product_id = p.id) AS variant_details
FROM products p
WHERE p.tenant_id = $1 AND p.id = $2;

-- name: setup_product_aliases
-- Aliases of the cooperative's products on sale, to refuse one a second product would share.
SELECT code, aliases FROM products WHERE tenant_id = $1 AND active;

-- name: setup_upsert_product
-- $2 code, $3 name, $4 aliases, $5 variants, $6 price, $7 weight, $8 origin name,
-- $9 origin province, $10 OCOP stars, $11 certificate. (xmax = 0) marks a new product.
INSERT INTO products (tenant_id, code, name, aliases, variants, price_vnd, weight_g, origin_name,
                      origin_province, ocop_stars, certificate_no)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (tenant_id, code) DO UPDATE
SET name = excluded.name, aliases = excluded.aliases, variants = excluded.variants,
    price_vnd = excluded.price_vnd, weight_g = excluded.weight_g,
    origin_name = excluded.origin_name, origin_province = excluded.origin_province,
    ocop_stars = excluded.ocop_stars, certificate_no = excluded.certificate_no
RETURNING id, (xmax = 0) AS inserted;

-- name: setup_update_product
-- $2 product id; $3.. as setup_upsert_product's $2.., then $13 active.
UPDATE products
SET code = $3, name = $4, aliases = $5, variants = $6, price_vnd = $7, weight_g = $8,
    origin_name = $9, origin_province = $10, ocop_stars = $11, certificate_no = $12, active = $13
WHERE tenant_id = $1 AND id = $2
RETURNING id;

-- name: setup_save_variant_details
-- $2 product id; $3 names, $4 prices (NULL: the product's), $5 weights (NULL: the product's).
-- The rows exist: products_variants_sync made them when the names were written.
UPDATE product_variants AS v
SET price_vnd = t.price_vnd, weight_g = t.weight_g
FROM unnest($3::text[], $4::bigint[], $5::int[]) AS t(name, price_vnd, weight_g)
WHERE v.tenant_id = $1 AND v.product_id = $2 AND v.name = t.name;

-- name: setup_code_taken
SELECT id FROM products WHERE tenant_id = $1 AND code = $2;

-- name: setup_save_photo
-- $2 product id, $3 content type (from the image's bytes), $4 the image.
INSERT INTO product_photos (product_id, tenant_id, content_type, data)
SELECT p.id, p.tenant_id, $3, $4 FROM products p WHERE p.tenant_id = $1 AND p.id = $2
ON CONFLICT (product_id, tenant_id) DO UPDATE
SET content_type = excluded.content_type, data = excluded.data, updated_at = now()
RETURNING product_id;

-- name: setup_photo
SELECT content_type, data, updated_at FROM product_photos WHERE tenant_id = $1 AND product_id = $2;

-- name: setup_channel_owner
-- Which cooperative already holds this Page / shop / OA, if any.
SELECT tenant_id FROM channels WHERE platform = $1 AND external_id = $2;

-- name: setup_keyword_templates
SELECT id, name, keywords FROM keyword_templates WHERE tenant_id = $1 ORDER BY name;

-- name: setup_save_keyword_template
INSERT INTO keyword_templates (tenant_id, name, keywords) VALUES ($1, $2, $3)
ON CONFLICT (tenant_id, name) DO UPDATE SET keywords = excluded.keywords
RETURNING id;

-- name: setup_templates_by_id
SELECT keywords FROM keyword_templates WHERE tenant_id = $1 AND id = ANY($2::bigint[]) ORDER BY id;

-- name: setup_lives
-- A live once, with its channels (platform and name of each), newest on air first. The Zalo OA's
-- standing chat (orders by message outside any live) is not a live the director runs.
SELECT l.id, l.title, l.status, l.hold_mode, l.started_at, l.ended_at, l.promotion, l.keywords,
       ch.channels,
       (SELECT count(*) FROM orders o WHERE o.live_id = l.id) AS orders
FROM lives l
CROSS JOIN LATERAL (
    SELECT jsonb_agg(DISTINCT jsonb_build_object('platform', c.platform, 'name', c.name))
               AS channels
    FROM live_sessions s JOIN channels c ON c.id = s.channel_id
    WHERE s.live_id = l.id AND s.external_live_id <> 'zalo-chat'
) AS ch
WHERE l.tenant_id = $1 AND ch.channels IS NOT NULL
ORDER BY (l.status = 'live') DESC, l.started_at DESC NULLS LAST, l.id DESC
LIMIT 50;

-- name: setup_live
SELECT l.id, l.title, l.status, l.hold_mode, l.started_at, l.ended_at, l.promotion, l.keywords
FROM lives l
WHERE l.tenant_id = $1 AND l.id = $2;

-- name: setup_live_sessions
-- $2 live id. The channels it runs on: one row per (channel, platform live).
SELECT s.id, s.external_live_id, s.status, c.platform, c.name AS channel_name
FROM live_sessions s JOIN channels c ON c.id = s.channel_id
WHERE s.tenant_id = $1 AND s.live_id = $2
ORDER BY c.platform, c.name, s.id;

-- name: setup_live_stock
SELECT st.product_id, p.code, p.name, st.variant, st.quantity, st.reserved,
       coalesce(st.price_vnd, v.price_vnd, p.price_vnd) AS price_vnd,
       (SELECT string_agg(b.code || ': ' || lb.quantity, ', ' ORDER BY lb.position)
        FROM live_batches lb JOIN product_batches b ON b.id = lb.batch_id
        WHERE lb.live_id = st.live_id AND lb.product_id = st.product_id
          AND lb.variant = st.variant AND lb.quantity > 0) AS batches
FROM live_stock st
JOIN products p ON p.id = st.product_id
LEFT JOIN product_variants v ON v.product_id = st.product_id AND v.name = st.variant
WHERE st.tenant_id = $1 AND st.live_id = $2
ORDER BY p.code, st.variant;

-- name: setup_create_live
-- $2 title, $3 hold mode, $4 promotion, $5 keywords: the broadcast, on air from now.
INSERT INTO lives (tenant_id, title, status, hold_mode, promotion, keywords, started_at)
VALUES ($1, $2, 'live', $3, $4, $5, now())
RETURNING id;

-- name: setup_start_live
-- $2 channel id (only an active channel of this cooperative), $3 platform live id, $4 title,
-- $5 live id. NULL when the channel is not this cooperative's.
INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, title, status, started_at,
                           live_id)
SELECT c.tenant_id, c.id, $3, $4, 'live', now(), $5
FROM channels c
WHERE c.tenant_id = $1 AND c.id = $2 AND c.status = 'active'
ON CONFLICT (channel_id, external_live_id, tenant_id) DO NOTHING
RETURNING id;

-- name: setup_live_id_taken
SELECT 1 FROM live_sessions WHERE channel_id = $1 AND external_live_id = $2;

-- name: setup_product_variants
SELECT id, variants FROM products WHERE tenant_id = $1;

-- name: setup_insert_stock
-- $2 live id: one pool for all its channels; products only from this cooperative's catalogue.
INSERT INTO live_stock (tenant_id, live_id, product_id, variant, quantity)
SELECT p.tenant_id, $2, p.id, t.variant, t.quantity
FROM unnest($3::bigint[], $4::text[], $5::int[]) AS t(product_id, variant, quantity)
JOIN products p ON p.id = t.product_id AND p.tenant_id = $1;

-- name: setup_stop_live
UPDATE lives SET status = 'ended', ended_at = now()
WHERE tenant_id = $1 AND id = $2 AND status <> 'ended'
RETURNING id;

-- name: setup_stop_live_sessions
-- $2 live id: every channel of it goes off air with it.
UPDATE live_sessions SET status = 'ended', ended_at = coalesce(ended_at, now())
WHERE tenant_id = $1 AND live_id = $2 AND status <> 'ended';

-- name: lock_live_for_setup
-- $1 live id, read after lock_live: its cooperative and whether it is over.
SELECT id, tenant_id, status FROM lives WHERE id = $1;

-- name: setup_set_promotion
UPDATE lives SET promotion = $3 WHERE tenant_id = $1 AND id = $2 RETURNING id;

-- name: setup_unconfirmed_orders_of_live
-- Orders the buyer has not confirmed yet: a changed promotion changes their total. Confirmed
-- ones keep the total the buyer agreed to.
SELECT id FROM orders
WHERE tenant_id = $1 AND live_id = $2 AND status IN ('draft', 'awaiting_confirmation')
ORDER BY id
FOR UPDATE;

-- name: setup_lock_channel
-- $1 tenant, $2 channel. NULL for another cooperative's channel; live: a live is on air on it.
SELECT c.id,
       EXISTS (SELECT 1 FROM live_sessions s WHERE s.channel_id = c.id AND s.status = 'live') AS live
FROM channels c WHERE c.tenant_id = $1 AND c.id = $2
FOR UPDATE OF c;

-- name: setup_disable_channel
-- The director disconnects it: the stored token or secret is erased (a leaked or departed
-- staff member's token is no longer held); connecting again with the same id reactivates it.
UPDATE channels
SET status = 'disabled', status_reason = $3, credentials_encrypted = NULL
WHERE tenant_id = $1 AND id = $2;
