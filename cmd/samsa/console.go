package main

import "samsa/internal/cli/console"

func init() {
	register("console-producer", "write standard input to a topic, one record per line (kafka-console-producer)", console.RunProducer)
	register("console-consumer", "print the records of topics to standard output (kafka-console-consumer)", console.RunConsumer)
}
