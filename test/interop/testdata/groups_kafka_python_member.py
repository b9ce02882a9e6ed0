"""One consumer-group member with kafka-python, for the group interop tests
(groups_test.go describes the protocol).

Usage: groups_kafka_python_member.py CONFIG_JSON

It subscribes, writes one JSON line per event on stdout (record,
committed, commit-failed, assigned, revoked, error, closed) and obeys
"stop-commits" and "close" lines on stdin; end of stdin closes too.
kafka-python 2.0.2 has neither cooperative rebalancing nor static
membership.
"""

import json
import sys
import threading

from kafka import ConsumerRebalanceListener, KafkaConsumer, OffsetAndMetadata
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor

LOCK = threading.Lock()

ASSIGNORS = {"range": RangePartitionAssignor, "roundrobin": RoundRobinPartitionAssignor}


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


class Listener(ConsumerRebalanceListener):
    def on_partitions_revoked(self, revoked):
        emit({"ev": "revoked", "partitions": sorted(tp.partition for tp in revoked)})

    def on_partitions_assigned(self, assigned):
        emit({"ev": "assigned", "partitions": sorted(tp.partition for tp in assigned)})


def main():
    cfg = json.loads(sys.argv[1])
    if cfg["protocol"] != "classic" or cfg.get("instance_id"):
        raise SystemExit("kafka-python 2.0.2 speaks only the classic protocol, without static membership")
    ctl = Control()
    threading.Thread(target=ctl.read, daemon=True).start()
    c = KafkaConsumer(
        bootstrap_servers=cfg["bootstrap"],
        client_id=cfg["name"],
        group_id=cfg["group"],
        enable_auto_commit=False,
        auto_offset_reset=cfg["reset"],
        session_timeout_ms=cfg["session_timeout_ms"],
        heartbeat_interval_ms=cfg["heartbeat_interval_ms"],
        partition_assignment_strategy=[ASSIGNORS[cfg["assignor"]]],
        fetch_max_wait_ms=100,
        metadata_max_age_ms=5000,
    )
    c.subscribe([cfg["topic"]], listener=Listener())
    while not ctl.closing.is_set():
        batch = c.poll(timeout_ms=100)
        offsets = {}
        for tp, records in sorted(batch.items(), key=lambda kv: kv[0].partition):
            for rec in records:
                emit({"ev": "record", "partition": rec.partition, "offset": rec.offset,
                      "value": rec.value.decode()})
                offsets[tp] = OffsetAndMetadata(rec.offset + 1, "")
        if offsets and not ctl.stop_commits.is_set():
            try:
                c.commit(offsets)
            except Exception as exc:  # a failed commit is data for the test
                emit({"ev": "commit-failed", "error": type(exc).__name__ + ": " + str(exc)})
                continue
            for tp, om in offsets.items():
                emit({"ev": "committed", "partition": tp.partition, "offset": om.offset})
    c.close(autocommit=False)  # leaves the group
    emit({"ev": "closed"})


if __name__ == "__main__":
    main()
