-- The webhook hot path claims its deliveries' keys itself, set-based, in the statement that
-- records them (record_claimed_webhook_deliveries in schema/queries/inbox.sql), and says so for
-- its transaction with set_config('chotdon.delivery_keys_claimed', 'on', true). The row trigger
-- of 0034 is then skipped by its WHEN, so those rows pay no function call: measured here at
-- about 30 µs of Postgres CPU per delivery in batches of 25 (60 against 20-30 µs per row with
-- the trigger off), on every signed Facebook POST. Every other writer is unchanged: without
-- the setting the trigger keeps each verified key once, as before (comments_once does the same).
DROP TRIGGER webhook_deliveries_once ON webhook_deliveries;
CREATE TRIGGER webhook_deliveries_once BEFORE INSERT ON webhook_deliveries
    FOR EACH ROW
    WHEN (current_setting('chotdon.delivery_keys_claimed', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION chotdon_delivery_once();
