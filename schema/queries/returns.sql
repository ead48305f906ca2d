-- Returns and refunds (migration 0032; refunds 0024): the buyer's request from their order link,
-- staff decisions, arrival (restock or write-off), refunds. Staff queries take the tenant id
-- first; buyer queries run on the webhooks' pool behind the order link's signature.

-- name: return_order_for_buyer
-- $1 order id. The order, when it was delivered (its last move to delivered), the cooperative's
-- settings (window, sender address) and its return if one was opened.
SELECT o.id, o.tenant_id, o.order_no, o.status, o.source, o.payment_method, o.total_vnd,
       t.settings AS tenant_settings, t.name AS tenant_name, t.province AS tenant_province,
       (SELECT max(e.at) FROM order_events e
        WHERE e.order_id = o.id AND e.to_status = 'delivered') AS delivered_at,
       r.id AS return_id, r.status AS return_status, r.cause, r.decision_reason, r.send_method,
       r.pickup_courier, r.pickup_tracking, r.created_at AS return_created_at,
       f.amount_vnd AS refund_vnd, f.status AS refund_status, f.method AS refund_method
FROM orders o
JOIN tenants t ON t.id = o.tenant_id
LEFT JOIN returns r ON r.order_id = o.id
LEFT JOIN refunds f ON f.id = r.refund_id
WHERE o.id = $1;

-- name: return_lines_of_order
-- $1 order id. The delivered lines a buyer may send back (held lines of catalogue products).
SELECT i.id, i.code, i.variant, i.qty, i.unit_price_vnd, coalesce(p.name, i.code) AS name
FROM order_items i
LEFT JOIN products p ON p.id = i.product_id
WHERE i.order_id = $1 AND i.status = 'held'
ORDER BY i.queue_position, i.id;

-- name: insert_return
-- $1 tenant, $2 order, $3 cause, $4 note, $5 bank BIN, $6 account no, $7 account name. Nothing
-- when the order has a return already (one per order: a second tap finds the first).
INSERT INTO returns (tenant_id, order_id, cause, buyer_note, refund_bank_bin, refund_account_no,
                     refund_account_name)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (order_id, tenant_id) DO NOTHING
RETURNING id;

-- name: insert_return_items
-- $1 tenant, $2 return, $3 order item ids, $4 quantities.
INSERT INTO return_items (tenant_id, return_id, order_item_id, qty)
SELECT $1, $2, t.item, t.qty FROM unnest($3::bigint[], $4::integer[]) AS t(item, qty);

-- name: insert_return_photo
-- $1 tenant, $2 return, $3 content type, $4 bytes.
INSERT INTO return_photos (tenant_id, return_id, content_type, data) VALUES ($1, $2, $3, $4);

-- name: staff_returns
-- $1 tenant, $2 status or NULL for all open ones (not refused, not refunded). Newest first.
SELECT r.id, r.order_id, r.status, r.cause, r.created_at, r.send_method, o.order_no,
       coalesce(nullif(o.recipient_name, ''), b.display_name) AS buyer,
       (SELECT coalesce(sum(ri.qty * i.unit_price_vnd), 0) FROM return_items ri
        JOIN order_items i ON i.id = ri.order_item_id WHERE ri.return_id = r.id)::bigint
           AS value_vnd,
       f.amount_vnd AS refund_vnd, f.status AS refund_status
FROM returns r
JOIN orders o ON o.id = r.order_id AND o.tenant_id = r.tenant_id
JOIN buyers b ON b.id = o.buyer_id AND b.tenant_id = r.tenant_id
LEFT JOIN refunds f ON f.id = r.refund_id
WHERE r.tenant_id = $1
  AND (CASE WHEN $2::text IS NULL THEN r.status NOT IN ('refused', 'refunded')
            ELSE r.status = $2::text END)
ORDER BY r.created_at DESC, r.id DESC
LIMIT 200;

-- name: staff_return
-- $1 tenant, $2 return id. The return with its order, buyer, cooperative and refund.
SELECT r.*, o.order_no, o.status AS order_status, o.total_vnd, o.payment_method, o.live_id,
       o.recipient_name, o.recipient_phone, o.address_line, o.ward_code, o.province_code,
       coalesce(nullif(o.recipient_name, ''), b.display_name) AS buyer,
       t.name AS tenant_name, t.province AS tenant_province, t.settings AS tenant_settings,
       f.amount_vnd AS refund_vnd, f.status AS refund_status, f.method AS refund_method,
       f.settled_at AS refund_settled_at,
       (SELECT coalesce(sum(x.amount_vnd), 0) FROM refunds x
        WHERE x.order_id = r.order_id AND x.status <> 'cancelled')::bigint AS refunded_vnd,
       (SELECT array_agg(p.id ORDER BY p.id) FROM return_photos p
        WHERE p.return_id = r.id) AS photo_ids,
       (SELECT s.courier FROM shipments s WHERE s.order_id = r.order_id
        AND s.status <> 'cancelled' ORDER BY s.id DESC LIMIT 1) AS shipped_with
FROM returns r
JOIN orders o ON o.id = r.order_id AND o.tenant_id = r.tenant_id
JOIN buyers b ON b.id = o.buyer_id AND b.tenant_id = r.tenant_id
JOIN tenants t ON t.id = r.tenant_id
LEFT JOIN refunds f ON f.id = r.refund_id
WHERE r.tenant_id = $1 AND r.id = $2;

-- name: lock_return
-- $1 tenant, $2 return id. Taken first by every staff action on a return.
SELECT id, order_id, status FROM returns WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: staff_return_lines
-- $1 tenant, $2 return id. What comes back, with the product for restocking.
SELECT ri.id, ri.order_item_id, ri.qty, ri.outcome, i.product_id, i.variant, i.code,
       i.unit_price_vnd, coalesce(p.name, i.code) AS name, coalesce(p.weight_g, 0) AS weight_g,
       o.live_id, o.id AS order_id
FROM return_items ri
JOIN order_items i ON i.id = ri.order_item_id
JOIN orders o ON o.id = i.order_id
LEFT JOIN products p ON p.id = i.product_id
WHERE ri.tenant_id = $1 AND ri.return_id = $2
ORDER BY ri.id;

-- name: return_photo
-- $1 tenant, $2 return id, $3 photo id.
SELECT content_type, data FROM return_photos WHERE tenant_id = $1 AND return_id = $2 AND id = $3;

-- name: move_return
-- $1 return id, $2 target status, $3 statuses it may move from. The guarded move (state module).
UPDATE returns AS r
SET status = $2, updated_at = now()
FROM (SELECT id, status FROM returns WHERE id = $1 FOR UPDATE) AS old
WHERE r.id = old.id AND old.status = ANY($3::text[])
RETURNING r.id, r.tenant_id, r.order_id, old.status AS from_status;

-- name: set_return_decision
-- $1 return id, $2 reason, $3 staff id, $4 send method (NULL when refused).
UPDATE returns
SET decision_reason = $2, decided_by = $3, decided_at = now(), send_method = $4, updated_at = now()
WHERE id = $1;

-- name: set_return_pickup
-- $1 return id, $2 courier, $3 our client code, $4 tracking code, $5 fee.
UPDATE returns
SET pickup_courier = $2, pickup_code = $3, pickup_tracking = $4, pickup_fee_vnd = $5,
    updated_at = now()
WHERE id = $1;

-- name: set_return_received
-- $1 return id, $2 staff id.
UPDATE returns SET received_at = now(), received_by = $2, updated_at = now() WHERE id = $1;

-- name: set_return_outcomes
-- $1 return item ids, $2 outcomes (restocked / written_off).
UPDATE return_items AS ri SET outcome = t.outcome
FROM unnest($1::bigint[], $2::text[]) AS t(id, outcome)
WHERE ri.id = t.id;

-- name: restock_returned
-- $1 tenant, $2 live id, $3 product ids, $4 variants, $5 quantities. Goods back on the shelf
-- count into the stock of the live they were sold from (a running live sells them again).
INSERT INTO live_stock AS st (tenant_id, live_id, product_id, variant, quantity)
SELECT $1, $2, t.product_id, t.variant, t.qty
FROM unnest($3::bigint[], $4::text[], $5::integer[]) AS t(product_id, variant, qty)
ON CONFLICT (live_id, product_id, variant, tenant_id) DO UPDATE SET quantity = st.quantity + EXCLUDED.quantity;

-- name: insert_refund
-- $1 tenant, $2 order, $3 amount, $4 method, $5 status, $6 reason, $7 staff id. A settled refund
-- (COD not collected) is settled now, by the same person.
INSERT INTO refunds (tenant_id, order_id, amount_vnd, method, status, reason, created_by,
                     settled_at, settled_by)
VALUES ($1, $2, $3, $4, $5::text, $6, $7::bigint,
        CASE WHEN $5::text = 'settled' THEN now() END,
        CASE WHEN $5::text = 'settled' THEN $7::bigint END)
RETURNING id;

-- name: link_return_refund
-- $1 return id, $2 refund id.
UPDATE returns SET refund_id = $2, updated_at = now() WHERE id = $1;

-- name: settle_refund
-- $1 tenant, $2 refund id, $3 staff id. Owed -> settled (the transfer was sent).
UPDATE refunds SET status = 'settled', settled_at = now(), settled_by = $3
WHERE tenant_id = $1 AND id = $2 AND status = 'owed'
RETURNING id, order_id, amount_vnd;

-- name: refunds_owed
-- $1 tenant. Transfers staff still have to send.
SELECT f.id, f.amount_vnd, f.created_at, o.order_no, r.id AS return_id
FROM refunds f
JOIN orders o ON o.id = f.order_id AND o.tenant_id = f.tenant_id
LEFT JOIN returns r ON r.refund_id = f.id
WHERE f.tenant_id = $1 AND f.status = 'owed'
ORDER BY f.created_at;

-- name: return_of_order
-- $1 tenant, $2 order id. The order's return, for a link on the staff order page.
SELECT id, status FROM returns WHERE tenant_id = $1 AND order_id = $2;

-- name: return_parcel_event
-- $1 courier, $2 tracking code, $3 our client code (<order no>-TH), $4 common status, $5 at,
-- $6 the cooperative whose webhook address it came to (NULL: the installation-wide address).
-- A courier webhook about a return parcel (no shipment has its code): its latest status on the
-- return, an older event never overwriting a newer one. Nothing when no return has the code.
UPDATE returns
SET pickup_status = $4, pickup_status_at = $5,
    pickup_tracking = coalesce(pickup_tracking, $2), updated_at = now()
WHERE pickup_courier = $1 AND (pickup_tracking = $2 OR pickup_code = $3)
  AND ($6::bigint IS NULL OR tenant_id = $6)
  AND (pickup_status_at IS NULL OR pickup_status_at <= $5)
RETURNING id, tenant_id, order_id;

-- name: return_parcel_known
-- $1 courier, $2 tracking code, $3 client code, $4 cooperative or NULL. Whether a return parcel
-- has this code (a late or repeated event is still ours: answered 200, not applied).
SELECT tenant_id FROM returns
WHERE pickup_courier = $1 AND (pickup_tracking = $2 OR pickup_code = $3)
  AND ($4::bigint IS NULL OR tenant_id = $4)
LIMIT 1;
