CREATE TABLE orders (
    id BIGINT PRIMARY KEY,
    sku TEXT
);
