package main

import "samsa/internal/cli/topics"

func init() {
	register("topics", "create, list, describe, alter and delete topics (kafka-topics.sh)", topics.Run)
}
