"""One consumer-group member with confluent-kafka (librdkafka), for the
group interop tests (groups_test.go describes the protocol).

Usage: groups_confluent_member.py CONFIG_JSON

It subscribes, writes one JSON line per event on stdout (record,
committed, commit-failed, assigned, revoked, lost, error, closed) and
obeys "stop-commits" and "close" lines on stdin; end of stdin closes too.
"""

import json
import sys
import threading

from confluent_kafka import Consumer, KafkaException

LOCK = threading.Lock()


def emit(obj):
    with LOCK:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


class Control:
    """What stdin said: the reader thread sets, the poll loop reads."""

    def __init__(self):
        self.closing = threading.Event()
        self.stop_commits = threading.Event()

    def read(self):
        for line in sys.stdin:
            command = line.strip()
            if command == "stop-commits":
                self.stop_commits.set()
            elif command == "close":
                self.closing.set()
        self.closing.set()


def consumer(cfg):
    conf = {
        "bootstrap.servers": cfg["bootstrap"],
        "client.id": cfg["name"],
        "group.id": cfg["group"],
        "enable.auto.commit": False,
        "auto.offset.reset": cfg["reset"],
        "session.timeout.ms": cfg["session_timeout_ms"],
        "heartbeat.interval.ms": cfg["heartbeat_interval_ms"],
        "partition.assignment.strategy": cfg["assignor"],
        "fetch.wait.max.ms": 100,
        "topic.metadata.refresh.interval.ms": 1000,
    }
    if cfg.get("instance_id"):
        conf["group.instance.id"] = cfg["instance_id"]
    if cfg["protocol"] != "classic":
        conf["group.protocol"] = cfg["protocol"]
    return Consumer(conf)


def partitions(ev):
    # With cooperative-sticky these hold only what moves; librdkafka's
    # Python binding then does the incremental assign or unassign itself.
    def callback(_consumer, tps):
        emit({"ev": ev, "partitions": sorted(tp.partition for tp in tps)})
    return callback


def commit(c, msg):
    try:
        done = c.commit(message=msg, asynchronous=False)
    except KafkaException as exc:
        emit({"ev": "commit-failed", "error": exc.args[0].name() if exc.args else str(exc)})
        return
    for tp in done or []:
        if tp.error:
            emit({"ev": "commit-failed", "error": tp.error.name()})
        else:
            emit({"ev": "committed", "partition": tp.partition, "offset": tp.offset})


def main():
    cfg = json.loads(sys.argv[1])
    ctl = Control()
    threading.Thread(target=ctl.read, daemon=True).start()
    c = consumer(cfg)
    c.subscribe([cfg["topic"]], on_assign=partitions("assigned"),
                on_revoke=partitions("revoked"), on_lost=partitions("lost"))
    while not ctl.closing.is_set():
        msg = c.poll(0.1)
        if msg is None:
            continue
        if msg.error():
            emit({"ev": "error", "error": msg.error().name()})
            continue
        emit({"ev": "record", "partition": msg.partition(), "offset": msg.offset(),
              "value": msg.value().decode()})
        if not ctl.stop_commits.is_set():
            commit(c, msg)
    c.close()  # leaves the group, unless static
    emit({"ev": "closed"})


if __name__ == "__main__":
    main()
