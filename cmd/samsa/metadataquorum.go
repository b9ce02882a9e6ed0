package main

import "samsa/internal/cli/metadataquorum"

func init() {
	register("metadata-quorum", "describe the KRaft metadata quorum (kafka-metadata-quorum.sh)", metadataquorum.Run)
}
