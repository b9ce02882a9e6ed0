package main

import "samsa/internal/cli/metadatashell"

func init() {
	register("metadata-shell", "browse the cluster metadata from the metadata log (kafka-metadata-shell.sh)", metadatashell.Run)
}
