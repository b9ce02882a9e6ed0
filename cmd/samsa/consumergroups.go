package main

import "samsa/internal/cli/consumergroups"

func init() {
	register("consumer-groups", "list, describe, delete consumer groups and reset their offsets (kafka-consumer-groups.sh)", consumergroups.Run)
}
