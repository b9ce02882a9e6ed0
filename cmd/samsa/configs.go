package main

import "samsa/internal/cli/configs"

func init() {
	register("configs", "describe and alter topic and broker configs (kafka-configs.sh)", configs.Run)
}
