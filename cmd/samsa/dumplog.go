package main

import "samsa/internal/cli/dumplog"

func init() {
	register("dump-log", "print the contents of log segments, indexes and metadata snapshots (kafka-dump-log.sh)", dumplog.Run)
}
