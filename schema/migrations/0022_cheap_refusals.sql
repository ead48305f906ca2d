-- A delivery whose sender is not proven (no or a wrong signature, token or address) is kept cheap:
-- its body column holds only a short prefix, with the size and SHA-256 of the body as it came, so
-- anyone posting megabytes to a webhook route cannot fill the disk. Verified deliveries (dead
-- letters included) keep their whole body, as before; body_size is recorded for them too.
ALTER TABLE webhook_deliveries ADD COLUMN body_size integer;
ALTER TABLE webhook_deliveries ADD COLUMN body_sha256 bytea;
