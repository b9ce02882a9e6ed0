//go:build ignore

// gendoc writes docs/configuration.md from the configuration table; run it
// with `go generate ./internal/config`.
package main

import (
	"log"
	"os"
	"path/filepath"

	"samsa/internal/config"
)

func main() {
	out := filepath.Join("..", "..", "docs", "configuration.md")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(out, []byte(config.Markdown()), 0o644); err != nil {
		log.Fatal(err)
	}
}
