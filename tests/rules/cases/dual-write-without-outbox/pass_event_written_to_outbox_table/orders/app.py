import os

import psycopg
from fastapi import FastAPI
from kafka import KafkaProducer

app = FastAPI()
producer = KafkaProducer(bootstrap_servers=os.getenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"))


@app.post("/orders")
def place(sku: str) -> dict:
    with psycopg.connect(os.getenv("DATABASE_URL", "")) as conn:
        conn.execute("INSERT INTO orders (sku) VALUES (%s)", (sku,))
        conn.execute("INSERT INTO outbox (topic, payload) VALUES ('order-events', %s)", (sku,))
    return {"ok": True}
