package config

import (
	"strings"
	"testing"
)

func BenchmarkLoadBuiltInDefaults(b *testing.B) {
	for b.Loop() {
		if _, _, err := Load(Sources{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseProperties(b *testing.B) {
	text := strings.Repeat(DefaultServerProperties(), 4)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := ParseProperties(text); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolveTopic(b *testing.B) {
	broker, _, err := Load(Sources{})
	if err != nil {
		b.Fatal(err)
	}
	overrides := map[string]string{"retention.ms": "3600000", "cleanup.policy": "compact", "max.message.bytes": "2097152"}
	for b.Loop() {
		if _, err := ResolveTopic(overrides, broker); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDescribeTopic(b *testing.B) {
	broker, _, err := Load(Sources{})
	if err != nil {
		b.Fatal(err)
	}
	overrides := map[string]string{"retention.ms": "3600000"}
	for b.Loop() {
		if _, err := DescribeTopic(overrides, broker); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDescribeBroker(b *testing.B) {
	broker, _, err := Load(Sources{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		broker.DescribeBroker()
	}
}
