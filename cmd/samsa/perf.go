package main

import (
	"samsa/internal/cli"
	"samsa/internal/cli/perf"
)

func init() {
	// The tools print this for --version; the link-time version is set by
	// now, since -X assigns the variable's initial value.
	cli.Version = version
	register("producer-perf-test", "measure producer throughput and latency (kafka-producer-perf-test)", perf.RunProducer)
	register("consumer-perf-test", "measure consumer throughput (kafka-consumer-perf-test)", perf.RunConsumer)
}
