"""Produces continuously with acks=all until stdin closes, for the kill -9 test.

Usage: confluent_kill_producer.py BOOTSTRAP TOPIC

Each acknowledged record is printed as {"p": partition, "o": offset,
"v": value} and each failed one as {"error": name, "v": value}, one JSON
line each, as soon as librdkafka reports it. The broker is killed and
restarted while this runs; records buffered meanwhile are retried until
message.timeout.ms. When stdin closes the producer flushes and prints
{"done": produced, "undelivered": count}.
"""

import json
import sys
import threading
import time

from confluent_kafka import Producer


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def on_delivery(err, msg):
    value = msg.value().decode()
    if err is not None:
        emit({"error": err.name(), "v": value})
    else:
        emit({"p": msg.partition(), "o": msg.offset(), "v": value})


def main():
    bootstrap, topic = sys.argv[1], sys.argv[2]
    producer = Producer({
        "bootstrap.servers": bootstrap,
        "acks": "all",
        "linger.ms": 2,
        "message.timeout.ms": 60000,
        "reconnect.backoff.ms": 20,
        "reconnect.backoff.max.ms": 200,
        "retry.backoff.ms": 50,
    })
    stop = threading.Event()

    def wait_stdin():
        sys.stdin.read()
        stop.set()

    threading.Thread(target=wait_stdin, daemon=True).start()
    produced = 0
    while not stop.is_set():
        value = "v%07d" % produced
        try:
            producer.produce(topic, value=value.encode(), key=str(produced % 16).encode(),
                             on_delivery=on_delivery)
            produced += 1
        except BufferError:
            producer.poll(0.05)
            continue
        producer.poll(0)
        if produced % 50 == 0:
            time.sleep(0.005)
    left = producer.flush(70)
    emit({"done": produced, "undelivered": left})


if __name__ == "__main__":
    main()
