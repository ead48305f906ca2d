-- Couriers: find a shipment by the courier's tracking code (webhooks, polls) and the shipments
-- whose status is overdue for a poll, without scanning the table.
CREATE INDEX shipments_tracking_idx ON shipments (courier, tracking_code)
    WHERE tracking_code IS NOT NULL;
CREATE INDEX shipments_poll_idx ON shipments (next_poll_at)
    WHERE status IN ('created', 'picked_up', 'in_transit', 'failed_attempt', 'returning');
CREATE INDEX shipments_creating_idx ON shipments (updated_at) WHERE status = 'creating';
