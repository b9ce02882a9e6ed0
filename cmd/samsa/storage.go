package main

import "samsa/internal/cli/storagetool"

func init() {
	register("storage", "format and inspect data directories (kafka-storage.sh)", storagetool.Run)
}
