package main

import "samsa/internal/cli/getoffsets"

func init() {
	register("get-offsets", "print topic partition offsets at a time (kafka-get-offsets.sh)", getoffsets.Run)
}
