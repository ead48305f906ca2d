-- webhook_deliveries had two indexes leading with id: its primary key (id, received_at) and
-- webhook_deliveries_id_idx (id), made with the month partitions (0034). Every lookup by id (a
-- delivery finished or replayed, dead letters in id order, a payment's delivery) uses the primary
-- key's leading column as well, so the second index only cost every delivery stored one more
-- index entry, on the webhook hot path (the intake's one statement per batch).
DROP INDEX webhook_deliveries_id_idx;
