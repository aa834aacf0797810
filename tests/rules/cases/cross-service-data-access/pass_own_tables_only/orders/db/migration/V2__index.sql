CREATE INDEX orders_sku ON orders (sku);
SELECT id FROM orders WHERE sku = 'x';
