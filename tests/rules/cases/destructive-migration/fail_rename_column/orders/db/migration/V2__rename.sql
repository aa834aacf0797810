-- align with the catalog's naming
ALTER TABLE orders RENAME COLUMN sku TO product_sku;
