-- chotdon data model, version 1.
-- Every tenant-owned row carries tenant_id (leading in indexes, so a tenant-sharded Postgres can
-- take over later). Money is integer VND (bigint). Times are timestamptz.

CREATE TABLE tenants (
    id          bigserial PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL,
    province    text,
    settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff (
    id             bigserial PRIMARY KEY,
    tenant_id      bigint NOT NULL REFERENCES tenants(id),
    login          text NOT NULL,
    display_name   text NOT NULL,
    role           text NOT NULL CHECK (role IN ('director', 'staff', 'packer')),
    password_hash  text NOT NULL,
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX staff_login_key ON staff (lower(login));
CREATE INDEX staff_tenant_idx ON staff (tenant_id);

-- A connected Facebook Page, TikTok shop, Zalo OA, relay source or manual desk.
CREATE TABLE channels (
    id                     bigserial PRIMARY KEY,
    tenant_id              bigint NOT NULL REFERENCES tenants(id),
    platform               text NOT NULL CHECK (platform IN ('facebook', 'tiktok', 'zalo', 'relay', 'manual')),
    external_id            text NOT NULL,
    name                   text NOT NULL,
    credentials_encrypted  bytea,
    settings               jsonb NOT NULL DEFAULT '{}'::jsonb,
    status                 text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disconnected', 'disabled')),
    created_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (platform, external_id)
);
CREATE INDEX channels_tenant_idx ON channels (tenant_id);

CREATE TABLE products (
    id              bigserial PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES tenants(id),
    code            text NOT NULL,
    name            text NOT NULL,
    aliases         text[] NOT NULL DEFAULT '{}',
    variants        text[] NOT NULL DEFAULT '{}',
    price_vnd       bigint NOT NULL CHECK (price_vnd >= 0),
    weight_g        integer NOT NULL DEFAULT 0 CHECK (weight_g >= 0),
    origin_name     text,
    origin_province text,
    ocop_stars      smallint CHECK (ocop_stars BETWEEN 3 AND 5),
    certificate_no  text,
    photo_path      text,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, code)
);

CREATE TABLE live_sessions (
    id                bigserial PRIMARY KEY,
    tenant_id         bigint NOT NULL REFERENCES tenants(id),
    channel_id        bigint NOT NULL REFERENCES channels(id),
    external_live_id  text NOT NULL,
    title             text NOT NULL DEFAULT '',
    status            text NOT NULL DEFAULT 'live' CHECK (status IN ('scheduled', 'live', 'ended')),
    hold_mode         text NOT NULL DEFAULT 'first_comment' CHECK (hold_mode IN ('first_comment', 'first_confirm')),
    promotion         jsonb NOT NULL DEFAULT '{}'::jsonb,
    started_at        timestamptz,
    ended_at          timestamptz,
    last_comment_at   timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (channel_id, external_live_id)
);
CREATE INDEX live_sessions_tenant_idx ON live_sessions (tenant_id, status);

-- Stock offered in one live, per product and variant ('' when the product has none).
CREATE TABLE session_stock (
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    session_id  bigint NOT NULL REFERENCES live_sessions(id),
    product_id  bigint NOT NULL REFERENCES products(id),
    variant     text NOT NULL DEFAULT '',
    quantity    integer NOT NULL CHECK (quantity >= 0),
    reserved    integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    price_vnd   bigint CHECK (price_vnd >= 0),
    PRIMARY KEY (session_id, product_id, variant),
    CHECK (reserved <= quantity)
);

CREATE TABLE buyers (
    id               bigserial PRIMARY KEY,
    tenant_id        bigint NOT NULL REFERENCES tenants(id),
    display_name     text NOT NULL DEFAULT '',
    phone            text CHECK (phone ~ '^0[35789][0-9]{8}$'),
    full_name        text,
    province_code    text,
    ward_code        text,
    address_line     text,
    delivered_count  integer NOT NULL DEFAULT 0,
    returned_count   integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX buyers_phone_key ON buyers (tenant_id, phone) WHERE phone IS NOT NULL;

-- A buyer as one platform knows them (page-scoped id, TikTok buyer id, Zalo user id).
CREATE TABLE buyer_identities (
    id                bigserial PRIMARY KEY,
    tenant_id         bigint NOT NULL REFERENCES tenants(id),
    buyer_id          bigint NOT NULL REFERENCES buyers(id),
    channel_id        bigint NOT NULL REFERENCES channels(id),
    external_user_id  text NOT NULL,
    display_name      text NOT NULL DEFAULT '',
    phone             text CHECK (phone ~ '^0[35789][0-9]{8}$'),
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (channel_id, external_user_id)
);
CREATE INDEX buyer_identities_buyer_idx ON buyer_identities (tenant_id, buyer_id);

-- Every comment as received. (platform, channel_external_id, external_id) is the idempotency key,
-- so a comment for a channel we do not know yet is still stored once (as orphaned) and not lost.
CREATE TABLE comments (
    id                   bigserial PRIMARY KEY,
    tenant_id            bigint REFERENCES tenants(id),
    platform             text NOT NULL,
    channel_external_id  text NOT NULL,
    external_id          text NOT NULL,
    channel_id           bigint REFERENCES channels(id),
    session_id           bigint REFERENCES live_sessions(id),
    external_live_id     text,
    author_external_id   text NOT NULL,
    author_name          text NOT NULL DEFAULT '',
    body                 text NOT NULL,
    commented_at         timestamptz NOT NULL,
    received_at          timestamptz NOT NULL DEFAULT now(),
    intent               text NOT NULL CHECK (intent IN ('order', 'cancel', 'question', 'other')),
    parsed               jsonb NOT NULL DEFAULT '{}'::jsonb,
    phone                text,
    status               text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'processed', 'orphaned', 'ignored')),
    processed_at         timestamptz,
    UNIQUE (platform, channel_external_id, external_id),
    CHECK (status = 'orphaned' OR (tenant_id IS NOT NULL AND session_id IS NOT NULL))
);
CREATE INDEX comments_pending_idx ON comments (session_id, id) WHERE status = 'pending';
CREATE INDEX comments_session_idx ON comments (tenant_id, session_id, commented_at);
CREATE INDEX comments_orphaned_idx ON comments (received_at) WHERE status = 'orphaned';

-- Orders the platforms record themselves (TikTok Shop), stored raw and linked to our order.
CREATE TABLE platform_orders (
    id                 bigserial PRIMARY KEY,
    tenant_id          bigint NOT NULL REFERENCES tenants(id),
    channel_id         bigint NOT NULL REFERENCES channels(id),
    external_order_id  text NOT NULL,
    external_status    text NOT NULL,
    payload            jsonb NOT NULL,
    order_id           bigint,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    received_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (channel_id, external_order_id)
);

CREATE SEQUENCE order_no_seq;
CREATE TABLE orders (
    id                    bigserial PRIMARY KEY,
    tenant_id             bigint NOT NULL REFERENCES tenants(id),
    -- Our order number, also the courier's client order code: short enough to read on the phone.
    order_no              text NOT NULL UNIQUE
                          DEFAULT 'CD' || lpad(nextval('order_no_seq')::text, 7, '0'),
    session_id            bigint REFERENCES live_sessions(id),
    buyer_id              bigint NOT NULL REFERENCES buyers(id),
    buyer_identity_id     bigint REFERENCES buyer_identities(id),
    source                text NOT NULL CHECK (source IN ('comment', 'platform', 'manual', 'import')),
    status                text NOT NULL DEFAULT 'draft' CHECK (status IN (
                              'draft', 'awaiting_confirmation', 'confirmed', 'packing', 'packed',
                              'shipped', 'delivered', 'cancelled', 'expired', 'returned')),
    needs_reconfirmation  boolean NOT NULL DEFAULT false,
    merge_review          boolean NOT NULL DEFAULT false,
    subtotal_vnd          bigint NOT NULL DEFAULT 0 CHECK (subtotal_vnd >= 0),
    shipping_vnd          bigint NOT NULL DEFAULT 0 CHECK (shipping_vnd >= 0),
    discount_vnd          bigint NOT NULL DEFAULT 0 CHECK (discount_vnd >= 0),
    total_vnd             bigint NOT NULL DEFAULT 0 CHECK (total_vnd >= 0),
    payment_method        text NOT NULL DEFAULT 'cod' CHECK (payment_method IN ('cod', 'vietqr', 'platform')),
    paid_at               timestamptz,
    recipient_name        text,
    recipient_phone       text CHECK (recipient_phone ~ '^0[35789][0-9]{8}$'),
    province_code         text,
    ward_code             text,
    address_line          text,
    note                  text NOT NULL DEFAULT '',
    confirm_deadline      timestamptz,
    reminder_sent_at      timestamptz,
    claimed_by            bigint REFERENCES staff(id),
    version               integer NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
-- One open order per (live session, buyer identity): repeated comments merge into it.
CREATE UNIQUE INDEX orders_one_open_per_buyer ON orders (session_id, buyer_identity_id)
    WHERE status IN ('draft', 'awaiting_confirmation', 'confirmed') AND session_id IS NOT NULL;
CREATE INDEX orders_tenant_status_idx ON orders (tenant_id, status, created_at);
CREATE INDEX orders_open_by_buyer_idx ON orders (buyer_id, session_id)
    WHERE status IN ('draft', 'awaiting_confirmation', 'confirmed');
CREATE INDEX orders_deadline_idx ON orders (confirm_deadline)
    WHERE status IN ('draft', 'awaiting_confirmation');
ALTER TABLE platform_orders ADD FOREIGN KEY (order_id) REFERENCES orders(id);

-- A line of an order. requested: wanted, no stock reserved yet (hold mode first_confirm, or a
-- product without per-live stock); held: stock reserved; waitlisted: waiting for stock, in comment
-- order (queue_position); unclear: no product we sell could be read, for staff; removed: cancelled.
CREATE TABLE order_items (
    id                 bigserial PRIMARY KEY,
    tenant_id          bigint NOT NULL REFERENCES tenants(id),
    order_id           bigint NOT NULL REFERENCES orders(id),
    product_id         bigint REFERENCES products(id),
    code               text NOT NULL,
    variant            text NOT NULL DEFAULT '',
    qty                integer NOT NULL CHECK (qty > 0),
    unit_price_vnd     bigint NOT NULL DEFAULT 0 CHECK (unit_price_vnd >= 0),
    status             text NOT NULL
                       CHECK (status IN ('requested', 'held', 'waitlisted', 'unclear', 'removed')),
    source_comment_id  bigint REFERENCES comments(id),
    queue_position     bigint NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_items_order_idx ON order_items (order_id);
CREATE INDEX order_items_waitlist_idx ON order_items (product_id, variant, queue_position)
    WHERE status = 'waitlisted';

-- Audit trail: who did what to an order, when and why. Written in the same transaction as the change.
CREATE TABLE order_events (
    id           bigserial PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants(id),
    order_id     bigint NOT NULL REFERENCES orders(id),
    at           timestamptz NOT NULL DEFAULT now(),
    actor        text NOT NULL,
    kind         text NOT NULL,
    from_status  text,
    to_status    text,
    reason       text NOT NULL DEFAULT '',
    data         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX order_events_order_idx ON order_events (order_id, at);

CREATE TABLE shipments (
    id                 bigserial PRIMARY KEY,
    tenant_id          bigint NOT NULL REFERENCES tenants(id),
    order_id           bigint NOT NULL REFERENCES orders(id),
    courier            text NOT NULL CHECK (courier IN ('ghn', 'ghtk', 'viettelpost')),
    client_order_code  text NOT NULL,
    tracking_code      text,
    status             text NOT NULL DEFAULT 'creating' CHECK (status IN (
                           'creating', 'created', 'picked_up', 'in_transit', 'delivered',
                           'failed_attempt', 'returning', 'returned', 'cancelled')),
    courier_status     text,
    status_rank        integer NOT NULL DEFAULT 0,
    cod_vnd            bigint NOT NULL DEFAULT 0 CHECK (cod_vnd >= 0),
    fee_vnd            bigint NOT NULL DEFAULT 0 CHECK (fee_vnd >= 0),
    label_url          text,
    last_event_at      timestamptz,
    next_poll_at       timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
-- One live shipment per order; the courier's client order code is our order number.
CREATE UNIQUE INDEX shipments_one_live_per_order ON shipments (order_id) WHERE status <> 'cancelled';
CREATE UNIQUE INDEX shipments_client_code_key ON shipments (courier, client_order_code)
    WHERE status <> 'cancelled';

CREATE TABLE shipment_events (
    id              bigserial PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES tenants(id),
    shipment_id     bigint NOT NULL REFERENCES shipments(id),
    status          text NOT NULL,
    courier_status  text NOT NULL,
    at              timestamptz NOT NULL,
    raw             jsonb NOT NULL DEFAULT '{}'::jsonb,
    UNIQUE (shipment_id, courier_status, at)
);

-- Every webhook delivery as received, with the verification result. Secrets are never stored.
CREATE TABLE webhook_deliveries (
    id                  bigserial PRIMARY KEY,
    tenant_id           bigint REFERENCES tenants(id),
    source              text NOT NULL,
    delivery_key        text,
    received_at         timestamptz NOT NULL DEFAULT now(),
    verified            boolean NOT NULL,
    verification_error  text,
    headers             jsonb NOT NULL DEFAULT '{}'::jsonb,
    body                bytea NOT NULL,
    status              text NOT NULL DEFAULT 'received'
                        CHECK (status IN ('received', 'processed', 'rejected', 'failed', 'duplicate')),
    processed_at        timestamptz,
    error               text
);
CREATE UNIQUE INDEX webhook_deliveries_key ON webhook_deliveries (source, delivery_key)
    WHERE delivery_key IS NOT NULL AND verified;
CREATE INDEX webhook_deliveries_received_idx ON webhook_deliveries (received_at);

-- Messages to buyers. The idempotency key makes a retried job send nothing twice.
CREATE TABLE outbound_messages (
    id                   bigserial PRIMARY KEY,
    tenant_id            bigint NOT NULL REFERENCES tenants(id),
    channel_id           bigint NOT NULL REFERENCES channels(id),
    buyer_identity_id    bigint REFERENCES buyer_identities(id),
    order_id             bigint REFERENCES orders(id),
    kind                 text NOT NULL,
    idempotency_key      text NOT NULL UNIQUE,
    body                 text NOT NULL,
    status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts             integer NOT NULL DEFAULT 0,
    last_error           text,
    external_message_id  text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    sent_at              timestamptz
);
CREATE INDEX outbound_messages_pending_idx ON outbound_messages (created_at) WHERE status = 'pending';

-- Proof of life of the worker pool: one row per heartbeat job run.
CREATE TABLE worker_heartbeats (
    id          bigserial PRIMARY KEY,
    worker      text NOT NULL,
    job_id      text NOT NULL UNIQUE,
    beat_at     timestamptz NOT NULL DEFAULT now()
);
