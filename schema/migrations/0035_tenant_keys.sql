-- scale (issue 21, part 7): the schema ready for a Postgres sharded by tenant_id (Citus and
-- the like), where a unique key can only be enforced if it contains the distribution column and a
-- foreign key only between rows of one shard. So every primary key, unique key and unique index of
-- a cooperative's table carries tenant_id, and every foreign key between two cooperatives' tables
-- is composite: (tenant_id, x_id) -> parent (tenant_id, id). A row can no longer point at a row of
-- another cooperative, which the row-level security of 0012 only hid.
--
-- tenant_id is APPENDED to each key ((id, tenant_id), (live_id, kind, tenant_id), ...) rather
-- than put first: every existing lookup (WHERE id = $1, ON CONFLICT (live_id, kind, ...)) keeps
-- a btree whose leading columns it names, so no query plan changes and no index is added. A
-- distributed Postgres needs the column in the key, not in front.
--
-- Left global on purpose (tests/integration/test_scale_tenant_keys.py lists them and why): the
-- tables with no cooperative (tenants, host accounts and sessions, login limits, worker
-- heartbeats, schema_migrations), and keys that find the cooperative from outside, before it is
-- known: a platform's channel id (webhook routing), a bank account (bank notifications), a bank
-- transaction id and the payments row (a transfer may match no cooperative yet: tenant_id NULL),
-- an OAuth state, a staff session token and login, an order number typed into a transfer, a
-- batch's public code (the origin page), a courier's client order code (courier webhooks). On a
-- sharded Postgres those become lookups in small reference tables; not done here.
--
-- comments, webhook_deliveries, order_events and outbound_messages are partitioned by month in
-- 0034 (part 6), which owns their keys and the foreign keys pointing AT them; their foreign keys
-- pointing at the tables here are rebuilt composite in step 4, since step 2 drops them.
-- Generated from pg_catalog at 0032 and then read through; every constraint keeps its name.

-- 1. The foreign keys rebuilt below, dropped first (their parents' keys change).
ALTER TABLE answer_wordings DROP CONSTRAINT answer_wordings_updated_by_fkey;
ALTER TABLE auto_answers DROP CONSTRAINT auto_answers_channel_id_fkey;
ALTER TABLE auto_answers DROP CONSTRAINT auto_answers_inbox_item_id_fkey;
ALTER TABLE auto_answers DROP CONSTRAINT auto_answers_live_id_fkey;
ALTER TABLE buyer_identities DROP CONSTRAINT buyer_identities_buyer_id_fkey;
ALTER TABLE buyer_identities DROP CONSTRAINT buyer_identities_channel_id_fkey;
ALTER TABLE channel_logins DROP CONSTRAINT channel_logins_staff_id_fkey;
ALTER TABLE data_access_log DROP CONSTRAINT data_access_log_order_id_fkey;
ALTER TABLE data_access_log DROP CONSTRAINT data_access_log_staff_id_fkey;
ALTER TABLE inbox_items DROP CONSTRAINT inbox_items_answered_by_fkey;
ALTER TABLE inbox_items DROP CONSTRAINT inbox_items_channel_id_fkey;
ALTER TABLE inbox_items DROP CONSTRAINT inbox_items_done_by_fkey;
ALTER TABLE inbox_items DROP CONSTRAINT inbox_items_live_id_fkey;
ALTER TABLE inbox_items DROP CONSTRAINT inbox_items_session_id_fkey;
ALTER TABLE live_answer_switches DROP CONSTRAINT live_answer_switches_live_id_fkey;
ALTER TABLE live_answer_switches DROP CONSTRAINT live_answer_switches_updated_by_fkey;
ALTER TABLE live_batches DROP CONSTRAINT live_batches_batch_id_fkey;
ALTER TABLE live_batches DROP CONSTRAINT live_batches_live_id_fkey;
ALTER TABLE live_batches DROP CONSTRAINT live_batches_product_id_fkey;
ALTER TABLE live_sessions DROP CONSTRAINT live_sessions_channel_id_fkey;
ALTER TABLE live_sessions DROP CONSTRAINT live_sessions_live_id_fkey;
ALTER TABLE live_stock DROP CONSTRAINT live_stock_live_id_fkey;
ALTER TABLE live_stock DROP CONSTRAINT live_stock_product_id_fkey;
ALTER TABLE order_items DROP CONSTRAINT order_items_batch_id_fkey;
ALTER TABLE order_items DROP CONSTRAINT order_items_order_id_fkey;
ALTER TABLE order_items DROP CONSTRAINT order_items_product_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_buyer_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_buyer_identity_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_claimed_by_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_live_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_session_id_fkey;
ALTER TABLE payments DROP CONSTRAINT payments_order_id_fkey;
ALTER TABLE payments DROP CONSTRAINT payments_resolved_by_fkey;
ALTER TABLE platform_orders DROP CONSTRAINT platform_orders_channel_id_fkey;
ALTER TABLE platform_orders DROP CONSTRAINT platform_orders_order_id_fkey;
ALTER TABLE privacy_consents DROP CONSTRAINT privacy_consents_buyer_id_fkey;
ALTER TABLE privacy_consents DROP CONSTRAINT privacy_consents_notice_id_fkey;
ALTER TABLE privacy_consents DROP CONSTRAINT privacy_consents_order_id_fkey;
ALTER TABLE privacy_requests DROP CONSTRAINT privacy_requests_order_id_fkey;
ALTER TABLE product_batches DROP CONSTRAINT product_batches_product_id_fkey;
ALTER TABLE product_certificates DROP CONSTRAINT product_certificates_product_id_fkey;
ALTER TABLE product_photos DROP CONSTRAINT product_photos_product_id_fkey;
ALTER TABLE product_variants DROP CONSTRAINT product_variants_product_id_fkey;
ALTER TABLE refunds DROP CONSTRAINT refunds_created_by_fkey;
ALTER TABLE refunds DROP CONSTRAINT refunds_order_id_fkey;
ALTER TABLE refunds DROP CONSTRAINT refunds_settled_by_fkey;
ALTER TABLE return_items DROP CONSTRAINT return_items_order_item_id_fkey;
ALTER TABLE return_items DROP CONSTRAINT return_items_return_id_fkey;
ALTER TABLE return_photos DROP CONSTRAINT return_photos_return_id_fkey;
ALTER TABLE returns DROP CONSTRAINT returns_decided_by_fkey;
ALTER TABLE returns DROP CONSTRAINT returns_order_id_fkey;
ALTER TABLE returns DROP CONSTRAINT returns_received_by_fkey;
ALTER TABLE returns DROP CONSTRAINT returns_refund_id_fkey;
ALTER TABLE shipment_events DROP CONSTRAINT shipment_events_shipment_id_fkey;
ALTER TABLE shipments DROP CONSTRAINT shipments_order_id_fkey;
ALTER TABLE staff_sessions DROP CONSTRAINT staff_sessions_staff_id_fkey;
ALTER TABLE tiktok_fulfilments DROP CONSTRAINT tiktok_fulfilments_channel_id_fkey;
ALTER TABLE tiktok_fulfilments DROP CONSTRAINT tiktok_fulfilments_order_id_fkey;

-- 2. Primary and unique keys with tenant_id appended (CASCADE: foreign keys of the
--    partitioned tables that pointed at them, rebuilt in 4).
ALTER TABLE auto_answers DROP CONSTRAINT auto_answers_live_id_channel_id_author_external_id_kind_key,
    ADD CONSTRAINT auto_answers_live_id_channel_id_author_external_id_kind_key UNIQUE (live_id, channel_id, author_external_id, kind, tenant_id);
ALTER TABLE auto_answers DROP CONSTRAINT auto_answers_pkey CASCADE,
    ADD CONSTRAINT auto_answers_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE bank_connections DROP CONSTRAINT bank_connections_pkey CASCADE,
    ADD CONSTRAINT bank_connections_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE buyer_identities DROP CONSTRAINT buyer_identities_channel_id_external_user_id_key,
    ADD CONSTRAINT buyer_identities_channel_id_external_user_id_key UNIQUE (channel_id, external_user_id, tenant_id);
ALTER TABLE buyer_identities DROP CONSTRAINT buyer_identities_pkey CASCADE,
    ADD CONSTRAINT buyer_identities_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE buyers DROP CONSTRAINT buyers_pkey CASCADE,
    ADD CONSTRAINT buyers_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE channel_logins DROP CONSTRAINT channel_logins_pkey CASCADE,
    ADD CONSTRAINT channel_logins_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE channels DROP CONSTRAINT channels_pkey CASCADE,
    ADD CONSTRAINT channels_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE courier_accounts DROP CONSTRAINT courier_accounts_pkey CASCADE,
    ADD CONSTRAINT courier_accounts_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE data_access_log DROP CONSTRAINT data_access_log_pkey CASCADE,
    ADD CONSTRAINT data_access_log_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE data_breaches DROP CONSTRAINT data_breaches_pkey CASCADE,
    ADD CONSTRAINT data_breaches_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE inbox_items DROP CONSTRAINT inbox_items_comment_id_key,
    ADD CONSTRAINT inbox_items_comment_id_key UNIQUE (comment_id, tenant_id);
ALTER TABLE inbox_items DROP CONSTRAINT inbox_items_pkey CASCADE,
    ADD CONSTRAINT inbox_items_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE keyword_templates DROP CONSTRAINT keyword_templates_pkey CASCADE,
    ADD CONSTRAINT keyword_templates_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE live_answer_switches DROP CONSTRAINT live_answer_switches_pkey CASCADE,
    ADD CONSTRAINT live_answer_switches_pkey PRIMARY KEY (live_id, kind, tenant_id);
ALTER TABLE live_batches DROP CONSTRAINT live_batches_pkey CASCADE,
    ADD CONSTRAINT live_batches_pkey PRIMARY KEY (live_id, batch_id, tenant_id);
ALTER TABLE live_sessions DROP CONSTRAINT live_sessions_channel_id_external_live_id_key,
    ADD CONSTRAINT live_sessions_channel_id_external_live_id_key UNIQUE (channel_id, external_live_id, tenant_id);
ALTER TABLE live_sessions DROP CONSTRAINT live_sessions_pkey CASCADE,
    ADD CONSTRAINT live_sessions_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE live_stock DROP CONSTRAINT live_stock_pkey CASCADE,
    ADD CONSTRAINT live_stock_pkey PRIMARY KEY (live_id, product_id, variant, tenant_id);
ALTER TABLE lives DROP CONSTRAINT lives_pkey CASCADE,
    ADD CONSTRAINT lives_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE order_items DROP CONSTRAINT order_items_pkey CASCADE,
    ADD CONSTRAINT order_items_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE orders DROP CONSTRAINT orders_pkey CASCADE,
    ADD CONSTRAINT orders_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE platform_orders DROP CONSTRAINT platform_orders_channel_id_external_order_id_key,
    ADD CONSTRAINT platform_orders_channel_id_external_order_id_key UNIQUE (channel_id, external_order_id, tenant_id);
ALTER TABLE platform_orders DROP CONSTRAINT platform_orders_pkey CASCADE,
    ADD CONSTRAINT platform_orders_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE privacy_consents DROP CONSTRAINT privacy_consents_pkey CASCADE,
    ADD CONSTRAINT privacy_consents_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE privacy_notices DROP CONSTRAINT privacy_notices_pkey CASCADE,
    ADD CONSTRAINT privacy_notices_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE privacy_requests DROP CONSTRAINT privacy_requests_pkey CASCADE,
    ADD CONSTRAINT privacy_requests_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE product_batches DROP CONSTRAINT product_batches_pkey CASCADE,
    ADD CONSTRAINT product_batches_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE product_certificates DROP CONSTRAINT product_certificates_pkey CASCADE,
    ADD CONSTRAINT product_certificates_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE product_photos DROP CONSTRAINT product_photos_pkey CASCADE,
    ADD CONSTRAINT product_photos_pkey PRIMARY KEY (product_id, tenant_id);
ALTER TABLE product_variants DROP CONSTRAINT product_variants_pkey CASCADE,
    ADD CONSTRAINT product_variants_pkey PRIMARY KEY (product_id, name, tenant_id);
ALTER TABLE products DROP CONSTRAINT products_pkey CASCADE,
    ADD CONSTRAINT products_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE refunds DROP CONSTRAINT refunds_pkey CASCADE,
    ADD CONSTRAINT refunds_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE retention_runs DROP CONSTRAINT retention_runs_pkey CASCADE,
    ADD CONSTRAINT retention_runs_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE return_items DROP CONSTRAINT return_items_pkey CASCADE,
    ADD CONSTRAINT return_items_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE return_items DROP CONSTRAINT return_items_return_id_order_item_id_key,
    ADD CONSTRAINT return_items_return_id_order_item_id_key UNIQUE (return_id, order_item_id, tenant_id);
ALTER TABLE return_photos DROP CONSTRAINT return_photos_pkey CASCADE,
    ADD CONSTRAINT return_photos_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE returns DROP CONSTRAINT returns_order_id_key,
    ADD CONSTRAINT returns_order_id_key UNIQUE (order_id, tenant_id);
ALTER TABLE returns DROP CONSTRAINT returns_pkey CASCADE,
    ADD CONSTRAINT returns_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE shipment_events DROP CONSTRAINT shipment_events_pkey CASCADE,
    ADD CONSTRAINT shipment_events_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE shipment_events DROP CONSTRAINT shipment_events_shipment_id_courier_status_at_key,
    ADD CONSTRAINT shipment_events_shipment_id_courier_status_at_key UNIQUE (shipment_id, courier_status, at, tenant_id);
ALTER TABLE shipments DROP CONSTRAINT shipments_pkey CASCADE,
    ADD CONSTRAINT shipments_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE staff DROP CONSTRAINT staff_pkey CASCADE,
    ADD CONSTRAINT staff_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE staff_sessions DROP CONSTRAINT staff_sessions_pkey CASCADE,
    ADD CONSTRAINT staff_sessions_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE tiktok_fulfilments DROP CONSTRAINT tiktok_fulfilments_pkey CASCADE,
    ADD CONSTRAINT tiktok_fulfilments_pkey PRIMARY KEY (order_id, tenant_id);

-- 3. Unique indexes (partial) likewise.
DROP INDEX shipments_one_live_per_order;
CREATE UNIQUE INDEX shipments_one_live_per_order ON shipments (order_id, tenant_id)
    WHERE status <> 'cancelled';
DROP INDEX orders_one_open_per_buyer;
CREATE UNIQUE INDEX orders_one_open_per_buyer ON orders (session_id, buyer_identity_id, tenant_id)
    WHERE status IN ('draft', 'awaiting_confirmation', 'confirmed') AND session_id IS NOT NULL
      AND source <> 'platform';
DROP INDEX orders_one_open_per_buyer_in_live;
CREATE UNIQUE INDEX orders_one_open_per_buyer_in_live ON orders (live_id, buyer_id, tenant_id)
    WHERE status IN ('draft', 'awaiting_confirmation', 'confirmed') AND live_id IS NOT NULL
      AND source <> 'platform';

-- 4. Every foreign key between cooperatives' tables names the cooperative on both sides.
ALTER TABLE answer_wordings ADD CONSTRAINT answer_wordings_updated_by_fkey
    FOREIGN KEY (tenant_id, updated_by) REFERENCES staff (tenant_id, id);
ALTER TABLE auto_answers ADD CONSTRAINT auto_answers_channel_id_fkey
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id);
ALTER TABLE auto_answers ADD CONSTRAINT auto_answers_inbox_item_id_fkey
    FOREIGN KEY (tenant_id, inbox_item_id) REFERENCES inbox_items (tenant_id, id);
ALTER TABLE auto_answers ADD CONSTRAINT auto_answers_live_id_fkey
    FOREIGN KEY (tenant_id, live_id) REFERENCES lives (tenant_id, id);
ALTER TABLE buyer_identities ADD CONSTRAINT buyer_identities_buyer_id_fkey
    FOREIGN KEY (tenant_id, buyer_id) REFERENCES buyers (tenant_id, id);
ALTER TABLE buyer_identities ADD CONSTRAINT buyer_identities_channel_id_fkey
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id);
ALTER TABLE channel_logins ADD CONSTRAINT channel_logins_staff_id_fkey
    FOREIGN KEY (tenant_id, staff_id) REFERENCES staff (tenant_id, id);
ALTER TABLE comments ADD CONSTRAINT comments_channel_id_fkey
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id);
ALTER TABLE comments ADD CONSTRAINT comments_session_id_fkey
    FOREIGN KEY (tenant_id, session_id) REFERENCES live_sessions (tenant_id, id);
ALTER TABLE data_access_log ADD CONSTRAINT data_access_log_order_id_fkey
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id);
ALTER TABLE data_access_log ADD CONSTRAINT data_access_log_staff_id_fkey
    FOREIGN KEY (tenant_id, staff_id) REFERENCES staff (tenant_id, id);
ALTER TABLE inbox_items ADD CONSTRAINT inbox_items_answered_by_fkey
    FOREIGN KEY (tenant_id, answered_by) REFERENCES staff (tenant_id, id);
ALTER TABLE inbox_items ADD CONSTRAINT inbox_items_channel_id_fkey
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id);
ALTER TABLE inbox_items ADD CONSTRAINT inbox_items_done_by_fkey
    FOREIGN KEY (tenant_id, done_by) REFERENCES staff (tenant_id, id);
ALTER TABLE inbox_items ADD CONSTRAINT inbox_items_live_id_fkey
    FOREIGN KEY (tenant_id, live_id) REFERENCES lives (tenant_id, id);
ALTER TABLE inbox_items ADD CONSTRAINT inbox_items_session_id_fkey
    FOREIGN KEY (tenant_id, session_id) REFERENCES live_sessions (tenant_id, id);
ALTER TABLE live_answer_switches ADD CONSTRAINT live_answer_switches_live_id_fkey
    FOREIGN KEY (tenant_id, live_id) REFERENCES lives (tenant_id, id);
ALTER TABLE live_answer_switches ADD CONSTRAINT live_answer_switches_updated_by_fkey
    FOREIGN KEY (tenant_id, updated_by) REFERENCES staff (tenant_id, id);
ALTER TABLE live_batches ADD CONSTRAINT live_batches_batch_id_fkey
    FOREIGN KEY (tenant_id, batch_id) REFERENCES product_batches (tenant_id, id);
ALTER TABLE live_batches ADD CONSTRAINT live_batches_live_id_fkey
    FOREIGN KEY (tenant_id, live_id) REFERENCES lives (tenant_id, id);
ALTER TABLE live_batches ADD CONSTRAINT live_batches_product_id_fkey
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id);
ALTER TABLE live_sessions ADD CONSTRAINT live_sessions_channel_id_fkey
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id);
ALTER TABLE live_sessions ADD CONSTRAINT live_sessions_live_id_fkey
    FOREIGN KEY (tenant_id, live_id) REFERENCES lives (tenant_id, id);
ALTER TABLE live_stock ADD CONSTRAINT live_stock_live_id_fkey
    FOREIGN KEY (tenant_id, live_id) REFERENCES lives (tenant_id, id);
ALTER TABLE live_stock ADD CONSTRAINT live_stock_product_id_fkey
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id);
ALTER TABLE order_events ADD CONSTRAINT order_events_order_id_fkey
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id);
ALTER TABLE order_items ADD CONSTRAINT order_items_batch_id_fkey
    FOREIGN KEY (tenant_id, batch_id) REFERENCES product_batches (tenant_id, id);
ALTER TABLE order_items ADD CONSTRAINT order_items_order_id_fkey
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id);
ALTER TABLE order_items ADD CONSTRAINT order_items_product_id_fkey
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id);
ALTER TABLE orders ADD CONSTRAINT orders_buyer_id_fkey
    FOREIGN KEY (tenant_id, buyer_id) REFERENCES buyers (tenant_id, id);
ALTER TABLE orders ADD CONSTRAINT orders_buyer_identity_id_fkey
    FOREIGN KEY (tenant_id, buyer_identity_id) REFERENCES buyer_identities (tenant_id, id);
ALTER TABLE orders ADD CONSTRAINT orders_claimed_by_fkey
    FOREIGN KEY (tenant_id, claimed_by) REFERENCES staff (tenant_id, id);
ALTER TABLE orders ADD CONSTRAINT orders_live_id_fkey
    FOREIGN KEY (tenant_id, live_id) REFERENCES lives (tenant_id, id);
ALTER TABLE orders ADD CONSTRAINT orders_session_id_fkey
    FOREIGN KEY (tenant_id, session_id) REFERENCES live_sessions (tenant_id, id);
ALTER TABLE outbound_messages ADD CONSTRAINT outbound_messages_buyer_identity_id_fkey
    FOREIGN KEY (tenant_id, buyer_identity_id) REFERENCES buyer_identities (tenant_id, id);
ALTER TABLE outbound_messages ADD CONSTRAINT outbound_messages_channel_id_fkey
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id);
ALTER TABLE outbound_messages ADD CONSTRAINT outbound_messages_order_id_fkey
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id);
ALTER TABLE outbound_messages ADD CONSTRAINT outbound_messages_sent_by_hand_by_fkey
    FOREIGN KEY (tenant_id, sent_by_hand_by) REFERENCES staff (tenant_id, id);
ALTER TABLE payments ADD CONSTRAINT payments_order_id_fkey
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id);
ALTER TABLE payments ADD CONSTRAINT payments_resolved_by_fkey
    FOREIGN KEY (tenant_id, resolved_by) REFERENCES staff (tenant_id, id);
ALTER TABLE platform_orders ADD CONSTRAINT platform_orders_channel_id_fkey
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id);
ALTER TABLE platform_orders ADD CONSTRAINT platform_orders_order_id_fkey
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id);
ALTER TABLE privacy_consents ADD CONSTRAINT privacy_consents_buyer_id_fkey
    FOREIGN KEY (tenant_id, buyer_id) REFERENCES buyers (tenant_id, id);
ALTER TABLE privacy_consents ADD CONSTRAINT privacy_consents_notice_id_fkey
    FOREIGN KEY (tenant_id, notice_id) REFERENCES privacy_notices (tenant_id, id);
ALTER TABLE privacy_consents ADD CONSTRAINT privacy_consents_order_id_fkey
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id);
ALTER TABLE privacy_requests ADD CONSTRAINT privacy_requests_order_id_fkey
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id);
ALTER TABLE product_batches ADD CONSTRAINT product_batches_product_id_fkey
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id);
ALTER TABLE product_certificates ADD CONSTRAINT product_certificates_product_id_fkey
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id);
ALTER TABLE product_photos ADD CONSTRAINT product_photos_product_id_fkey
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE;
ALTER TABLE product_variants ADD CONSTRAINT product_variants_product_id_fkey
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE;
ALTER TABLE refunds ADD CONSTRAINT refunds_created_by_fkey
    FOREIGN KEY (tenant_id, created_by) REFERENCES staff (tenant_id, id);
ALTER TABLE refunds ADD CONSTRAINT refunds_order_id_fkey
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id);
ALTER TABLE refunds ADD CONSTRAINT refunds_settled_by_fkey
    FOREIGN KEY (tenant_id, settled_by) REFERENCES staff (tenant_id, id);
ALTER TABLE return_items ADD CONSTRAINT return_items_order_item_id_fkey
    FOREIGN KEY (tenant_id, order_item_id) REFERENCES order_items (tenant_id, id);
ALTER TABLE return_items ADD CONSTRAINT return_items_return_id_fkey
    FOREIGN KEY (tenant_id, return_id) REFERENCES returns (tenant_id, id);
ALTER TABLE return_photos ADD CONSTRAINT return_photos_return_id_fkey
    FOREIGN KEY (tenant_id, return_id) REFERENCES returns (tenant_id, id);
ALTER TABLE returns ADD CONSTRAINT returns_decided_by_fkey
    FOREIGN KEY (tenant_id, decided_by) REFERENCES staff (tenant_id, id);
ALTER TABLE returns ADD CONSTRAINT returns_order_id_fkey
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id);
ALTER TABLE returns ADD CONSTRAINT returns_received_by_fkey
    FOREIGN KEY (tenant_id, received_by) REFERENCES staff (tenant_id, id);
ALTER TABLE returns ADD CONSTRAINT returns_refund_id_fkey
    FOREIGN KEY (tenant_id, refund_id) REFERENCES refunds (tenant_id, id);
ALTER TABLE shipment_events ADD CONSTRAINT shipment_events_shipment_id_fkey
    FOREIGN KEY (tenant_id, shipment_id) REFERENCES shipments (tenant_id, id);
ALTER TABLE shipments ADD CONSTRAINT shipments_order_id_fkey
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id);
ALTER TABLE staff_sessions ADD CONSTRAINT staff_sessions_staff_id_fkey
    FOREIGN KEY (tenant_id, staff_id) REFERENCES staff (tenant_id, id);
ALTER TABLE tiktok_fulfilments ADD CONSTRAINT tiktok_fulfilments_channel_id_fkey
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id);
ALTER TABLE tiktok_fulfilments ADD CONSTRAINT tiktok_fulfilments_order_id_fkey
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id);

-- 5. The two trigger functions whose ON CONFLICT named a key changed above.
CREATE OR REPLACE FUNCTION chotdon_sync_product_variants() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM product_variants v
    WHERE v.product_id = NEW.id AND NOT (v.name = ANY (NEW.variants));
    INSERT INTO product_variants (tenant_id, product_id, name, position)
    SELECT DISTINCT ON (t.name) NEW.tenant_id, NEW.id, t.name, t.ord - 1
    FROM unnest(NEW.variants) WITH ORDINALITY AS t(name, ord)
    WHERE t.name <> ''
    ORDER BY t.name, t.ord
    ON CONFLICT (product_id, name, tenant_id) DO UPDATE SET position = excluded.position;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION chotdon_live_stock_batches() RETURNS trigger
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
            ON CONFLICT (live_id, batch_id, tenant_id)
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
