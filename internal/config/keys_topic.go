package config

import "regexp"

// Topic keys (Kafka's TopicConfig/LogConfig) with their broker synonyms in
// Kafka's order (ServerTopicConfigSynonyms). A topic key without synonyms
// has no broker-wide default: its default is the table's.

var (
	compressionTypes = OneOf{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}
	gzipLevel        = levelRange(1, 9, -1)
	timestampTypes   = OneOf{"CreateTime", "LogAppendTime"}
)

// throttledReplicaEntry is one [partitionId]:[brokerId] pair.
var throttledReplicaEntry = regexp.MustCompile(`^([0-9]+:[0-9]+)?$`)

// throttledReplicas is Kafka's ThrottledReplicaListValidator: the literal
// * or a list of partition:broker pairs.
var throttledReplicas = Check{
	Describe: "[partitionId]:[brokerId],[partitionId]:[brokerId],...",
	Func: func(key string, v Value) error {
		list := v.List()
		if len(list) == 1 && javaTrim(list[0]) == "*" {
			return nil
		}
		for _, e := range list {
			if !throttledReplicaEntry.MatchString(javaTrim(e)) {
				return &Error{Key: key, Value: v.javaString(), Reason: key + " must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."}
			}
		}
		return nil
	},
}

const (
	minuteMs = 60 * 1000
	hourMs   = 60 * minuteMs
)

var topicTable = []Key{
	{Name: "cleanup.policy", Type: TypeList, Default: "delete", Validator: ListOf{"compact", "delete"}, Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.cleanup.policy"}},
		Doc:      "delete removes old segments by time and size; compact keeps the latest record per key; both may be listed."},
	{Name: "compression.type", Type: TypeString, Default: "producer", Validator: compressionTypes, Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "compression.type"}},
		Doc:      "Compression of stored batches: producer keeps the producer's codec; uncompressed, gzip, snappy, lz4 or zstd recompress."},
	{Name: "compression.gzip.level", Type: TypeInt, Default: "-1", Validator: gzipLevel, Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "compression.gzip.level"}},
		Doc:      "gzip level when the broker recompresses with gzip."},
	{Name: "compression.lz4.level", Type: TypeInt, Default: "9", Validator: Between(1, 17), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "compression.lz4.level"}},
		Doc:      "lz4 level when the broker recompresses with lz4."},
	{Name: "compression.zstd.level", Type: TypeInt, Default: "3", Validator: Between(-131072, 22), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "compression.zstd.level"}},
		Doc:      "zstd level when the broker recompresses with zstd."},
	{Name: "delete.retention.ms", Type: TypeLong, Default: "86400000", Validator: AtLeast(0), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.cleaner.delete.retention.ms"}},
		Doc:      "How long tombstones (and transaction markers) survive compaction, so readers from the start still see deletes."},
	{Name: "file.delete.delay.ms", Type: TypeLong, Default: "60000", Validator: AtLeast(0), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.segment.delete.delay.ms"}},
		Doc:      "Wait between marking a segment deleted and removing its files."},
	{Name: "flush.messages", Type: TypeLong, Default: longMax, Validator: AtLeast(1), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.flush.interval.messages"}},
		Doc:      "With write caching on, fsync after this many messages; ignored otherwise, since every acknowledged batch is fsynced."},
	{Name: "flush.ms", Type: TypeLong, Default: longMax, Validator: AtLeast(0), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.flush.interval.ms"}, {Name: "log.flush.scheduler.interval.ms"}},
		Doc:      "With write caching on, fsync when unflushed data is this old; ignored otherwise."},
	{Name: "follower.replication.throttled.replicas", Type: TypeList, Default: "", Validator: throttledReplicas, Importance: ImportanceMedium,
		Doc: "Replicas whose follower fetches are throttled, as partition:broker pairs or *."},
	{Name: "index.interval.bytes", Type: TypeInt, Default: "4096", Validator: AtLeast(0), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.index.interval.bytes"}},
		Doc:      "Bytes of log between two offset index entries."},
	{Name: "leader.replication.throttled.replicas", Type: TypeList, Default: "", Validator: throttledReplicas, Importance: ImportanceMedium,
		Doc: "Replicas whose leader-side replication is throttled, as partition:broker pairs or *."},
	{Name: "local.retention.bytes", Type: TypeLong, Default: "-2", Validator: AtLeast(-2), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.local.retention.bytes"}},
		Doc:      "With tiered storage, bytes kept on local disk; -2 means retention.bytes."},
	{Name: "local.retention.ms", Type: TypeLong, Default: "-2", Validator: AtLeast(-2), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.local.retention.ms"}},
		Doc:      "With tiered storage, time kept on local disk; -2 means retention.ms."},
	{Name: "max.compaction.lag.ms", Type: TypeLong, Default: longMax, Validator: AtLeast(1), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.cleaner.max.compaction.lag.ms"}},
		Doc:      "Longest a record stays uncompacted."},
	{Name: "max.message.bytes", Type: TypeInt, Default: "1048588", Validator: AtLeast(0), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "message.max.bytes"}},
		Doc:      "Largest record batch accepted (after compression)."},
	{Name: "message.downconversion.enable", Type: TypeBoolean, Default: "true", Importance: ImportanceLow, NoEffect: true,
		Synonyms: []Synonym{{Name: "log.message.downconversion.enable"}},
		Doc:      "No effect since Kafka 4.0 removed down-conversion; accepted so existing topics keep their settings."},
	{Name: "message.timestamp.after.max.ms", Type: TypeLong, Default: "3600000", Validator: AtLeast(0), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.message.timestamp.after.max.ms"}},
		Doc:      "With CreateTime, how far in the future a batch's timestamp may be before it is rejected."},
	{Name: "message.timestamp.before.max.ms", Type: TypeLong, Default: longMax, Validator: AtLeast(0), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.message.timestamp.before.max.ms"}},
		Doc:      "With CreateTime, how far in the past a batch's timestamp may be before it is rejected."},
	{Name: "message.timestamp.type", Type: TypeString, Default: "CreateTime", Validator: timestampTypes, Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.message.timestamp.type"}},
		Doc:      "CreateTime keeps the producer's timestamps; LogAppendTime stamps batches with the broker's clock."},
	{Name: "min.cleanable.dirty.ratio", Type: TypeDouble, Default: "0.5", Validator: Between(0, 1), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.cleaner.min.cleanable.ratio"}},
		Doc:      "Share of uncompacted log that makes a log eligible for compaction."},
	{Name: "min.compaction.lag.ms", Type: TypeLong, Default: "0", Validator: AtLeast(0), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.cleaner.min.compaction.lag.ms"}},
		Doc:      "Shortest a record stays uncompacted."},
	{Name: "min.insync.replicas", Type: TypeInt, Default: "1", Validator: AtLeast(1), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "min.insync.replicas"}},
		Doc:      "With acks=all, the write fails with NOT_ENOUGH_REPLICAS when fewer replicas are in sync."},
	{Name: "preallocate", Type: TypeBoolean, Default: "false", Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.preallocate"}},
		Doc:      "Whether a new segment file is allocated at full size up front."},
	{Name: "remote.log.copy.disable", Type: TypeBoolean, Default: "false", Importance: ImportanceMedium,
		Doc: "With tiered storage, stop copying new segments to remote storage (reads stay possible)."},
	{Name: "remote.log.delete.on.disable", Type: TypeBoolean, Default: "false", Importance: ImportanceMedium,
		Doc: "Whether turning remote.storage.enable off deletes the remote data; required to turn it off."},
	{Name: "remote.storage.enable", Type: TypeBoolean, Default: "false", Importance: ImportanceMedium,
		Doc: "Whether the topic uses tiered storage (needs remote.log.storage.system.enable on the brokers)."},
	{Name: "retention.bytes", Type: TypeLong, Default: "-1", Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.retention.bytes"}},
		Doc:      "Largest size of one partition before old segments are deleted (delete policy); -1 means no size limit."},
	{Name: "retention.ms", Type: TypeLong, Default: "604800000", Validator: AtLeast(-1), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.retention.ms"}, {Name: "log.retention.minutes", Unit: minuteMs}, {Name: "log.retention.hours", Unit: hourMs}},
		Doc:      "How long segments are kept (delete policy); -1 keeps them forever."},
	{Name: "segment.bytes", Type: TypeInt, Default: "1073741824", Validator: AtLeast(1 << 20), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.segment.bytes"}},
		Doc:      "Maximum size of one segment file."},
	{Name: "segment.index.bytes", Type: TypeInt, Default: "10485760", Validator: AtLeast(4), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.index.size.max.bytes"}},
		Doc:      "Maximum size of a segment's offset and time indexes."},
	{Name: "segment.jitter.ms", Type: TypeLong, Default: "0", Validator: AtLeast(0), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.roll.jitter.ms"}, {Name: "log.roll.jitter.hours", Unit: hourMs}},
		Doc:      "Largest random amount subtracted from segment.ms, so partitions do not all roll at once."},
	{Name: "segment.ms", Type: TypeLong, Default: "604800000", Validator: AtLeast(1), Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "log.roll.ms"}, {Name: "log.roll.hours", Unit: hourMs}},
		Doc:      "Maximum age of the active segment before a new one is rolled, so retention can delete old data."},
	{Name: "unclean.leader.election.enable", Type: TypeBoolean, Default: "false", Importance: ImportanceMedium,
		Synonyms: []Synonym{{Name: "unclean.leader.election.enable"}},
		Doc:      "Whether an out-of-sync replica may become leader when no in-sync one is left, at the cost of losing data."},
	{Name: "write.caching", Type: TypeBoolean, Default: "false", Importance: ImportanceMedium, Samsa: true,
		Synonyms: []Synonym{{Name: "log.write.caching"}},
		Doc:      "Samsa: false fsyncs every acknowledged batch before the acknowledgement (group commit); true acknowledges from the page cache and flushes per flush.messages and flush.ms, as Kafka does."},
}
