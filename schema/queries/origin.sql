-- Origin a buyer can check: batches and certificates of products (migration 0030). Staff queries
-- take the cooperative's tenant id first; the public ones take a batch's public code and return
-- nothing about any buyer.

-- name: origin_product
SELECT id, code, name, variants, origin_name, origin_province, ocop_stars
FROM products WHERE tenant_id = $1 AND id = $2;

-- name: origin_batches
-- A product's batches, newest first, with what is left of each for a new live.
SELECT b.id, b.code, b.variant, b.public_code, b.harvested_on, b.packed_on, b.expires_on,
       b.quantity, b.place, b.note, chotdon_batch_left(b.id) AS left_qty,
       (SELECT count(*) FROM order_items i WHERE i.batch_id = b.id) AS lines
FROM product_batches b
WHERE b.tenant_id = $1 AND b.product_id = $2
ORDER BY b.created_at DESC, b.id DESC;

-- name: add_batch
INSERT INTO product_batches (tenant_id, product_id, variant, code, public_code, harvested_on,
                             packed_on, expires_on, quantity, place, note)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (tenant_id, product_id, code) DO NOTHING
RETURNING id;

-- name: origin_certificates
SELECT id, kind, number, issuer, stars, issued_on, expires_on, file_type, file_name,
       file_data IS NOT NULL AS has_file
FROM product_certificates
WHERE tenant_id = $1 AND product_id = $2
ORDER BY kind, issued_on DESC NULLS LAST, id;

-- name: add_certificate
INSERT INTO product_certificates (tenant_id, product_id, kind, number, issuer, stars, issued_on,
                                  expires_on, file_type, file_name, file_data)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING id;

-- name: public_batch
-- $1 public code. The batch, its product and cooperative: no order, no buyer.
SELECT b.id, b.tenant_id, b.product_id, b.code, b.variant, b.harvested_on, b.packed_on,
       b.expires_on, b.quantity, b.place, p.name AS product_name, p.code AS product_code,
       p.origin_name, p.origin_province, p.ocop_stars, t.name AS tenant_name
FROM product_batches b
JOIN products p ON p.id = b.product_id AND p.tenant_id = b.tenant_id
JOIN tenants t ON t.id = b.tenant_id
WHERE b.public_code = $1;

-- name: public_certificates
-- $1 tenant id, $2 product id (of a batch found by its public code).
SELECT id, kind, number, issuer, stars, issued_on, expires_on, file_data IS NOT NULL AS has_file
FROM product_certificates
WHERE tenant_id = $1 AND product_id = $2
ORDER BY kind, issued_on DESC NULLS LAST, id;

-- name: public_certificate_file
-- $1 public code of a batch, $2 certificate id: the file only when it belongs to that product.
SELECT c.file_type, c.file_name, c.file_data
FROM product_certificates c
JOIN product_batches b ON b.product_id = c.product_id AND b.tenant_id = c.tenant_id
WHERE b.public_code = $1 AND c.id = $2 AND c.file_data IS NOT NULL;

-- name: batches_of_order
-- $1 order id: the public codes of the batches its counted lines ship from, per line.
SELECT i.id AS item_id, b.public_code, b.code
FROM order_items i JOIN product_batches b ON b.id = i.batch_id
WHERE i.order_id = $1 AND i.status IN ('held', 'requested');

-- name: live_batch_stock
-- $1 tenant, $2 live: which batches each product of the live draws from.
SELECT lb.product_id, lb.variant, b.code, lb.quantity, lb.used
FROM live_batches lb JOIN product_batches b ON b.id = lb.batch_id
WHERE lb.tenant_id = $1 AND lb.live_id = $2
ORDER BY lb.product_id, lb.variant, lb.position;

-- name: batches_left_of_tenant
-- What the batches of each product (and variant) still hold for a new live: the live setup form
-- shows it beside each quantity.
SELECT product_id, variant, sum(chotdon_batch_left(id))::int AS left_qty
FROM product_batches WHERE tenant_id = $1
GROUP BY product_id, variant;

-- name: delete_certificate
-- An expired or mistaken certificate: gone from the public pages at once.
DELETE FROM product_certificates
WHERE tenant_id = $1 AND product_id = $2 AND id = $3
RETURNING id;

-- name: delete_batch
-- A batch typed by mistake, only while no live drew from it and no order line ships from it.
DELETE FROM product_batches b
WHERE b.tenant_id = $1 AND b.product_id = $2 AND b.id = $3
  AND NOT EXISTS (SELECT 1 FROM live_batches lb WHERE lb.batch_id = b.id)
  AND NOT EXISTS (SELECT 1 FROM order_items i WHERE i.batch_id = b.id)
RETURNING id;
