package config

import (
	"fmt"
	"strings"
	"testing"
)

// syn renders a synonym chain as "SOURCE:name=value" strings.
func syn(chain []ConfigSynonym) string {
	var parts []string
	for _, s := range chain {
		v := "<hidden>"
		if s.Value != nil {
			v = *s.Value
		}
		parts = append(parts, fmt.Sprintf("%s:%s=%s", s.Source, s.Name, v))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func entry(t *testing.T, entries []ConfigEntry, name string) ConfigEntry {
	t.Helper()
	for _, e := range entries {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("no entry %s", name)
	return ConfigEntry{}
}

func value(e ConfigEntry) string {
	if e.Value == nil {
		return "<null>"
	}
	return *e.Value
}

// TestDescribeTopicRetentionSynonyms follows Kafka's ConfigHelper: synonyms
// by source (dynamic broker, dynamic default, static, default), then by
// synonym order, then dropped up to the first log.retention.ms.
func TestDescribeTopicRetentionSynonyms(t *testing.T) {
	tests := []struct {
		name           string
		static         []string
		dynamicDefault map[string]string
		dynamicBroker  map[string]string
		overrides      map[string]string
		value          string
		source         Source
		synonyms       string
	}{
		{
			name:     "nothing set",
			value:    "604800000",
			source:   SourceDefaultConfig,
			synonyms: "[]",
		},
		{
			name:     "log.retention.hours set",
			static:   []string{"log.retention.hours", "100"},
			value:    "360000000",
			source:   SourceDefaultConfig, // Kafka drops the chain: log.retention.ms is nowhere
			synonyms: "[]",
		},
		{
			name:     "log.retention.minutes set",
			static:   []string{"log.retention.minutes", "30"},
			value:    "1800000",
			source:   SourceDefaultConfig,
			synonyms: "[]",
		},
		{
			name:     "log.retention.ms set",
			static:   []string{"log.retention.ms", "5000"},
			value:    "5000",
			source:   SourceStaticBrokerConfig,
			synonyms: "[STATIC_BROKER_CONFIG:log.retention.ms=5000 DEFAULT_CONFIG:log.retention.hours=168]",
		},
		{
			name:     "all three set",
			static:   []string{"log.retention.ms", "5000", "log.retention.minutes", "30", "log.retention.hours", "100"},
			value:    "5000",
			source:   SourceStaticBrokerConfig,
			synonyms: "[STATIC_BROKER_CONFIG:log.retention.ms=5000 STATIC_BROKER_CONFIG:log.retention.minutes=30 STATIC_BROKER_CONFIG:log.retention.hours=100 DEFAULT_CONFIG:log.retention.hours=168]",
		},
		{
			name:      "topic override",
			static:    []string{"log.retention.ms", "5000"},
			overrides: map[string]string{"retention.ms": "1000"},
			value:     "1000",
			source:    SourceDynamicTopicConfig,
			synonyms:  "[DYNAMIC_TOPIC_CONFIG:retention.ms=1000 STATIC_BROKER_CONFIG:log.retention.ms=5000 DEFAULT_CONFIG:log.retention.hours=168]",
		},
		{
			name:           "dynamic default over static hours",
			static:         []string{"log.retention.hours", "100"},
			dynamicDefault: map[string]string{"log.retention.ms": "7000"},
			value:          "7000",
			source:         SourceDynamicDefaultBrokerConfig,
			synonyms:       "[DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7000 STATIC_BROKER_CONFIG:log.retention.hours=100 DEFAULT_CONFIG:log.retention.hours=168]",
		},
		{
			name:           "per-broker over cluster default over static",
			static:         []string{"log.retention.minutes", "30"},
			dynamicDefault: map[string]string{"log.retention.ms": "7000"},
			dynamicBroker:  map[string]string{"log.retention.ms": "9000"},
			value:          "9000",
			source:         SourceDynamicBrokerConfig,
			synonyms:       "[DYNAMIC_BROKER_CONFIG:log.retention.ms=9000 DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7000 STATIC_BROKER_CONFIG:log.retention.minutes=30 DEFAULT_CONFIG:log.retention.hours=168]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustBroker(t, combined(tt.static...))
			if tt.dynamicDefault != nil || tt.dynamicBroker != nil {
				var err error
				if b, err = b.WithDynamic(tt.dynamicDefault, tt.dynamicBroker); err != nil {
					t.Fatal(err)
				}
			}
			entries, err := DescribeTopic(tt.overrides, b)
			if err != nil {
				t.Fatal(err)
			}
			e := entry(t, entries, "retention.ms")
			if value(e) != tt.value || e.Source != tt.source || syn(e.Synonyms) != tt.synonyms {
				t.Errorf("retention.ms = %s %s %s\nwant        %s %s %s", value(e), e.Source, syn(e.Synonyms), tt.value, tt.source, tt.synonyms)
			}
			if e.ReadOnly || e.Sensitive || e.Type != TypeLong || e.Documentation == "" {
				t.Errorf("entry flags %+v", e)
			}
		})
	}
}

func TestDescribeTopicOtherKeys(t *testing.T) {
	b := mustBroker(t, combined("log.roll.hours", "2", "message.max.bytes", "2000"))
	entries, err := DescribeTopic(map[string]string{"remote.log.copy.disable": "true"}, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(topicKeys) {
		t.Errorf("%d entries, want one per topic key (%d)", len(entries), len(topicKeys))
	}
	tests := []struct {
		name, value string
		source      Source
		synonyms    string
	}{
		{"segment.ms", "7200000", SourceDefaultConfig, "[]"},
		{"max.message.bytes", "2000", SourceStaticBrokerConfig, "[STATIC_BROKER_CONFIG:message.max.bytes=2000 DEFAULT_CONFIG:message.max.bytes=1048588]"},
		{"cleanup.policy", "delete", SourceDefaultConfig, "[DEFAULT_CONFIG:log.cleanup.policy=delete]"},
		{"flush.ms", "9223372036854775807", SourceDefaultConfig, "[]"},
		{"remote.storage.enable", "false", SourceDefaultConfig, "[]"},
		{"remote.log.copy.disable", "true", SourceDynamicTopicConfig, "[DYNAMIC_TOPIC_CONFIG:remote.log.copy.disable=true]"},
		{"leader.replication.throttled.replicas", "", SourceDefaultConfig, "[]"},
		{"write.caching", "false", SourceDefaultConfig, "[DEFAULT_CONFIG:log.write.caching=false]"},
	}
	for _, tt := range tests {
		e := entry(t, entries, tt.name)
		if value(e) != tt.value || e.Source != tt.source || syn(e.Synonyms) != tt.synonyms {
			t.Errorf("%s = %s %s %s\nwant %s %s %s", tt.name, value(e), e.Source, syn(e.Synonyms), tt.value, tt.source, tt.synonyms)
		}
	}
	if _, err := DescribeTopic(map[string]string{"retention.ms": "x"}, b); err == nil {
		t.Error("invalid stored override described without error")
	}
}

// TestDescribeBroker reproduces Kafka's DynamicBrokerReconfigurationTest
// expectations for log configs with and without synonyms.
func TestDescribeBroker(t *testing.T) {
	b := mustBroker(t, combined(
		"log.retention.ms", "1680000000",
		"log.retention.hours", "168",
		"ssl.keystore.password", "secret",
		"listener.name.plaintext.ssl.keystore.location", "/ks.jks",
		"some.plugin.key", "x",
	))
	entries := b.DescribeBroker()
	tests := []struct {
		name     string
		value    string
		source   Source
		readOnly bool
		synonyms string
	}{
		{"log.retention.ms", "1680000000", SourceStaticBrokerConfig, false, "[STATIC_BROKER_CONFIG:log.retention.ms=1680000000 STATIC_BROKER_CONFIG:log.retention.hours=168 DEFAULT_CONFIG:log.retention.hours=168]"},
		{"log.retention.hours", "168", SourceStaticBrokerConfig, true, "[STATIC_BROKER_CONFIG:log.retention.hours=168 DEFAULT_CONFIG:log.retention.hours=168]"},
		{"log.retention.minutes", "<null>", SourceDefaultConfig, true, "[]"},
		{"log.roll.hours", "168", SourceDefaultConfig, true, "[DEFAULT_CONFIG:log.roll.hours=168]"},
		{"log.cleaner.threads", "1", SourceDefaultConfig, false, "[DEFAULT_CONFIG:log.cleaner.threads=1]"},
		{"listeners", "PLAINTEXT://:9092,CONTROLLER://:9093", SourceStaticBrokerConfig, false, "[STATIC_BROKER_CONFIG:listeners=PLAINTEXT://:9092,CONTROLLER://:9093 DEFAULT_CONFIG:listeners=PLAINTEXT://:9092]"},
		{"broker.id", "1", SourceStaticBrokerConfig, true, "[STATIC_BROKER_CONFIG:broker.id=1 DEFAULT_CONFIG:broker.id=-1]"},
		{"ssl.keystore.password", "<null>", SourceStaticBrokerConfig, false, "[STATIC_BROKER_CONFIG:ssl.keystore.password=<hidden>]"},
		{"listener.name.plaintext.ssl.keystore.location", "/ks.jks", SourceStaticBrokerConfig, true, "[STATIC_BROKER_CONFIG:listener.name.plaintext.ssl.keystore.location=/ks.jks]"},
		{"some.plugin.key", "<null>", SourceStaticBrokerConfig, true, "[STATIC_BROKER_CONFIG:some.plugin.key=<hidden>]"},
	}
	for _, tt := range tests {
		e := entry(t, entries, tt.name)
		if value(e) != tt.value || e.Source != tt.source || e.ReadOnly != tt.readOnly || syn(e.Synonyms) != tt.synonyms {
			t.Errorf("%s = %s %s readOnly=%v %s\nwant %s %s readOnly=%v %s", tt.name, value(e), e.Source, e.ReadOnly, syn(e.Synonyms), tt.value, tt.source, tt.readOnly, tt.synonyms)
		}
	}
	if e := entry(t, entries, "ssl.keystore.password"); !e.Sensitive || e.Type != TypePassword {
		t.Errorf("password entry %+v", e)
	}
	if e := entry(t, entries, "some.plugin.key"); !e.Sensitive || e.Type != TypeUnknown {
		t.Errorf("unknown entry %+v", e)
	}
	if e := entry(t, entries, "process.roles"); value(e) != "broker,controller" || e.Type != TypeList {
		t.Errorf("process.roles %s %v", value(e), e.Type)
	}
}

func TestDescribeDynamicBroker(t *testing.T) {
	b := mustBroker(t, combined("num.io.threads", "4"))
	b, err := b.WithDynamic(map[string]string{"num.io.threads": "16", "log.retention.ms": "7000"}, map[string]string{"num.io.threads": "32"})
	if err != nil {
		t.Fatal(err)
	}
	if b.Network.NumIOThreads != 32 || b.LogDefaults.Retention.Milliseconds() != 7000 {
		t.Errorf("dynamic values not applied: io threads %d retention %v", b.Network.NumIOThreads, b.LogDefaults.Retention)
	}
	e := entry(t, b.DescribeBroker(), "num.io.threads")
	want := "[DYNAMIC_BROKER_CONFIG:num.io.threads=32 DYNAMIC_DEFAULT_BROKER_CONFIG:num.io.threads=16 STATIC_BROKER_CONFIG:num.io.threads=4 DEFAULT_CONFIG:num.io.threads=8]"
	if value(e) != "32" || e.Source != SourceDynamicBrokerConfig || syn(e.Synonyms) != want {
		t.Errorf("num.io.threads = %s %s %s", value(e), e.Source, syn(e.Synonyms))
	}
	defaults := b.DescribeClusterDefaults()
	if len(defaults) != 2 {
		t.Fatalf("cluster defaults %+v", defaults)
	}
	e = entry(t, defaults, "num.io.threads")
	if value(e) != "16" || e.Source != SourceDynamicDefaultBrokerConfig || syn(e.Synonyms) != "[DYNAMIC_DEFAULT_BROKER_CONFIG:num.io.threads=16]" || e.ReadOnly {
		t.Errorf("cluster default num.io.threads = %s %s %s %v", value(e), e.Source, syn(e.Synonyms), e.ReadOnly)
	}
}
