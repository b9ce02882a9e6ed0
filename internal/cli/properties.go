package cli

import (
	"fmt"
	"os"

	"samsa/internal/config"
)

// LoadProperties reads a Java .properties file (--producer.config,
// --consumer.config, --command-config) into a map, with the rules of
// java.util.Properties.load as config.ParseProperties implements them.
// Later keys override earlier ones.
func LoadProperties(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read properties file: %w", err)
	}
	props, err := config.ParseProperties(string(data))
	if err != nil {
		return nil, fmt.Errorf("properties file %s: %w", path, err)
	}
	out := make(map[string]string, len(props))
	for _, p := range props {
		out[p.Key] = p.Value
	}
	return out, nil
}
