package main

import "samsa/internal/cli/cluster"

func init() {
	register("cluster", "start, inspect and stop a local development cluster", cluster.Run)
}
