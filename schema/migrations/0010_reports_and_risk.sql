-- "Bom hàng" risk level of a buyer's parcel record, exactly as aggregator/core/risk.py computes
-- it (0 new, 1 low, 2 medium, 3 high, 4 blocked), so the staff queue can filter by risk in SQL.
-- tests/integration/test_staff_queue_filters.py checks both agree on every count up to 12.
CREATE FUNCTION chotdon_risk_level(delivered integer, returned integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN returned = 0 THEN CASE WHEN delivered > 0 THEN 1 ELSE 0 END
        WHEN returned >= 3 AND delivered = 0 THEN 4
        WHEN returned >= 2 AND returned * 2 >= delivered + returned THEN 3
        WHEN returned * 3 >= delivered + returned THEN 2
        ELSE 1
    END
$$;

-- Reports read a cooperative's orders by creation time over a date range (any status): without
-- this, a month's report scanned every cooperative's orders.
CREATE INDEX orders_tenant_created_idx ON orders (tenant_id, created_at);
