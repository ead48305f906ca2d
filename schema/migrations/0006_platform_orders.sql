-- Platform orders (TikTok Shop) in the order queue.
-- platform_orders.applied_updated_at: the platform's update time of the state last applied to our
-- order. A row whose updated_at differs has a state not applied yet (the apply job and the sweeper
-- find them through the partial index); an older or repeated delivery never changes updated_at, so
-- it has nothing to apply.
ALTER TABLE platform_orders ADD COLUMN applied_updated_at timestamptz;
CREATE INDEX platform_orders_unapplied_idx ON platform_orders (channel_id, id)
    WHERE applied_updated_at IS DISTINCT FROM updated_at;

-- A buyer may place several TikTok Shop orders during one live: each is its own order, so the
-- one-open-order-per-buyer rule of comment orders does not apply to them.
DROP INDEX orders_one_open_per_buyer;
CREATE UNIQUE INDEX orders_one_open_per_buyer ON orders (session_id, buyer_identity_id)
    WHERE status IN ('draft', 'awaiting_confirmation', 'confirmed') AND session_id IS NOT NULL
      AND source <> 'platform';
