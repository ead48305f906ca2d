-- Dead letters: a delivery whose sender is proven (signature or token checked) but whose body
-- chotdon cannot read yet is kept whole as 'unreadable', answered 2xx so the platform does not
-- retry for hours or disable the webhook, and processed again by `chotdon deliveries replay`
-- after an upgrade. replays counts the attempts; replayed_at is when the last one ran.
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
    CHECK (status IN ('received', 'processed', 'rejected', 'failed', 'duplicate', 'unreadable'));
ALTER TABLE webhook_deliveries ADD COLUMN replays integer NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN replayed_at timestamptz;
CREATE INDEX webhook_deliveries_unreadable_idx ON webhook_deliveries (source, id)
    WHERE status = 'unreadable';
