-- Director's catalogue and live setup: product photos, keyword templates, per-live keywords and
-- the on-air promotion's free shipping.

-- A product's photo, kept in the database so it is backed up with the catalogue and no file path
-- ever comes from a user. content_type is decided from the image's own bytes, not the upload.
CREATE TABLE product_photos (
    product_id    bigint PRIMARY KEY REFERENCES products(id) ON DELETE CASCADE,
    tenant_id     bigint NOT NULL REFERENCES tenants(id),
    content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    data          bytea NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_photos_tenant_idx ON product_photos (tenant_id);

-- Saved sets of extra keywords per product code ({"A01": ["gạo thơm", "st25 mới"]}), reused
-- between lives.
CREATE TABLE keyword_templates (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    name        text NOT NULL,
    keywords    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name)
);

-- The extra keywords one live parses with (a copy of its templates taken when it starts, so a
-- template edited later does not change how an earlier live was read).
ALTER TABLE live_sessions ADD COLUMN keywords jsonb NOT NULL DEFAULT '{}'::jsonb;

-- The live's promotion waived this order's shipping fee (the shop pays the courier).
ALTER TABLE orders ADD COLUMN free_shipping boolean NOT NULL DEFAULT false;
