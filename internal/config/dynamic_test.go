package config

import (
	"strings"
	"testing"
)

func TestValidateDynamic(t *testing.T) {
	tests := []struct {
		name      string
		props     map[string]string
		perBroker bool
		want      string
	}{
		{"cluster-wide key at cluster level", map[string]string{"log.retention.ms": "1000", "num.io.threads": "4"}, false, ""},
		{"per-broker key for a broker", map[string]string{"listeners": "PLAINTEXT://:9092"}, true, ""},
		{"listener override for a broker", map[string]string{"listener.name.external.ssl.keystore.location": "/k"}, true, ""},
		{"unknown key", map[string]string{"my.plugin.setting": "1"}, false, ""},
		{"read-only keys", map[string]string{"log.retention.hours": "1", "node.id": "3", "log.dirs": "/x"}, true,
			"Cannot update these configs dynamically: Set(log.dirs, log.retention.hours, node.id)"},
		{"bare keystore", map[string]string{"ssl.keystore.location": "/k"}, true,
			"These security configs can be dynamically updated only per-listener using the listener prefix: Set(ssl.keystore.location)"},
		{"per-broker key at cluster level", map[string]string{"advertised.listeners": "PLAINTEXT://h:9092", "listener.name.external.ssl.keystore.location": "/k"}, false,
			"Cannot update these configs at default cluster level, broker id must be specified: Set(advertised.listeners, listener.name.external.ssl.keystore.location)"},
		{"bad value", map[string]string{"num.io.threads": "0"}, true,
			"Invalid value 0 for configuration num.io.threads: Value must be at least 1"},
		{"bad listener override value", map[string]string{"listener.name.external.ssl.client.auth": "maybe"}, true,
			"Invalid value maybe for configuration listener.name.external.ssl.client.auth"},
	}
	for _, tt := range tests {
		err := ValidateDynamic(tt.props, tt.perBroker)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestWithDynamic(t *testing.T) {
	b := mustBroker(t, combined("log.retention.hours", "10", "log.flush.scheduler.interval.ms", "5000"))
	nb, err := b.WithDynamic(map[string]string{"log.retention.ms": "60000", "message.max.bytes": "5000"}, map[string]string{"message.max.bytes": "6000"})
	if err != nil {
		t.Fatal(err)
	}
	if err := nb.Validate(); err != nil {
		t.Fatal(err)
	}
	if nb.LogDefaults.Retention.Milliseconds() != 60000 || nb.LogDefaults.MaxMessageBytes != 6000 {
		t.Errorf("retention %v max message %d", nb.LogDefaults.Retention, nb.LogDefaults.MaxMessageBytes)
	}
	// The original is unchanged: Brokers are immutable.
	if b.LogDefaults.Retention.Hours() != 10 || b.LogDefaults.MaxMessageBytes != 1048588 {
		t.Errorf("original changed: %v %d", b.LogDefaults.Retention, b.LogDefaults.MaxMessageBytes)
	}
	// Topics follow the dynamic broker defaults.
	topic, err := ResolveTopic(nil, nb)
	if err != nil || topic.MaxMessageBytes != 6000 {
		t.Errorf("topic max.message.bytes %d, %v", topic.MaxMessageBytes, err)
	}
	// A dynamic value replaces its lower synonyms: a dynamic
	// log.flush.interval.ms drops the static log.flush.scheduler.interval.ms,
	// as Kafka's DynamicBrokerConfig.overrideProps does.
	nb, err = b.WithDynamic(map[string]string{"log.flush.interval.ms": "2000"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if nb.LogDefaults.FlushInterval.Milliseconds() != 2000 || nb.Retention.FlushSchedulerInterval == b.Retention.FlushSchedulerInterval {
		t.Errorf("flush %v scheduler %v", nb.LogDefaults.FlushInterval, nb.Retention.FlushSchedulerInterval)
	}
	if _, err := b.WithDynamic(map[string]string{"listeners": "PLAINTEXT://:1"}, nil); err == nil || !strings.Contains(err.Error(), "cluster-wide dynamic broker configuration: Cannot update these configs at default cluster level") {
		t.Errorf("per-broker key at cluster level: %v", err)
	}
}
