CREATE TABLE stock (
    sku TEXT PRIMARY KEY,
    quantity INT NOT NULL
);
