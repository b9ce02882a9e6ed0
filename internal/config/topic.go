package config

import (
	"strconv"
	"strings"
	"time"
)

// TimestampType is message.timestamp.type; the numbers are Kafka's
// TimestampType ids.
type TimestampType int8

const (
	CreateTime    TimestampType = 0
	LogAppendTime TimestampType = 1
)

// String returns CreateTime or LogAppendTime.
func (t TimestampType) String() string {
	if t == LogAppendTime {
		return "LogAppendTime"
	}
	return "CreateTime"
}

// CleanupPolicy is cleanup.policy; both may be set.
type CleanupPolicy struct {
	Delete  bool
	Compact bool
}

// Topic is a topic's resolved configuration: its overrides over the
// broker-wide defaults. Durations saturate (Kafka's Long.MAX_VALUE ms,
// "never", becomes the largest Duration); a negative Retention means no
// time limit.
type Topic struct {
	CleanupPolicy        CleanupPolicy
	CompressionType      string // producer, uncompressed, gzip, snappy, lz4 or zstd
	CompressionGzipLevel int32
	CompressionLZ4Level  int32
	CompressionZstdLevel int32

	Retention      time.Duration // retention.ms; negative: keep forever
	RetentionBytes int64         // retention.bytes; negative: no size limit
	// LocalRetention and LocalRetentionBytes are local.retention.* with -2
	// ("same as retention") already replaced, as Kafka's accessors do.
	LocalRetention      time.Duration
	LocalRetentionBytes int64

	SegmentBytes       int32
	SegmentMaxAge      time.Duration // segment.ms
	SegmentJitter      time.Duration
	SegmentIndexBytes  int32
	IndexIntervalBytes int32
	FileDeleteDelay    time.Duration
	Preallocate        bool

	MaxMessageBytes    int32
	TimestampType      TimestampType
	TimestampBeforeMax time.Duration
	TimestampAfterMax  time.Duration

	MinInsyncReplicas     int32
	UncleanLeaderElection bool

	// WriteCaching off (the default) means every acknowledged batch is
	// fsynced first; on, FlushMessages and FlushInterval govern flushing.
	WriteCaching  bool
	FlushMessages int64
	FlushInterval time.Duration

	DeleteRetention        time.Duration
	MinCompactionLag       time.Duration
	MaxCompactionLag       time.Duration
	MinCleanableDirtyRatio float64

	LeaderThrottledReplicas   []string
	FollowerThrottledReplicas []string

	RemoteStorage            bool
	RemoteLogCopyDisable     bool
	RemoteLogDeleteOnDisable bool
}

// defaultTopicValues are the topic keys' own defaults, used when no broker
// is given.
func defaultTopicValues() map[string]Value {
	out := make(map[string]Value, len(topicKeys))
	for name, k := range topicKeys {
		out[name] = k.DefaultValue()
	}
	return out
}

// topicDefaultsFrom derives each topic key's default from its broker
// synonyms, the first non-null one winning, as Kafka's
// KafkaConfig.extractLogConfigMap does: hours and minutes become
// milliseconds, and a negative log.retention.* becomes -1.
func topicDefaultsFrom(broker map[string]Value) map[string]Value {
	out := defaultTopicValues()
	for name, k := range topicKeys {
		for _, syn := range k.Synonyms {
			v, ok := broker[syn.Name]
			if !ok || v.IsNull() {
				continue
			}
			out[name] = retype(k, v, syn.Unit)
			break
		}
	}
	return out
}

func retype(k *Key, v Value, unit int64) Value {
	switch k.Type {
	case TypeInt, TypeShort, TypeLong:
		n := v.Int() * unit
		if k.Name == "retention.ms" && n < 0 {
			n = -1
		}
		return intValue(k.Type, n)
	}
	v.typ = k.Type
	return v
}

// ValidateTopicConfig checks one topic key and value as CreateTopics and
// AlterConfigs must, returning the INVALID_CONFIG message Kafka gives:
// "Unknown topic config name: x" or the ConfigException text.
func ValidateTopicConfig(name, value string) error {
	k, ok := topicKeys[name]
	if !ok {
		return ruleErrorf("Unknown topic config name: %s", name)
	}
	_, err := typeValue(k, name, map[string]string{name: value})
	return err
}

// ValidateTopicConfigs checks a topic's complete set of overrides, proposed,
// against the broker b (nil: Kafka's defaults): every key and value, and
// the rules between keys (compaction lags, tiered storage). existing are
// the overrides before the change, for the rules about turning tiered
// storage off; nil for a new topic. The first problem is returned, in key
// order, worded as Kafka words it.
func ValidateTopicConfigs(existing, proposed map[string]string, b *Broker) error {
	values, err := topicValues(proposed, b)
	if err != nil {
		return err
	}
	return checkTopicRules(existing, values, b)
}

// ResolveTopic validates a topic's overrides (see ValidateTopicConfigs) and
// returns its effective configuration.
func ResolveTopic(overrides map[string]string, b *Broker) (Topic, error) {
	values, err := topicValues(overrides, b)
	if err != nil {
		return Topic{}, err
	}
	if err := checkTopicRules(nil, values, b); err != nil {
		return Topic{}, err
	}
	return topicFromValues(values), nil
}

// topicValues lays the overrides over the broker-derived defaults.
func topicValues(overrides map[string]string, b *Broker) (map[string]Value, error) {
	var values map[string]Value
	if b != nil {
		values = make(map[string]Value, len(b.topical))
		for k, v := range b.topical {
			values[k] = v
		}
	} else {
		values = defaultTopicValues()
	}
	for _, name := range sortedNames(overrides) {
		if err := ValidateTopicConfig(name, overrides[name]); err != nil {
			return nil, err
		}
		v, _ := ParseValue(name, topicKeys[name].Type, overrides[name])
		values[name] = v
	}
	return values, nil
}

func checkTopicRules(existing map[string]string, values map[string]Value, b *Broker) error {
	r := reader(values)
	if min, max := r.i64("min.compaction.lag.ms"), r.i64("max.compaction.lag.ms"); min > max {
		return ruleErrorf("conflict topic config setting min.compaction.lag.ms (%d) > max.compaction.lag.ms (%d)", min, max)
	}
	if r.on("remote.storage.enable") {
		return checkRemoteStorage(r, b)
	}
	wasRemote, _ := strconv.ParseBool(strings.TrimSpace(existing["remote.storage.enable"]))
	if wasRemote && !r.on("remote.log.delete.on.disable") {
		return ruleErrorf("It is invalid to disable remote storage without deleting remote data. " +
			"If you want to keep the remote data and turn to read only, please set `remote.storage.enable=true,remote.log.copy.disable=true`. " +
			"If you want to disable remote storage and delete all remote data, please set `remote.storage.enable=false,remote.log.delete.on.disable=true`.")
	}
	return nil
}

// checkRemoteStorage applies Kafka's rules for topics with tiered storage.
// Samsa has no tiered storage yet, so remote.log.storage.system.enable is
// false unless configured and the first rule refuses such topics.
func checkRemoteStorage(r reader, b *Broker) error {
	if b == nil || !reader(b.values).on("remote.log.storage.system.enable") {
		return ruleErrorf("Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.")
	}
	for _, p := range r.list("cleanup.policy") {
		if strings.EqualFold(p, "compact") {
			return ruleErrorf("Remote log storage is unsupported for the compacted topics")
		}
	}
	if err := checkLocalRetention(r, "retention.bytes", "local.retention.bytes"); err != nil {
		return err
	}
	if err := checkLocalRetention(r, "retention.ms", "local.retention.ms"); err != nil {
		return err
	}
	if !r.on("remote.log.copy.disable") {
		return nil
	}
	for _, pair := range [][2]string{{"local.retention.bytes", "retention.bytes"}, {"local.retention.ms", "retention.ms"}} {
		if local := r.i64(pair[0]); local != -2 && local != r.i64(pair[1]) {
			return ruleErrorf("When `remote.log.copy.disable` is set to true, the `%s` and `%s` must be set to the identical value because there will be no more logs copied to the remote storage.", pair[0], pair[1])
		}
	}
	return nil
}

func checkLocalRetention(r reader, total, local string) error {
	t, l := r.i64(total), r.i64(local)
	if t == -1 || l == -2 {
		return nil
	}
	if l == -1 {
		return &Error{Key: local, Value: "-1", Reason: "Value must not be -1 as " + total + " value is set as " + strconv.FormatInt(t, 10) + "."}
	}
	if l > t {
		return &Error{Key: local, Value: strconv.FormatInt(l, 10), Reason: "Value must not be more than " + total + " property value: " + strconv.FormatInt(t, 10)}
	}
	return nil
}

func topicFromValues(values map[string]Value) Topic {
	r := reader(values)
	t := Topic{
		CompressionType:           r.str("compression.type"),
		CompressionGzipLevel:      r.i32("compression.gzip.level"),
		CompressionLZ4Level:       r.i32("compression.lz4.level"),
		CompressionZstdLevel:      r.i32("compression.zstd.level"),
		Retention:                 r.ms("retention.ms"),
		RetentionBytes:            r.i64("retention.bytes"),
		LocalRetention:            r.ms("local.retention.ms"),
		LocalRetentionBytes:       r.i64("local.retention.bytes"),
		SegmentBytes:              r.i32("segment.bytes"),
		SegmentMaxAge:             r.ms("segment.ms"),
		SegmentJitter:             r.ms("segment.jitter.ms"),
		SegmentIndexBytes:         r.i32("segment.index.bytes"),
		IndexIntervalBytes:        r.i32("index.interval.bytes"),
		FileDeleteDelay:           r.ms("file.delete.delay.ms"),
		Preallocate:               r.on("preallocate"),
		MaxMessageBytes:           r.i32("max.message.bytes"),
		TimestampBeforeMax:        r.ms("message.timestamp.before.max.ms"),
		TimestampAfterMax:         r.ms("message.timestamp.after.max.ms"),
		MinInsyncReplicas:         r.i32("min.insync.replicas"),
		UncleanLeaderElection:     r.on("unclean.leader.election.enable"),
		WriteCaching:              r.on("write.caching"),
		FlushMessages:             r.i64("flush.messages"),
		FlushInterval:             r.ms("flush.ms"),
		DeleteRetention:           r.ms("delete.retention.ms"),
		MinCompactionLag:          r.ms("min.compaction.lag.ms"),
		MaxCompactionLag:          r.ms("max.compaction.lag.ms"),
		MinCleanableDirtyRatio:    r.get("min.cleanable.dirty.ratio").Double(),
		LeaderThrottledReplicas:   r.list("leader.replication.throttled.replicas"),
		FollowerThrottledReplicas: r.list("follower.replication.throttled.replicas"),
		RemoteStorage:             r.on("remote.storage.enable"),
		RemoteLogCopyDisable:      r.on("remote.log.copy.disable"),
		RemoteLogDeleteOnDisable:  r.on("remote.log.delete.on.disable"),
	}
	if r.str("message.timestamp.type") == "LogAppendTime" {
		t.TimestampType = LogAppendTime
	}
	for _, p := range r.list("cleanup.policy") {
		t.CleanupPolicy.Delete = t.CleanupPolicy.Delete || p == "delete"
		t.CleanupPolicy.Compact = t.CleanupPolicy.Compact || p == "compact"
	}
	if r.i64("local.retention.ms") == -2 {
		t.LocalRetention = t.Retention
	}
	if t.LocalRetentionBytes == -2 {
		t.LocalRetentionBytes = t.RetentionBytes
	}
	return t
}
