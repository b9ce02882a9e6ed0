package config

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestResolveTopicDefaults(t *testing.T) {
	got, err := ResolveTopic(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	fromBroker, err := ResolveTopic(nil, mustBroker(t, combined()))
	if err != nil {
		t.Fatal(err)
	}
	// The topic table's defaults and the defaults derived from a default
	// broker are the same numbers in Kafka; a drift here is a table bug.
	if !reflect.DeepEqual(got, fromBroker) {
		t.Errorf("topic defaults differ from broker-derived defaults:\n%+v\n%+v", got, fromBroker)
	}
	want := Topic{
		CleanupPolicy:             CleanupPolicy{Delete: true},
		CompressionType:           "producer",
		CompressionGzipLevel:      -1,
		CompressionLZ4Level:       9,
		CompressionZstdLevel:      3,
		Retention:                 7 * 24 * time.Hour,
		RetentionBytes:            -1,
		LocalRetention:            7 * 24 * time.Hour,
		LocalRetentionBytes:       -1,
		SegmentBytes:              1 << 30,
		SegmentMaxAge:             7 * 24 * time.Hour,
		SegmentIndexBytes:         10 << 20,
		IndexIntervalBytes:        4096,
		FileDeleteDelay:           time.Minute,
		MaxMessageBytes:           1048588,
		TimestampType:             CreateTime,
		TimestampBeforeMax:        math.MaxInt64,
		TimestampAfterMax:         time.Hour,
		MinInsyncReplicas:         1,
		FlushMessages:             math.MaxInt64,
		FlushInterval:             math.MaxInt64,
		DeleteRetention:           24 * time.Hour,
		MaxCompactionLag:          math.MaxInt64,
		MinCleanableDirtyRatio:    0.5,
		LeaderThrottledReplicas:   []string{},
		FollowerThrottledReplicas: []string{},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ResolveTopic(nil, nil) =\n%+v\nwant\n%+v", got, want)
	}
}

func TestResolveTopicOverrides(t *testing.T) {
	b := mustBroker(t, combined("log.retention.hours", "1", "log.write.caching", "true", "min.insync.replicas", "2"))
	got, err := ResolveTopic(map[string]string{
		"cleanup.policy":            "compact, delete",
		"segment.ms":                "60000",
		"max.message.bytes":         "2048",
		"message.timestamp.type":    "LogAppendTime",
		"flush.messages":            "1",
		"write.caching":             "false",
		"local.retention.ms":        "1000",
		"min.cleanable.dirty.ratio": "0.1",
	}, b)
	if err != nil {
		t.Fatal(err)
	}
	if got.CleanupPolicy != (CleanupPolicy{Delete: true, Compact: true}) || got.SegmentMaxAge != time.Minute || got.MaxMessageBytes != 2048 {
		t.Errorf("overrides not applied: %+v", got)
	}
	if got.TimestampType != LogAppendTime || got.FlushMessages != 1 || got.WriteCaching || got.MinCleanableDirtyRatio != 0.1 {
		t.Errorf("overrides not applied: %+v", got)
	}
	// Not overridden: from the broker.
	if got.Retention != time.Hour || got.MinInsyncReplicas != 2 || got.LocalRetention != time.Second {
		t.Errorf("broker defaults not applied: retention %v min.isr %d local %v", got.Retention, got.MinInsyncReplicas, got.LocalRetention)
	}
	if !b.LogDefaults.WriteCaching {
		t.Error("log.write.caching did not reach the topic default write.caching")
	}
}

func TestValidateTopicConfig(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"retention.ms", "-1", ""},
		{"retention.ms", "-2", "Invalid value -2 for configuration retention.ms: Value must be at least -1"},
		{"retention.ms", "1d", "Invalid value 1d for configuration retention.ms: Not a number of type LONG"},
		{"segment.bytes", "1024", "Invalid value 1024 for configuration segment.bytes: Value must be at least 1048576"},
		{"segment.ms", "0", "Invalid value 0 for configuration segment.ms: Value must be at least 1"},
		{"cleanup.policy", "compact,remove", "Invalid value remove for configuration cleanup.policy: String must be one of: compact, delete"},
		{"compression.type", "brotli", "Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer"},
		{"compression.zstd.level", "23", "Invalid value 23 for configuration compression.zstd.level: Value must be no more than 22"},
		{"message.timestamp.type", "createtime", "Invalid value createtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime"},
		{"min.insync.replicas", "0", "Invalid value 0 for configuration min.insync.replicas: Value must be at least 1"},
		{"min.cleanable.dirty.ratio", "2", "Invalid value 2.0 for configuration min.cleanable.dirty.ratio: Value must be no more than 1"},
		{"unclean.leader.election.enable", "TRUE", ""},
		{"leader.replication.throttled.replicas", "0:1,1:2", ""},
		{"leader.replication.throttled.replicas", "*", ""},
		{"follower.replication.throttled.replicas", "0-1", "follower.replication.throttled.replicas must be the literal '*' or a list of replicas"},
		{"write.caching", "yes", "Invalid value yes for configuration write.caching: Expected value to be either true or false"},
		{"message.format.version", "3.0", "Unknown topic config name: message.format.version"},
		{"log.retention.ms", "1", "Unknown topic config name: log.retention.ms"},
	}
	for _, tt := range tests {
		err := ValidateTopicConfig(tt.name, tt.value)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("ValidateTopicConfig(%s, %q) = %q, want %q", tt.name, tt.value, got, tt.want)
		}
	}
}

func TestValidateTopicConfigsRules(t *testing.T) {
	tiered := mustBroker(t, combined("remote.log.storage.system.enable", "true"))
	tests := []struct {
		name     string
		existing map[string]string
		proposed map[string]string
		b        *Broker
		want     string
	}{
		{"compaction lags", nil, map[string]string{"min.compaction.lag.ms": "10", "max.compaction.lag.ms": "5"}, nil, "conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)"},
		{"tiered storage off", nil, map[string]string{"remote.storage.enable": "true"}, nil, "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage."},
		{"tiered compacted", nil, map[string]string{"remote.storage.enable": "true", "cleanup.policy": "compact"}, tiered, "Remote log storage is unsupported for the compacted topics"},
		{"local retention -1", nil, map[string]string{"remote.storage.enable": "true", "retention.bytes": "100", "local.retention.bytes": "-1"}, tiered, "Invalid value -1 for configuration local.retention.bytes: Value must not be -1 as retention.bytes value is set as 100."},
		{"local retention above total", nil, map[string]string{"remote.storage.enable": "true", "retention.ms": "100", "local.retention.ms": "200"}, tiered, "Invalid value 200 for configuration local.retention.ms: Value must not be more than retention.ms property value: 100"},
		{"copy disabled", nil, map[string]string{"remote.storage.enable": "true", "remote.log.copy.disable": "true", "retention.ms": "100", "local.retention.ms": "50"}, tiered, "When `remote.log.copy.disable` is set to true, the `local.retention.ms` and `retention.ms` must be set to the identical value"},
		{"turning off", map[string]string{"remote.storage.enable": "true"}, map[string]string{"remote.storage.enable": "false"}, tiered, "It is invalid to disable remote storage without deleting remote data."},
		{"turning off with delete", map[string]string{"remote.storage.enable": "true"}, map[string]string{"remote.storage.enable": "false", "remote.log.delete.on.disable": "true"}, tiered, ""},
		{"tiered ok", nil, map[string]string{"remote.storage.enable": "true", "retention.ms": "100", "local.retention.ms": "50"}, tiered, ""},
		{"unknown name first", nil, map[string]string{"a.b": "1", "retention.ms": "x"}, nil, "Unknown topic config name: a.b"},
	}
	for _, tt := range tests {
		err := ValidateTopicConfigs(tt.existing, tt.proposed, tt.b)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
