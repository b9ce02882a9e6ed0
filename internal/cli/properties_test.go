package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadProperties(t *testing.T) {
	text := strings.Join([]string{
		"# comment",
		"! also a comment",
		"",
		"bootstrap.servers=localhost:9092",
		"  acks : all",
		"linger.ms 5",
		"client.id=perf\\",
		"    -client",
		"path=C:\\\\tmp\\tx",
		"unicode=caf\\u00e9",
		"key\\ with\\ spaces=v",
		"empty=",
		"equals=a=b",
		"acks=1",
	}, "\r\n")
	path := filepath.Join(t.TempDir(), "producer.properties")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadProperties(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"bootstrap.servers": "localhost:9092",
		"acks":              "1",
		"linger.ms":         "5",
		"client.id":         "perf-client",
		"path":              "C:\\tmp\tx",
		"unicode":           "café",
		"key with spaces":   "v",
		"empty":             "",
		"equals":            "a=b",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if _, err := LoadProperties(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("missing file loaded without error")
	}
}

func TestProducerOpts(t *testing.T) {
	cfg, err := ProducerOpts(map[string]string{
		"bootstrap.servers": "a:1,b:2", "acks": "1", "compression.type": "zstd",
		"key.serializer": "org.apache.kafka.common.serialization.ByteArraySerializer",
		"bogus.key":      "x", "max.block.ms": "1000",
	})
	if err != nil {
		t.Fatal(err)
	}
	wantWarnings := []string{
		"WARN The configuration 'bogus.key' was supplied but isn't a known config.",
		"WARN The configuration 'max.block.ms' is not supported by Samsa's tools and has no effect.",
	}
	if !reflect.DeepEqual(cfg.Warnings, wantWarnings) {
		t.Fatalf("warnings %q, want %q", cfg.Warnings, wantWarnings)
	}
	if cfg.Known["linger.ms"] != "5" || cfg.Known["batch.size"] != "16384" {
		t.Fatalf("Java defaults not applied: %v", cfg.Known)
	}
	bad := []map[string]string{
		{"acks": "2"},
		{"acks": "1", "enable.idempotence": "true"},
		{"compression.type": "brotli"},
		{"linger.ms": "soon"},
		{"bootstrap.servers": " , "},
		{"security.protocol": "SASL_SSL"},
	}
	for _, props := range bad {
		if _, err := ProducerOpts(props); err == nil {
			t.Errorf("ProducerOpts(%v) succeeded", props)
		}
	}
}

func TestIdempotence(t *testing.T) {
	cases := []struct {
		props map[string]string
		want  bool
	}{
		{map[string]string{}, true},
		{map[string]string{"acks": "1"}, false},
		{map[string]string{"max.in.flight.requests.per.connection": "6"}, false},
		{map[string]string{"enable.idempotence": "false"}, false},
		{map[string]string{"acks": "-1", "enable.idempotence": "true"}, true},
	}
	for _, c := range cases {
		got, err := idempotence(withDefaults(c.props, producerDefaults), c.props)
		if err != nil || got != c.want {
			t.Errorf("idempotence(%v) = %v, %v; want %v", c.props, got, err, c.want)
		}
	}
}

func TestConsumerOpts(t *testing.T) {
	cfg, err := ConsumerOpts(map[string]string{
		"bootstrap.servers": "a:1", "auto.offset.reset": "earliest", "check.crcs": "false",
		"partition.assignment.strategy": "org.apache.kafka.clients.consumer.RangeAssignor",
	})
	if err != nil || len(cfg.Warnings) != 0 {
		t.Fatalf("err %v warnings %q", err, cfg.Warnings)
	}
	if _, ok := cfg.Known["session.timeout.ms"]; ok {
		t.Fatal("group-only default applied without group.id")
	}
	if _, err := ConsumerOpts(map[string]string{"isolation.level": "dirty"}); err == nil {
		t.Fatal("bad isolation.level accepted")
	}
}
