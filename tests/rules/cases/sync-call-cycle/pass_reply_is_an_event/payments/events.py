from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers="kafka:9092")


def mark_paid(order_id: str) -> None:
    producer.send("payment-events", order_id.encode())
