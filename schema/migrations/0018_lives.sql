-- One live, many channels (issue 19).
--
-- A live is one broadcast the director runs, often simulcast on a Facebook Page, a TikTok account
-- and a Zalo OA at once. Until now each (channel, platform live) was a live of its own with its
-- own copy of the stock, so 100 bags on three platforms sold as 300. Now:
--   lives          the broadcast: title, hold mode, promotion, keywords, on air or ended;
--   live_sessions  one per (channel, platform live) as before, each belonging to one live;
--   live_stock     one pool per (live, product, variant), whatever channel a comment comes from;
--   orders.live_id one open order per (live, buyer) for comment orders, across channels.
-- Existing data: every session becomes a live of its own with the session's stock, so nothing
-- changes for lives already run.

CREATE TABLE lives (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    title       text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'live' CHECK (status IN ('scheduled', 'live', 'ended')),
    -- first_comment: the comment holds; first_confirm: the confirmation (buyer page or staff by
    -- phone) holds; first_payment: the transfer holds, unpaid confirmed orders wait in line.
    hold_mode   text NOT NULL DEFAULT 'first_comment'
                CHECK (hold_mode IN ('first_comment', 'first_confirm', 'first_payment')),
    promotion   jsonb NOT NULL DEFAULT '{}'::jsonb,
    keywords    jsonb NOT NULL DEFAULT '{}'::jsonb,
    started_at  timestamptz,
    ended_at    timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- the session a pre-0018 live was made from (data migration only)
    migrated_from_session bigint
);
CREATE INDEX lives_tenant_idx ON lives (tenant_id, status);

INSERT INTO lives (tenant_id, title, status, hold_mode, promotion, keywords, started_at, ended_at,
                   created_at, migrated_from_session)
SELECT tenant_id, title, status, hold_mode, promotion, keywords, started_at, ended_at, created_at,
       id
FROM live_sessions
ORDER BY id;

ALTER TABLE live_sessions ADD COLUMN live_id bigint REFERENCES lives(id);
UPDATE live_sessions s SET live_id = l.id FROM lives l WHERE l.migrated_from_session = s.id;
ALTER TABLE live_sessions ALTER COLUMN live_id SET NOT NULL;
CREATE INDEX live_sessions_live_idx ON live_sessions (live_id);
ALTER TABLE lives DROP COLUMN migrated_from_session;
-- These belong to the live now (one hold mode, promotion and keyword set per broadcast).
ALTER TABLE live_sessions DROP COLUMN hold_mode, DROP COLUMN promotion, DROP COLUMN keywords;

-- Stock offered in one live, per product and variant ('' when the product has none): one pool
-- for every channel the live runs on.
CREATE TABLE live_stock (
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    live_id     bigint NOT NULL REFERENCES lives(id),
    product_id  bigint NOT NULL REFERENCES products(id),
    variant     text NOT NULL DEFAULT '',
    quantity    integer NOT NULL CHECK (quantity >= 0),
    reserved    integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    price_vnd   bigint CHECK (price_vnd >= 0),
    PRIMARY KEY (live_id, product_id, variant),
    CHECK (reserved <= quantity)
);
INSERT INTO live_stock (tenant_id, live_id, product_id, variant, quantity, reserved, price_vnd)
SELECT st.tenant_id, s.live_id, st.product_id, st.variant, st.quantity, st.reserved, st.price_vnd
FROM session_stock st JOIN live_sessions s ON s.id = st.session_id;
DROP TABLE session_stock;
SELECT chotdon_tenant_wall('lives');
SELECT chotdon_tenant_wall('live_stock');

-- Orders know their live (the session says which channel the order came in on).
ALTER TABLE orders ADD COLUMN live_id bigint REFERENCES lives(id);
UPDATE orders o SET live_id = s.live_id FROM live_sessions s WHERE s.id = o.session_id;
CREATE INDEX orders_live_idx ON orders (live_id, status) WHERE live_id IS NOT NULL;
-- An order's live is its session's: kept by the database, so no writer can get it wrong.
CREATE FUNCTION chotdon_order_live() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.session_id IS NULL THEN
        NEW.live_id := NULL;
    ELSE
        SELECT live_id INTO NEW.live_id FROM live_sessions WHERE id = NEW.session_id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER orders_live BEFORE INSERT OR UPDATE OF session_id ON orders
    FOR EACH ROW EXECUTE FUNCTION chotdon_order_live();

-- One buyer (linked across platforms by phone) with several open comment orders in one live is
-- a pre-0018 case flagged for merge review: merge them now into the oldest, so the new rule
-- holds. Lines move (what they hold stays reserved in the same pool); the others are cancelled
-- with an audit row, and the survivor is asked to confirm again and stays flagged for staff.
CREATE TEMPORARY TABLE merged_orders ON COMMIT DROP AS
SELECT id, keep FROM (
    SELECT id, first_value(id) OVER (PARTITION BY live_id, buyer_id ORDER BY id) AS keep
    FROM orders
    WHERE live_id IS NOT NULL AND source <> 'platform'
      AND status IN ('draft', 'awaiting_confirmation', 'confirmed')
) AS ranked
WHERE id <> keep;
UPDATE order_items i SET order_id = m.keep, updated_at = now()
FROM merged_orders m WHERE i.order_id = m.id AND i.status <> 'removed';
INSERT INTO order_events (tenant_id, order_id, actor, kind, from_status, to_status, reason, data)
SELECT o.tenant_id, o.id, 'system:migration', 'status', o.status, 'cancelled',
       'gộp vào đơn khác của cùng người mua trong buổi live',
       jsonb_build_object('merged_into', m.keep)
FROM orders o JOIN merged_orders m ON m.id = o.id;
UPDATE orders o SET status = 'cancelled', updated_at = now(), version = o.version + 1
FROM merged_orders m WHERE o.id = m.id;
UPDATE orders o SET needs_reconfirmation = true, merge_review = true, updated_at = now()
WHERE o.id IN (SELECT keep FROM merged_orders);

CREATE UNIQUE INDEX orders_one_open_per_buyer_in_live ON orders (live_id, buyer_id)
    WHERE status IN ('draft', 'awaiting_confirmation', 'confirmed') AND live_id IS NOT NULL
      AND source <> 'platform';

-- Every session belongs to a live. A session created without one (a connector meeting a platform
-- live it does not know yet: a Facebook live video, a relay source's live, the Zalo OA's chat)
-- joins the live of the same cooperative that is on air on that channel, if one is; otherwise it
-- becomes a live of its own. A session that already exists keeps its live (an upsert that finds
-- it creates nothing).
CREATE FUNCTION chotdon_session_live() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.live_id IS NOT NULL THEN
        RETURN NEW;
    END IF;
    SELECT s.live_id INTO NEW.live_id FROM live_sessions s
    WHERE s.channel_id = NEW.channel_id AND s.external_live_id = NEW.external_live_id;
    IF NEW.live_id IS NULL AND NEW.status = 'live' THEN
        SELECT l.id INTO NEW.live_id
        FROM lives l JOIN live_sessions s ON s.live_id = l.id
        WHERE l.tenant_id = NEW.tenant_id AND l.status = 'live'
          AND s.channel_id = NEW.channel_id AND s.status = 'live'
        ORDER BY l.started_at DESC NULLS LAST, l.id DESC
        LIMIT 1;
    END IF;
    IF NEW.live_id IS NULL THEN
        INSERT INTO lives (tenant_id, title, status, started_at, ended_at)
        VALUES (NEW.tenant_id, NEW.title, NEW.status, NEW.started_at, NEW.ended_at)
        RETURNING id INTO NEW.live_id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER live_sessions_live BEFORE INSERT ON live_sessions
    FOR EACH ROW EXECUTE FUNCTION chotdon_session_live();

-- A live that is not on air on any channel any more is over: the last of its sessions to end
-- (a Facebook live_videos status webhook, the chaos run's end of a live) ends it.
CREATE FUNCTION chotdon_end_live() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.status = 'ended' AND OLD.status <> 'ended' AND NOT EXISTS (
        SELECT 1 FROM live_sessions s WHERE s.live_id = NEW.live_id AND s.status <> 'ended'
    ) THEN
        UPDATE lives SET status = 'ended', ended_at = coalesce(ended_at, NEW.ended_at, now())
        WHERE id = NEW.live_id AND status <> 'ended';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER live_sessions_end AFTER UPDATE OF status ON live_sessions
    FOR EACH ROW EXECUTE FUNCTION chotdon_end_live();
