CREATE VIEW order_availability AS
SELECT o.id, s.quantity
FROM orders o
JOIN stock s ON s.sku = o.sku;
