"""Drives kafka-python against a broker for the interop tests.

Usage: kafka_python_driver.py BOOTSTRAP COMMAND ARGS_JSON

The commands and output match confluent_driver.py: one JSON object per
line on stdout; keys, values and header values as base64 (null for a null
key/value); records to produce as JSON lines on stdin. Errors are reported
by kafka-python's exception class name (e.g. TopicAlreadyExistsError).
"""

import base64
import json
import sys

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic

TIMESTAMP_TYPES = {0: "create", 1: "log_append"}


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def b64(data):
    return None if data is None else base64.b64encode(data).decode()


def unb64(text):
    return None if text is None else base64.b64decode(text)


def admin(bootstrap):
    return KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)


def cmd_create_topics(bootstrap, args):
    # create_topics raises the first topic error, so each topic goes alone.
    a = admin(bootstrap)
    for t in args["topics"]:
        try:
            a.create_topics([NewTopic(t["name"], t["partitions"], t["rf"],
                                      topic_configs=t.get("configs", {}))])
            emit({"topic": t["name"], "error": None})
        except Exception as exc:
            emit({"topic": t["name"], "error": type(exc).__name__})
    a.close()


def cmd_delete_topics(bootstrap, args):
    a = admin(bootstrap)
    for name in args["topics"]:
        try:
            a.delete_topics([name])
            emit({"topic": name, "error": None})
        except Exception as exc:
            emit({"topic": name, "error": type(exc).__name__})
    a.close()


def cmd_create_partitions(bootstrap, args):
    a = admin(bootstrap)
    try:
        a.create_partitions({args["topic"]: NewPartitions(args["count"])})
        emit({"topic": args["topic"], "error": None})
    except Exception as exc:
        emit({"topic": args["topic"], "error": type(exc).__name__})
    a.close()


def cmd_metadata(bootstrap, args):
    a = admin(bootstrap)
    names = sorted(a.list_topics())
    described = a.describe_topics([args["topic"]] if args.get("topic") else names)
    topics = {}
    for t in described:
        parts = [{"id": p["partition"], "leader": p["leader"], "replicas": p["replicas"],
                  "isrs": p["isr"], "error": None if p["error_code"] == 0 else p["error_code"]}
                 for p in sorted(t["partitions"], key=lambda p: p["partition"])]
        topics[t["topic"]] = {"error": None if t["error_code"] == 0 else t["error_code"],
                              "partitions": parts}
    cluster = a._client.cluster
    brokers = [{"id": b.nodeId, "host": b.host, "port": b.port} for b in cluster.brokers()]
    emit({"names": names, "controller_id": cluster.controller.nodeId if cluster.controller else None,
          "brokers": brokers, "topics": topics})
    a.close()


def cmd_describe_configs(bootstrap, args):
    kind = {"topic": ConfigResourceType.TOPIC, "broker": ConfigResourceType.BROKER}[args["type"]]
    a = admin(bootstrap)
    for resp in a.describe_configs([ConfigResource(kind, args["name"])]):
        for code, _msg, _rtype, _rname, entries in resp.resources:
            if code != 0:
                emit({"error": "code %d" % code})
                continue
            # entries: (name, value, read_only, is_default or source, is_sensitive[, synonyms])
            emit({"configs": {e[0]: e[1] for e in entries}})
    a.close()


def cmd_produce(bootstrap, args):
    """Produces the stdin records in order, one delivery line each."""
    conf = {"bootstrap_servers": bootstrap, "acks": "all", "linger_ms": 5}
    conf.update(args.get("config") or {})
    producer = KafkaProducer(**conf)
    futures = []
    for index, line in enumerate(sys.stdin):
        rec = json.loads(line)
        kwargs = {"value": unb64(rec.get("value")), "key": unb64(rec.get("key"))}
        if rec.get("partition") is not None:
            kwargs["partition"] = rec["partition"]
        if rec.get("headers") is not None:
            kwargs["headers"] = [(k, unb64(v)) for k, v in rec["headers"]]
        if rec.get("timestamp"):
            kwargs["timestamp_ms"] = rec["timestamp"]
        try:
            futures.append((index, producer.send(rec["topic"], **kwargs)))
        except Exception as exc:  # refused before sending, e.g. too large
            futures.append((index, exc))
        if args.get("flush_each"):
            producer.flush(30)
    producer.flush(30)
    for index, fut in futures:
        if isinstance(fut, Exception):
            emit({"i": index, "error": type(fut).__name__})
            continue
        try:
            md = fut.get(30)
            emit({"i": index, "error": None, "topic": md.topic, "partition": md.partition,
                  "offset": md.offset, "timestamp": md.timestamp})
        except Exception as exc:
            emit({"i": index, "error": type(exc).__name__})
    producer.close(10)


def consumer(bootstrap, args):
    conf = {"bootstrap_servers": bootstrap, "group_id": None, "enable_auto_commit": False,
            "auto_offset_reset": "earliest", "request_timeout_ms": 30000}
    conf.update(args.get("config") or {})
    return KafkaConsumer(**conf)


def record_json(rec):
    return {"topic": rec.topic, "partition": rec.partition, "offset": rec.offset,
            "key": b64(rec.key), "value": b64(rec.value),
            "headers": [[k, b64(v)] for k, v in rec.headers],
            "timestamp_type": TIMESTAMP_TYPES.get(rec.timestamp_type, rec.timestamp_type),
            "timestamp": rec.timestamp}


def cmd_consume(bootstrap, args):
    """Reads the assigned partitions from the given offsets to their end."""
    c = consumer(bootstrap, args)
    tps = [TopicPartition(a["topic"], a["partition"]) for a in args["assign"]]
    c.assign(tps)
    for a, tp in zip(args["assign"], tps):
        if a["offset"] == "beginning":
            c.seek_to_beginning(tp)
        elif a["offset"] == "end":
            c.seek_to_end(tp)
        else:
            c.seek(tp, a["offset"])
    ends = c.end_offsets(tps)
    want = args.get("count")
    got = 0
    idle = 0
    while any(c.position(tp) < ends[tp] for tp in tps) and (want is None or got < want):
        batch = c.poll(timeout_ms=1000)
        if not batch:
            idle += 1
            if idle > 15:
                emit({"error": "timed out waiting for records"})
                break
            continue
        idle = 0
        for tp in sorted(batch, key=lambda tp: (tp.topic, tp.partition)):
            for rec in batch[tp]:
                emit(record_json(rec))
                got += 1
    c.close()


def cmd_offsets(bootstrap, args):
    """Prints beginning/end offsets and offsets_for_times answers."""
    c = consumer(bootstrap, args)
    tps = [TopicPartition(args["topic"], p) for p in args["partitions"]]
    low, high = c.beginning_offsets(tps), c.end_offsets(tps)
    for tp in tps:
        emit({"partition": tp.partition, "low": low[tp], "high": high[tp]})
    for q in args.get("times") or []:
        tp = TopicPartition(args["topic"], q["partition"])
        res = c.offsets_for_times({tp: q["timestamp"]})[tp]
        emit({"partition": q["partition"], "timestamp": q["timestamp"],
              "offset": -1 if res is None else res.offset, "error": None})
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
