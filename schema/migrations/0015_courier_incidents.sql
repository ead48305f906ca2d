-- Courier incidents staff must see: a parcel the courier could not pick up, lost, damaged, or in
-- an exception outside its normal flow (GHN lost/damage/exception, GHTK 7/127 and 13). Until now
-- they were stored as 'unmapped' events and the parcel still looked healthy.
ALTER TABLE shipments DROP CONSTRAINT shipments_status_check;
ALTER TABLE shipments ADD CONSTRAINT shipments_status_check CHECK (status IN (
    'creating', 'created', 'picked_up', 'in_transit', 'delivered', 'failed_attempt', 'returning',
    'returned', 'cancelled', 'pickup_failed', 'lost', 'damaged', 'exception'));

-- The courier's own reason for the status the parcel is in (GHN Reason, GHTK reason, Viettel
-- Post's failure reason and note), shown on the order page and in the director's alerts.
ALTER TABLE shipments ADD COLUMN status_reason text NOT NULL DEFAULT '';

-- A parcel waiting for a new pickup attempt is polled like the others; incidents are not (the
-- couriers call them final, and a late webhook still reaches them).
DROP INDEX shipments_poll_idx;
CREATE INDEX shipments_poll_idx ON shipments (next_poll_at)
    WHERE status IN ('created', 'picked_up', 'in_transit', 'failed_attempt', 'returning',
                     'pickup_failed');

-- The dashboard's alerts, every tick: a cooperative's parcels in trouble lately, and its dead
-- letters of the last days.
CREATE INDEX shipments_attention_idx ON shipments (tenant_id, updated_at)
    WHERE status IN ('pickup_failed', 'failed_attempt', 'lost', 'damaged', 'exception');
CREATE INDEX webhook_deliveries_unreadable_tenant_idx ON webhook_deliveries (tenant_id, received_at)
    WHERE status = 'unreadable';
