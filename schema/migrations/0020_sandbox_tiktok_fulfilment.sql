-- Rehearsals and replays run in a sandbox that real work never sees.
-- live_sessions.sandbox: a rehearsal or replay live. Its orders stay out of the staff queue,
-- packing, slips, the dashboard, reports, tax exports and risk counts (every such query says
-- `NOT chotdon_sandbox(o.session_id)`), nothing is sent to a buyer about them, and no courier
-- is booked for them.
ALTER TABLE live_sessions ADD COLUMN sandbox boolean NOT NULL DEFAULT false;
CREATE INDEX live_sessions_sandbox_idx ON live_sessions (id) WHERE sandbox;

-- buyers.sandbox: a buyer made by a sandbox live. Phone numbers link buyers only on their own
-- side of the boundary, so a replayed phone never joins a rehearsal identity to a real buyer:
-- the same phone may have one real buyer and one sandbox buyer.
ALTER TABLE buyers ADD COLUMN sandbox boolean NOT NULL DEFAULT false;
DROP INDEX buyers_phone_key;
CREATE UNIQUE INDEX buyers_phone_key ON buyers (tenant_id, sandbox, phone) WHERE phone IS NOT NULL;

-- True for an order (or comment) of a sandbox live; false for real lives and for orders with
-- no live (manual, imported).
CREATE FUNCTION chotdon_sandbox(session_id bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT s.sandbox FROM live_sessions s WHERE s.id = session_id), false)
$$;

-- Rehearsals made before this migration: their channels, and the lives on them, flagged and ended.
UPDATE channels SET settings = settings || '{"sandbox": true}'::jsonb
WHERE platform = 'manual' AND external_id LIKE 'rehearsal-%';
UPDATE live_sessions s
SET sandbox = true,
    status = 'ended',
    ended_at = coalesce(s.ended_at, now())
FROM channels c
WHERE c.id = s.channel_id AND c.platform = 'manual' AND c.external_id LIKE 'rehearsal-%';
-- Their buyers that appear nowhere else become sandbox buyers too.
UPDATE buyers b SET sandbox = true
WHERE EXISTS (SELECT 1 FROM buyer_identities bi WHERE bi.buyer_id = b.id)
  AND NOT EXISTS (
    SELECT 1 FROM buyer_identities bi JOIN channels c ON c.id = bi.channel_id
    WHERE bi.buyer_id = b.id AND NOT (c.platform = 'manual' AND c.external_id LIKE 'rehearsal-%'));

-- TikTok Shop orders that ship with TikTok's logistics (order detail `shipping_type` TIKTOK):
-- chotdon never books a parcel of its own couriers for them. When the packer has packed one,
-- chotdon arranges its shipment through TikTok's Fulfillment API (Ship Package) and keeps TikTok's
-- label (Get Package Shipping Document: its URL expires, so the PDF is stored) for the packer to
-- print. One row per order. `ship_requested_at` is committed before Ship Package is called, so a
-- retry whose first call's answer was lost reads the order's status at TikTok first, and a
-- package is never arranged twice.
CREATE TABLE tiktok_fulfilments (
    order_id            bigint PRIMARY KEY REFERENCES orders(id),
    tenant_id           bigint NOT NULL REFERENCES tenants(id),
    channel_id          bigint NOT NULL REFERENCES channels(id),
    external_order_id   text NOT NULL,
    package_id          text,
    ship_requested_at   timestamptz,
    arranged_at         timestamptz,
    tracking_number     text,
    label_pdf           bytea,
    label_at            timestamptz,
    attempts            integer NOT NULL DEFAULT 0,
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tiktok_fulfilments_unfinished_idx ON tiktok_fulfilments (updated_at)
    WHERE label_at IS NULL;
CREATE INDEX tiktok_fulfilments_tenant_idx ON tiktok_fulfilments (tenant_id);
SELECT chotdon_tenant_wall('tiktok_fulfilments');

-- True for an order TikTok ships (a TikTok Shop order whose shipping_type is not SELLER).
CREATE FUNCTION chotdon_platform_ships(order_id bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT EXISTS (
        SELECT 1 FROM platform_orders po JOIN channels c ON c.id = po.channel_id
        WHERE po.order_id = chotdon_platform_ships.order_id AND c.platform = 'tiktok'
          AND upper(coalesce(po.payload ->> 'shipping_type', 'TIKTOK')) <> 'SELLER')
$$;
CREATE INDEX platform_orders_order_idx ON platform_orders (order_id) WHERE order_id IS NOT NULL;
