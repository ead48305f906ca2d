-- The four tables that grow with every live (comments, webhook_deliveries, order_events,
-- outbound_messages) become native Postgres range partitions, one per calendar month (UTC), so an
-- old month goes with a DROP of its partition instead of millions of DELETEs
-- (aggregator/orders/partitions.py; README "Capacity and growth", "Partitions").
--
-- Each table is partitioned by the time it was stored (received_at, at, created_at): always set,
-- by the server, so a row always finds this month's partition. A DEFAULT partition catches a row
-- whose month has no partition yet (the cron job makes them months ahead; a row is never lost
-- because a job did not run), and chotdon_month_partition moves such rows out when it makes the
-- month.
--
-- Idempotency across months. A unique index on a partitioned table must contain the partition
-- key, so it only sees one month: a comment stored on 31 January and redelivered on 1 February
-- would land in two partitions. The idempotency keys therefore live in small unpartitioned key
-- tables (comment_keys, webhook_delivery_keys, outbound_message_keys) that a BEFORE INSERT trigger
-- fills; a row whose key is already there is skipped, exactly as ON CONFLICT DO NOTHING skipped
-- it before, for every writer (the batch writer, the inbox, the message queues, tests). Two
-- writers of one key at once wait on the key's unique index like they waited on the old one.
--
-- Foreign keys TO these tables (order_items.source_comment_id, inbox_items.comment_id,
-- payments.delivery_id, inbox_items / auto_answers.outbound_message_id) are dropped: a key to a
-- partitioned table must include its partition column, which the referencing rows do not carry,
-- and a dropped month must be able to go while orders still name the comment that made them.
-- The check moved to code: dangling_partition_references (schema/queries/partitions.sql) lists
-- references whose row is gone although its month is still kept, and a test runs it.
--
-- Every primary key carries tenant_id where the row always has one (order_events,
-- outbound_messages, outbound_message_keys). comments and webhook_deliveries may have none yet (an
-- orphaned comment, a delivery before its cooperative is known), so their keys cannot carry it.

ALTER TABLE order_items DROP CONSTRAINT order_items_source_comment_id_fkey;
ALTER TABLE inbox_items DROP CONSTRAINT inbox_items_comment_id_fkey;
ALTER TABLE inbox_items DROP CONSTRAINT inbox_items_outbound_message_id_fkey;
ALTER TABLE auto_answers DROP CONSTRAINT auto_answers_outbound_message_id_fkey;
ALTER TABLE payments DROP CONSTRAINT payments_delivery_id_fkey;

-- Make parent's partition for the month starting at `month` (UTC) if it is missing, with the
-- tenant wall on it too (a partition read directly would otherwise skip the parent's policy).
-- Rows already caught by the DEFAULT partition for that month are moved into it. Returns true
-- when it made one.
CREATE FUNCTION chotdon_month_partition(parent text, month date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    first_day date := date_trunc('month', month)::date;
    part text := format('%s_y%sm%s', parent, to_char(first_day, 'YYYY'), to_char(first_day, 'MM'));
    fallback text := parent || '_default';
    key text;
    lower_bound timestamptz := first_day::timestamp AT TIME ZONE 'UTC';
    upper_bound timestamptz := (first_day + interval '1 month')::timestamp AT TIME ZONE 'UTC';
    caught boolean;
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    SELECT a.attname INTO STRICT key
    FROM pg_partitioned_table pt
    JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
    WHERE pt.partrelid = parent::regclass;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= $1 AND %I < $2)',
                   fallback, key, key)
        INTO caught USING lower_bound, upper_bound;
    IF caught THEN
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                       part, parent);
        EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) '
                       'INSERT INTO %I SELECT * FROM moved', fallback, key, key, part)
            USING lower_bound, upper_bound;
        EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                       parent, part, lower_bound, upper_bound);
    ELSE
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                       part, parent, lower_bound, upper_bound);
    END IF;
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', part);
    EXECUTE format('CREATE POLICY tenant_wall ON %I TO chotdon_staff '
                   'USING (tenant_id = chotdon_tenant()) WITH CHECK (tenant_id = chotdon_tenant())',
                   part);
    RETURN true;
END
$$;

-- The DEFAULT partition of parent, walled like the months.
CREATE FUNCTION chotdon_default_partition(parent text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', parent || '_default', parent);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', parent || '_default');
    EXECUTE format('CREATE POLICY tenant_wall ON %I TO chotdon_staff '
                   'USING (tenant_id = chotdon_tenant()) WITH CHECK (tenant_id = chotdon_tenant())',
                   parent || '_default');
END
$$;

-- Months from the oldest row kept (or last month) to three months ahead; the cron job keeps
-- CHOTDON_PARTITION_MONTHS_AHEAD made from then on.
CREATE FUNCTION chotdon_month_partitions(parent text, oldest timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    month date := date_trunc('month', least(coalesce(oldest, now()), now() - interval '1 month')
                                      AT TIME ZONE 'UTC')::date;
BEGIN
    WHILE month <= (now() AT TIME ZONE 'UTC' + interval '3 months')::date LOOP
        PERFORM chotdon_month_partition(parent, month);
        month := (month + interval '1 month')::date;
    END LOOP;
END
$$;

-- Drop parent's month partitions that end on or before `before` (a month's first day, UTC), and
-- rows the DEFAULT partition caught for those months; returns the partitions dropped. Names come
-- from the catalogue, never from a caller.
CREATE FUNCTION chotdon_drop_month_partitions(parent text, before date) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    part text;
    key text;
BEGIN
    FOR part IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = parent::regclass
          AND c.relname ~ ('^' || parent || '_y[0-9]{4}m[0-9]{2}$')
          AND to_date(right(c.relname, 8), '"y"YYYY"m"MM') + interval '1 month' <= before
        ORDER BY c.relname
    LOOP
        EXECUTE format('DROP TABLE %I', part);
        RETURN NEXT part;
    END LOOP;
    SELECT a.attname INTO STRICT key
    FROM pg_partitioned_table pt
    JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
    WHERE pt.partrelid = parent::regclass;
    EXECUTE format('DELETE FROM %I WHERE %I < $1', parent || '_default', key)
        USING before::timestamp AT TIME ZONE 'UTC';
END
$$;

-- Triggers other migrations put on a table (a counter kept by statement triggers, say) are made
-- again on its partitioned successor, after the rows are copied so they do not fire twice.
CREATE FUNCTION chotdon_copy_triggers(old_table text, new_table text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    definition text;
BEGIN
    FOR definition IN
        SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t
        WHERE t.tgrelid = old_table::regclass AND NOT t.tgisinternal ORDER BY t.tgname
    LOOP
        EXECUTE regexp_replace(definition, format(' ON (public\.)?%s ', old_table),
                               format(' ON %s ', new_table));
    END LOOP;
END
$$;

-- Indexes other migrations put on a table (not its keys: a unique index of a partitioned table
-- must hold the partition column) are remembered before the table goes, and made again on its
-- partitioned successor once this migration's own indexes are there (same names are skipped).
CREATE TEMP TABLE chotdon_carried_indexes (old_table text, name text, definition text)
    ON COMMIT DROP;
CREATE FUNCTION chotdon_remember_indexes(old_table text) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO chotdon_carried_indexes
    SELECT old_table, c.relname, pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = old_table::regclass AND NOT i.indisunique AND NOT i.indisprimary;
$$;
CREATE FUNCTION chotdon_restore_indexes(old_table text, new_table text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    carried record;
BEGIN
    FOR carried IN SELECT * FROM chotdon_carried_indexes WHERE chotdon_carried_indexes.old_table
                                                               = chotdon_restore_indexes.old_table
    LOOP
        IF to_regclass(carried.name) IS NULL THEN
            EXECUTE regexp_replace(carried.definition, format(' ON (public\.)?%s ', old_table),
                                   format(' ON %s ', new_table));
        END IF;
    END LOOP;
END
$$;

-- comments -------------------------------------------------------------------------------------
ALTER SEQUENCE comments_id_seq OWNED BY NONE;
ALTER TABLE comments RENAME TO comments_unpartitioned;
CREATE TABLE comments (LIKE comments_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (received_at);
SELECT chotdon_default_partition('comments');
SELECT chotdon_month_partitions('comments', (SELECT min(received_at) FROM comments_unpartitioned));
INSERT INTO comments SELECT * FROM comments_unpartitioned;

-- A comment's idempotency key, whatever month it was stored in, and the comment holding it.
-- received_at names the month of the comment's partition, so keys of a dropped month go with it.
CREATE TABLE comment_keys (
    platform             text NOT NULL,
    channel_external_id  text NOT NULL,
    external_id          text NOT NULL,
    comment_id           bigint NOT NULL,
    received_at          timestamptz NOT NULL,
    PRIMARY KEY (platform, channel_external_id, external_id)
);
INSERT INTO comment_keys (platform, channel_external_id, external_id, comment_id, received_at)
SELECT platform, channel_external_id, external_id, id, received_at FROM comments_unpartitioned;
SELECT chotdon_copy_triggers('comments_unpartitioned', 'comments');
SELECT chotdon_remember_indexes('comments_unpartitioned');
DROP TABLE comments_unpartitioned;
ALTER SEQUENCE comments_id_seq OWNED BY comments.id;

ALTER TABLE comments ADD PRIMARY KEY (id, received_at);
ALTER TABLE comments ADD FOREIGN KEY (tenant_id) REFERENCES tenants(id);
ALTER TABLE comments ADD FOREIGN KEY (channel_id) REFERENCES channels(id);
ALTER TABLE comments ADD FOREIGN KEY (session_id) REFERENCES live_sessions(id);
CREATE INDEX comments_key_idx ON comments (platform, channel_external_id, external_id);
CREATE INDEX comments_pending_idx ON comments (session_id, id) WHERE status = 'pending';
CREATE INDEX comments_session_idx ON comments (tenant_id, session_id, commented_at);
CREATE INDEX comments_orphaned_idx ON comments (received_at) WHERE status = 'orphaned';
CREATE INDEX comments_author_idx ON comments (channel_id, author_external_id, commented_at);
CREATE INDEX comments_inbox_candidates_idx ON comments (session_id, id)
    WHERE intent IN ('question', 'other');

SELECT chotdon_restore_indexes('comments_unpartitioned', 'comments');

CREATE FUNCTION chotdon_comment_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A new key is inserted. A known key is updated only for its own comment moving to another
    -- month (an UPDATE of received_at is a delete and an insert across partitions, and fires this
    -- trigger): it keeps its key, dated anew. One statement: a repeat costs one index probe.
    INSERT INTO comment_keys AS k (platform, channel_external_id, external_id, comment_id,
                                   received_at)
    VALUES (NEW.platform, NEW.channel_external_id, NEW.external_id, NEW.id, NEW.received_at)
    ON CONFLICT (platform, channel_external_id, external_id)
    DO UPDATE SET received_at = excluded.received_at WHERE k.comment_id = excluded.comment_id;
    IF FOUND THEN
        RETURN NEW;
    END IF;
    RETURN NULL;  -- stored before, perhaps in an earlier month: skipped like ON CONFLICT DO NOTHING
END
$$;
-- A writer that claims the keys of its batch itself, set-based, in the same statement (see
-- claim_and_insert_bench_comments in schema/queries/partitions.sql) says so for its
-- transaction with set_config('chotdon.comment_keys_claimed', 'on', true); the check is the
-- trigger's WHEN, so its rows pay no function call.
CREATE TRIGGER comments_once BEFORE INSERT ON comments
    FOR EACH ROW
    WHEN (current_setting('chotdon.comment_keys_claimed', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION chotdon_comment_once();

-- webhook_deliveries ---------------------------------------------------------------------------
ALTER SEQUENCE webhook_deliveries_id_seq OWNED BY NONE;
ALTER TABLE webhook_deliveries RENAME TO webhook_deliveries_unpartitioned;
CREATE TABLE webhook_deliveries
    (LIKE webhook_deliveries_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (received_at);
SELECT chotdon_default_partition('webhook_deliveries');
SELECT chotdon_month_partitions('webhook_deliveries',
                                (SELECT min(received_at) FROM webhook_deliveries_unpartitioned));
INSERT INTO webhook_deliveries SELECT * FROM webhook_deliveries_unpartitioned;

-- A verified delivery's key (source, delivery_key): its effect happens once, in any month.
CREATE TABLE webhook_delivery_keys (
    source        text NOT NULL,
    delivery_key  text NOT NULL,
    delivery_id   bigint NOT NULL,
    received_at   timestamptz NOT NULL,
    PRIMARY KEY (source, delivery_key)
);
INSERT INTO webhook_delivery_keys (source, delivery_key, delivery_id, received_at)
SELECT source, delivery_key, id, received_at FROM webhook_deliveries_unpartitioned
WHERE delivery_key IS NOT NULL AND verified;
SELECT chotdon_copy_triggers('webhook_deliveries_unpartitioned', 'webhook_deliveries');
SELECT chotdon_remember_indexes('webhook_deliveries_unpartitioned');
DROP TABLE webhook_deliveries_unpartitioned;
ALTER SEQUENCE webhook_deliveries_id_seq OWNED BY webhook_deliveries.id;

ALTER TABLE webhook_deliveries ADD PRIMARY KEY (id, received_at);
ALTER TABLE webhook_deliveries ADD FOREIGN KEY (tenant_id) REFERENCES tenants(id);
CREATE INDEX webhook_deliveries_id_idx ON webhook_deliveries (id);
CREATE INDEX webhook_deliveries_key_idx ON webhook_deliveries (source, delivery_key)
    WHERE delivery_key IS NOT NULL;
CREATE INDEX webhook_deliveries_received_idx ON webhook_deliveries (received_at);
CREATE INDEX webhook_deliveries_unreadable_idx ON webhook_deliveries (source, id)
    WHERE status = 'unreadable';
CREATE INDEX webhook_deliveries_unreadable_tenant_idx ON webhook_deliveries (tenant_id, received_at)
    WHERE status = 'unreadable';

SELECT chotdon_restore_indexes('webhook_deliveries_unpartitioned', 'webhook_deliveries');

CREATE FUNCTION chotdon_delivery_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.delivery_key IS NULL OR NOT NEW.verified THEN
        RETURN NEW;
    END IF;
    INSERT INTO webhook_delivery_keys AS k (source, delivery_key, delivery_id, received_at)
    VALUES (NEW.source, NEW.delivery_key, NEW.id, NEW.received_at)
    ON CONFLICT (source, delivery_key)  -- updated only for its own row moving months
    DO UPDATE SET received_at = excluded.received_at WHERE k.delivery_id = excluded.delivery_id;
    IF FOUND THEN
        RETURN NEW;
    END IF;
    RETURN NULL;  -- a repeat: the caller records it again as a duplicate (inbox.sql)
END
$$;
CREATE TRIGGER webhook_deliveries_once BEFORE INSERT ON webhook_deliveries
    FOR EACH ROW EXECUTE FUNCTION chotdon_delivery_once();

-- A delivery refused after it was recorded gives up its key (finish_webhook_delivery sets it to
-- NULL), so the sender's retry is taken: its key row goes too.
CREATE FUNCTION chotdon_delivery_key_given_up() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM webhook_delivery_keys
    WHERE source = OLD.source AND delivery_key = OLD.delivery_key AND delivery_id = OLD.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER webhook_deliveries_key_given_up AFTER UPDATE OF delivery_key ON webhook_deliveries
    FOR EACH ROW WHEN (OLD.delivery_key IS NOT NULL AND NEW.delivery_key IS NULL AND OLD.verified)
    EXECUTE FUNCTION chotdon_delivery_key_given_up();

-- order_events ---------------------------------------------------------------------------------
ALTER SEQUENCE order_events_id_seq OWNED BY NONE;
ALTER TABLE order_events RENAME TO order_events_unpartitioned;
CREATE TABLE order_events (LIKE order_events_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (at);
SELECT chotdon_default_partition('order_events');
SELECT chotdon_month_partitions('order_events', (SELECT min(at) FROM order_events_unpartitioned));
INSERT INTO order_events SELECT * FROM order_events_unpartitioned;
SELECT chotdon_copy_triggers('order_events_unpartitioned', 'order_events');
SELECT chotdon_remember_indexes('order_events_unpartitioned');
DROP TABLE order_events_unpartitioned;
ALTER SEQUENCE order_events_id_seq OWNED BY order_events.id;

ALTER TABLE order_events ADD PRIMARY KEY (tenant_id, id, at);
ALTER TABLE order_events ADD FOREIGN KEY (tenant_id) REFERENCES tenants(id);
ALTER TABLE order_events ADD FOREIGN KEY (order_id) REFERENCES orders(id);
CREATE INDEX order_events_order_idx ON order_events (order_id, at);

SELECT chotdon_restore_indexes('order_events_unpartitioned', 'order_events');

-- outbound_messages ----------------------------------------------------------------------------
ALTER SEQUENCE outbound_messages_id_seq OWNED BY NONE;
ALTER TABLE outbound_messages RENAME TO outbound_messages_unpartitioned;
CREATE TABLE outbound_messages
    (LIKE outbound_messages_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (created_at);
SELECT chotdon_default_partition('outbound_messages');
SELECT chotdon_month_partitions('outbound_messages',
                                (SELECT min(created_at) FROM outbound_messages_unpartitioned));
INSERT INTO outbound_messages SELECT * FROM outbound_messages_unpartitioned;

-- A message's idempotency key, per cooperative, whatever month the message was stored in; names
-- the message, so asking again finds the row (insert_outbound_message).
CREATE TABLE outbound_message_keys (
    tenant_id        bigint NOT NULL REFERENCES tenants(id),
    idempotency_key  text NOT NULL,
    message_id       bigint NOT NULL,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, idempotency_key)
);
INSERT INTO outbound_message_keys (tenant_id, idempotency_key, message_id, created_at)
SELECT tenant_id, idempotency_key, id, created_at FROM outbound_messages_unpartitioned;
ALTER TABLE outbound_message_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON outbound_message_keys TO chotdon_staff
    USING (tenant_id = chotdon_tenant()) WITH CHECK (tenant_id = chotdon_tenant());
SELECT chotdon_copy_triggers('outbound_messages_unpartitioned', 'outbound_messages');
SELECT chotdon_remember_indexes('outbound_messages_unpartitioned');
DROP TABLE outbound_messages_unpartitioned;
ALTER SEQUENCE outbound_messages_id_seq OWNED BY outbound_messages.id;

ALTER TABLE outbound_messages ADD PRIMARY KEY (tenant_id, id, created_at);
ALTER TABLE outbound_messages ADD FOREIGN KEY (tenant_id) REFERENCES tenants(id);
ALTER TABLE outbound_messages ADD FOREIGN KEY (channel_id) REFERENCES channels(id);
ALTER TABLE outbound_messages ADD FOREIGN KEY (buyer_identity_id) REFERENCES buyer_identities(id);
ALTER TABLE outbound_messages ADD FOREIGN KEY (order_id) REFERENCES orders(id);
ALTER TABLE outbound_messages ADD FOREIGN KEY (sent_by_hand_by) REFERENCES staff(id);
CREATE INDEX outbound_messages_id_idx ON outbound_messages (id);
CREATE INDEX outbound_messages_key_idx ON outbound_messages (idempotency_key);
CREATE INDEX outbound_messages_order_idx ON outbound_messages (order_id, kind)
    WHERE order_id IS NOT NULL;
CREATE INDEX outbound_messages_pending_idx ON outbound_messages (created_at)
    WHERE status = 'pending';
CREATE INDEX outbound_messages_unsent_idx ON outbound_messages (tenant_id, created_at)
    WHERE status = 'unsent';

SELECT chotdon_restore_indexes('outbound_messages_unpartitioned', 'outbound_messages');

CREATE FUNCTION chotdon_message_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbound_message_keys AS k (tenant_id, idempotency_key, message_id, created_at)
    VALUES (NEW.tenant_id, NEW.idempotency_key, NEW.id, NEW.created_at)
    ON CONFLICT (tenant_id, idempotency_key)  -- updated only for its own row moving months
    DO UPDATE SET created_at = excluded.created_at WHERE k.message_id = excluded.message_id;
    IF FOUND THEN
        RETURN NEW;
    END IF;
    RETURN NULL;  -- this key was queued before (in any month): nothing is sent twice
END
$$;
CREATE TRIGGER outbound_messages_once BEFORE INSERT ON outbound_messages
    FOR EACH ROW EXECUTE FUNCTION chotdon_message_once();

-- The tenant wall on the parents (the partitions got theirs as they were made).
ALTER TABLE comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE order_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbound_messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON comments TO chotdon_staff
    USING (tenant_id = chotdon_tenant()) WITH CHECK (tenant_id = chotdon_tenant());
CREATE POLICY tenant_wall ON webhook_deliveries TO chotdon_staff
    USING (tenant_id = chotdon_tenant()) WITH CHECK (tenant_id = chotdon_tenant());
CREATE POLICY tenant_wall ON order_events TO chotdon_staff
    USING (tenant_id = chotdon_tenant()) WITH CHECK (tenant_id = chotdon_tenant());
CREATE POLICY tenant_wall ON outbound_messages TO chotdon_staff
    USING (tenant_id = chotdon_tenant()) WITH CHECK (tenant_id = chotdon_tenant());

-- Helpers of this migration only (the carried indexes' list is a temporary table).
DROP FUNCTION chotdon_remember_indexes(text);
DROP FUNCTION chotdon_restore_indexes(text, text);
