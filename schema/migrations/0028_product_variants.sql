-- Variants with their own price and weight (issue 20): lychee 1 kg, 2 kg and 5 kg are three
-- rows, each with its price and its parcel weight; NULL means "the product's own".
--
-- products.variants (text[]) stays the ordered list of names the comment parser and the pickers
-- read; this table holds what each name costs and weighs. The database keeps the two in step:
-- whatever writes products.variants (the catalogue form, the CSV import, a seed), a trigger adds
-- a row for each new name, drops the rows of names gone and keeps the order, so no writer can
-- leave a price behind for a variant that no longer exists. A live's stock is per (product,
-- variant) already (live_stock); order lines take the variant's price when it has one.
CREATE TABLE product_variants (
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    product_id  bigint NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name <> ''),
    position    smallint NOT NULL DEFAULT 0,
    price_vnd   bigint CHECK (price_vnd >= 0),
    weight_g    integer CHECK (weight_g >= 0),
    PRIMARY KEY (product_id, name)
);
CREATE INDEX product_variants_tenant_idx ON product_variants (tenant_id, product_id);
SELECT chotdon_tenant_wall('product_variants');

CREATE FUNCTION chotdon_sync_product_variants() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM product_variants v
    WHERE v.product_id = NEW.id AND NOT (v.name = ANY (NEW.variants));
    INSERT INTO product_variants (tenant_id, product_id, name, position)
    SELECT DISTINCT ON (t.name) NEW.tenant_id, NEW.id, t.name, t.ord - 1
    FROM unnest(NEW.variants) WITH ORDINALITY AS t(name, ord)
    WHERE t.name <> ''
    ORDER BY t.name, t.ord
    ON CONFLICT (product_id, name) DO UPDATE SET position = excluded.position;
    RETURN NULL;
END
$$;

CREATE TRIGGER products_variants_sync
AFTER INSERT OR UPDATE OF variants ON products
FOR EACH ROW EXECUTE FUNCTION chotdon_sync_product_variants();

-- Every existing variant becomes a row, priced and weighed as its product until the director
-- says otherwise.
INSERT INTO product_variants (tenant_id, product_id, name, position)
SELECT DISTINCT ON (p.id, t.name) p.tenant_id, p.id, t.name, t.ord - 1
FROM products p, unnest(p.variants) WITH ORDINALITY AS t(name, ord)
WHERE t.name <> ''
ORDER BY p.id, t.name, t.ord
ON CONFLICT (product_id, name) DO NOTHING;
