"""Drives confluent-kafka (librdkafka) against a broker for the interop tests.

Usage: confluent_driver.py BOOTSTRAP COMMAND ARGS_JSON

Every result is one JSON object per line on stdout, so the Go test can
assert exact values. Keys, values and header values travel as base64 (null
for a null key/value), records to produce arrive as JSON lines on stdin.
"""

import base64
import json
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

TIMESTAMP_TYPES = {0: "not_available", 1: "create", 2: "log_append"}


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def b64(data):
    return None if data is None else base64.b64encode(data).decode()


def unb64(text):
    return None if text is None else base64.b64decode(text)


def error_name(exc):
    """Returns the librdkafka error name of a future's exception."""
    if isinstance(exc, KafkaException) and exc.args:
        return exc.args[0].name()
    return type(exc).__name__ + ": " + str(exc)


def admin(bootstrap):
    return AdminClient({"bootstrap.servers": bootstrap})


def wait_all(futures, key):
    """Prints each future's outcome; the AdminClient must outlive this."""
    for name, fut in sorted(futures.items(), key=lambda kv: str(kv[0])):
        try:
            fut.result()
            emit({key: str(name), "error": None})
        except Exception as exc:  # each topic's outcome is data
            emit({key: str(name), "error": error_name(exc)})


def cmd_create_topics(bootstrap, args):
    topics = [NewTopic(t["name"], t["partitions"], t["rf"], config=t.get("configs", {}))
              for t in args["topics"]]
    a = admin(bootstrap)
    wait_all(a.create_topics(topics, request_timeout=15), "topic")


def cmd_delete_topics(bootstrap, args):
    a = admin(bootstrap)
    wait_all(a.delete_topics(args["topics"], request_timeout=15), "topic")


def cmd_create_partitions(bootstrap, args):
    a = admin(bootstrap)
    fs = a.create_partitions([NewPartitions(args["topic"], args["count"])], request_timeout=15)
    wait_all(fs, "topic")


def cmd_metadata(bootstrap, args):
    a = admin(bootstrap)
    md = a.list_topics(topic=args.get("topic"), timeout=15)
    topics = {}
    for name, t in md.topics.items():
        parts = [{"id": p.id, "leader": p.leader, "replicas": p.replicas, "isrs": p.isrs,
                  "error": p.error.name() if p.error else None}
                 for p in sorted(t.partitions.values(), key=lambda p: p.id)]
        topics[name] = {"error": t.error.name() if t.error else None, "partitions": parts}
    brokers = [{"id": b.id, "host": b.host, "port": b.port} for b in md.brokers.values()]
    emit({"cluster_id": md.cluster_id, "controller_id": md.controller_id,
          "brokers": brokers, "topics": topics})


def cmd_describe_configs(bootstrap, args):
    kind = {"topic": ConfigResource.Type.TOPIC, "broker": ConfigResource.Type.BROKER}[args["type"]]
    a = admin(bootstrap)
    fs = a.describe_configs([ConfigResource(kind, args["name"])], request_timeout=15)
    for _, fut in fs.items():
        try:
            entries = fut.result()
            emit({"configs": {k: v.value for k, v in entries.items()},
                  "defaults": sorted(k for k, v in entries.items() if v.is_default)})
        except Exception as exc:
            emit({"error": error_name(exc)})


def cmd_produce(bootstrap, args):
    """Produces the stdin records in order, one delivery line each."""
    conf = {"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5}
    conf.update(args.get("config") or {})
    producer = Producer(conf)
    results = {}

    def report(index):
        def on_delivery(err, msg):
            if err is not None:
                results[index] = {"i": index, "error": err.name()}
                return
            ts_type, ts = msg.timestamp()
            results[index] = {"i": index, "error": None, "topic": msg.topic(),
                              "partition": msg.partition(), "offset": msg.offset(),
                              "timestamp_type": TIMESTAMP_TYPES[ts_type], "timestamp": ts}
        return on_delivery

    for index, line in enumerate(sys.stdin):
        rec = json.loads(line)
        kwargs = {"value": unb64(rec.get("value")), "key": unb64(rec.get("key")),
                  "on_delivery": report(index)}
        if rec.get("partition") is not None:
            kwargs["partition"] = rec["partition"]
        if rec.get("headers") is not None:
            kwargs["headers"] = [(k, unb64(v)) for k, v in rec["headers"]]
        if rec.get("timestamp"):
            kwargs["timestamp"] = rec["timestamp"]
        try:
            producer.produce(rec["topic"], **kwargs)
        except Exception as exc:  # refused before sending, e.g. too large
            results[index] = {"i": index, "error": error_name(exc)}
        if args.get("flush_each"):
            producer.flush(30)
        producer.poll(0)
    left = producer.flush(30)
    for index in sorted(results):
        emit(results[index])
    if left:
        emit({"error": "%d messages not delivered" % left})


def consumer(bootstrap, args):
    # group.id is required by librdkafka's consumer even though nothing here
    # joins a group (assign() only) or commits; fetch.wait.max.ms is short so
    # an empty fetch reports the partition's end quickly.
    conf = {"bootstrap.servers": bootstrap, "group.id": "interop-unused",
            "enable.auto.commit": False, "enable.partition.eof": True,
            "fetch.wait.max.ms": 50}
    conf.update(args.get("config") or {})
    return Consumer(conf)


def record_json(msg):
    ts_type, ts = msg.timestamp()
    headers = msg.headers() or []
    return {"topic": msg.topic(), "partition": msg.partition(), "offset": msg.offset(),
            "key": b64(msg.key()), "value": b64(msg.value()),
            "headers": [[k, b64(v)] for k, v in headers],
            "timestamp_type": TIMESTAMP_TYPES[ts_type], "timestamp": ts}


def cmd_consume(bootstrap, args):
    """Reads the assigned partitions from the given offsets to their end."""
    c = consumer(bootstrap, args)
    offsets = {"beginning": -2, "end": -1}
    tps = [TopicPartition(a["topic"], a["partition"], offsets.get(a["offset"], a["offset"]))
           for a in args["assign"]]
    c.assign(tps)
    pending = {(tp.topic, tp.partition) for tp in tps}
    want = args.get("count")
    got = 0
    while pending and (want is None or got < want):
        msg = c.poll(15)
        if msg is None:
            emit({"error": "timed out waiting for records"})
            break
        if msg.error():
            if msg.error().code() == -191:  # _PARTITION_EOF
                pending.discard((msg.topic(), msg.partition()))
                continue
            emit({"error": msg.error().name()})
            break
        emit(record_json(msg))
        got += 1
    c.close()


def cmd_offsets(bootstrap, args):
    """Prints watermarks of each partition and offsets_for_times answers."""
    c = consumer(bootstrap, args)
    for p in args["partitions"]:
        tp = TopicPartition(args["topic"], p)
        low, high = c.get_watermark_offsets(tp, timeout=15)
        emit({"partition": p, "low": low, "high": high})
    for q in args.get("times") or []:
        res = c.offsets_for_times([TopicPartition(args["topic"], q["partition"], q["timestamp"])],
                                  timeout=15)
        emit({"partition": q["partition"], "timestamp": q["timestamp"], "offset": res[0].offset,
              "error": res[0].error.name() if res[0].error else None})
    c.close()


COMMANDS = {
    "create-topics": cmd_create_topics,
    "delete-topics": cmd_delete_topics,
    "create-partitions": cmd_create_partitions,
    "metadata": cmd_metadata,
    "describe-configs": cmd_describe_configs,
    "produce": cmd_produce,
    "consume": cmd_consume,
    "offsets": cmd_offsets,
}


def main():
    bootstrap, command = sys.argv[1], sys.argv[2]
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    COMMANDS[command](bootstrap, args)


if __name__ == "__main__":
    main()
