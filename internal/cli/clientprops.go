package cli

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// ClientConfig is the franz-go form of a set of Kafka client properties.
type ClientConfig struct {
	Opts []kgo.Opt
	// Warnings are one line each, for stderr: properties that are not Kafka
	// client configs, and ones Samsa's tools accept but cannot honour.
	Warnings []string
	// Known holds the effective value of every recognised property,
	// defaults included, for tools that act on them (max.poll.records).
	Known map[string]string
}

// producerDefaults are the Java producer's defaults (Kafka 4.x) wherever
// they differ from franz-go's and shape a benchmark: Kafka's tools must
// load a broker the way the Java client would.
var producerDefaults = map[string]string{
	"acks":                                  "all",
	"linger.ms":                             "5",
	"batch.size":                            "16384",
	"compression.type":                      "none",
	"buffer.memory":                         "33554432",
	"max.request.size":                      "1048576",
	"max.in.flight.requests.per.connection": "5",
	"request.timeout.ms":                    "30000",
	"delivery.timeout.ms":                   "120000",
}

// consumerDefaults likewise for the Java consumer.
var consumerDefaults = map[string]string{
	"auto.offset.reset":         "latest",
	"fetch.max.wait.ms":         "500",
	"fetch.max.bytes":           "52428800",
	"max.partition.fetch.bytes": "1048576",
	"session.timeout.ms":        "45000",
	"heartbeat.interval.ms":     "3000",
	"max.poll.interval.ms":      "300000",
	"max.poll.records":          "500",
}

// setter applies one property value.
type setter func(b *builder, v string) error

// builder collects options while properties are applied.
type builder struct {
	opts []kgo.Opt
}

func (b *builder) add(o kgo.Opt) { b.opts = append(b.opts, o) }

// ProducerOpts maps Kafka producer properties to franz-go options, applying
// the Java producer's defaults for properties not given. Serializer and
// similar class-name properties are accepted silently: the tools produce
// bytes.
func ProducerOpts(props map[string]string) (*ClientConfig, error) {
	eff := withDefaults(props, producerDefaults)
	cfg, err := mapProps(eff, props, producerSetters, commonSetters)
	if err != nil {
		return nil, err
	}
	idem, err := idempotence(eff, props)
	if err != nil {
		return nil, err
	}
	if !idem {
		inflight, _ := strconv.Atoi(eff["max.in.flight.requests.per.connection"])
		cfg.Opts = append(cfg.Opts, kgo.DisableIdempotentWrite(), kgo.MaxProduceRequestsInflightPerBroker(inflight))
	}
	// Java bounds buffering by bytes only; franz-go also bounds records
	// (50,000 by default), which would throttle small records early.
	cfg.Opts = append(cfg.Opts, kgo.MaxBufferedRecords(math.MaxInt32))
	return cfg, nil
}

// ConsumerOpts maps Kafka consumer properties to franz-go options, applying
// the Java consumer's defaults. A group.id makes a group consumer; callers
// that consume partitions directly leave it out.
func ConsumerOpts(props map[string]string) (*ClientConfig, error) {
	eff := withDefaults(props, consumerDefaults)
	if _, ok := eff["group.id"]; !ok {
		for _, k := range groupOnly {
			delete(eff, k)
		}
	}
	return mapProps(eff, props, consumerSetters, commonSetters)
}

func withDefaults(props, defaults map[string]string) map[string]string {
	eff := make(map[string]string, len(props)+len(defaults))
	for k, v := range defaults {
		eff[k] = v
	}
	for k, v := range props {
		eff[k] = v
	}
	return eff
}

// mapProps applies every property in sorted order so that warnings and
// errors come out the same on every run.
func mapProps(eff, given map[string]string, tables ...map[string]setter) (*ClientConfig, error) {
	b := &builder{}
	cfg := &ClientConfig{Known: map[string]string{}}
	keys := make([]string, 0, len(eff))
	for k := range eff {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		set, known := lookupSetter(k, tables)
		switch {
		case !known && isIgnorable(k):
			cfg.Known[k] = eff[k]
		case !known:
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("WARN The configuration '%s' was supplied but isn't a known config.", k))
		case set == nil:
			cfg.Known[k] = eff[k]
			if _, user := given[k]; user {
				cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("WARN The configuration '%s' is not supported by Samsa's tools and has no effect.", k))
			}
		default:
			cfg.Known[k] = eff[k]
			if err := set(b, strings.TrimSpace(eff[k])); err != nil {
				return nil, fmt.Errorf("invalid value %s for configuration %s: %w", eff[k], k, err)
			}
		}
	}
	cfg.Opts = b.opts
	return cfg, nil
}

func lookupSetter(k string, tables []map[string]setter) (setter, bool) {
	for _, t := range tables {
		if s, ok := t[k]; ok {
			return s, true
		}
	}
	return nil, false
}

// isIgnorable reports properties that only name Java classes or JVM
// behaviour; the tools read and write bytes, so they are accepted silently.
func isIgnorable(k string) bool {
	switch k {
	case "key.serializer", "value.serializer", "key.deserializer", "value.deserializer",
		"partitioner.class", "partitioner.ignore.keys", "check.crcs", "client.dns.lookup",
		"send.buffer.bytes", "receive.buffer.bytes": // left to the kernel's autotuning
		return true
	}
	return false
}

// idempotence resolves enable.idempotence as the Java producer does: on by
// default, silently off when acks is not all or more than 5 requests may
// be in flight, an error when explicitly on with either.
func idempotence(eff, given map[string]string) (bool, error) {
	acksAll := eff["acks"] == "all" || eff["acks"] == "-1"
	inflight, _ := strconv.Atoi(eff["max.in.flight.requests.per.connection"])
	v, explicit := given["enable.idempotence"]
	if explicit && !strings.EqualFold(v, "true") {
		return false, nil
	}
	if explicit && !acksAll {
		return false, fmt.Errorf("must set acks to all in order to use the idempotent producer")
	}
	if explicit && inflight > 5 {
		return false, fmt.Errorf("must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer")
	}
	return acksAll && inflight <= 5, nil
}

// groupOnly are consumer defaults that mean nothing without a group.
var groupOnly = []string{"session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms"}

var commonSetters = map[string]setter{
	"bootstrap.servers": func(b *builder, v string) error {
		var seeds []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				seeds = append(seeds, s)
			}
		}
		if len(seeds) == 0 {
			return fmt.Errorf("no servers")
		}
		b.add(kgo.SeedBrokers(seeds...))
		return nil
	},
	"client.id":                          func(b *builder, v string) error { b.add(kgo.ClientID(v)); return nil },
	"metadata.max.age.ms":                durationSetter(func(d time.Duration) kgo.Opt { return kgo.MetadataMaxAge(d) }),
	"connections.max.idle.ms":            durationSetter(func(d time.Duration) kgo.Opt { return kgo.ConnIdleTimeout(d) }),
	"socket.connection.setup.timeout.ms": durationSetter(func(d time.Duration) kgo.Opt { return kgo.DialTimeout(d) }),
	"retry.backoff.ms": durationSetter(func(d time.Duration) kgo.Opt {
		return kgo.RetryBackoffFn(func(int) time.Duration { return d })
	}),
	"security.protocol": func(_ *builder, v string) error {
		if !strings.EqualFold(v, "PLAINTEXT") {
			return fmt.Errorf("only PLAINTEXT is supported by Samsa's tools so far")
		}
		return nil
	},
	"send.buffer.bytes":                      nil,
	"receive.buffer.bytes":                   nil,
	"reconnect.backoff.ms":                   nil,
	"reconnect.backoff.max.ms":               nil,
	"retry.backoff.max.ms":                   nil,
	"metrics.sample.window.ms":               nil,
	"metrics.num.samples":                    nil,
	"metrics.recording.level":                nil,
	"metric.reporters":                       nil,
	"interceptor.classes":                    nil,
	"enable.metrics.push":                    nil,
	"socket.connection.setup.timeout.max.ms": nil,
}

var producerSetters = map[string]setter{
	"acks":                acksSetter,
	"enable.idempotence":  func(*builder, string) error { return nil }, // resolved by idempotence
	"linger.ms":           durationSetter(func(d time.Duration) kgo.Opt { return kgo.ProducerLinger(d) }),
	"batch.size":          batchSizeSetter,
	"compression.type":    compressionSetter,
	"buffer.memory":       int32Setter(func(n int32) kgo.Opt { return kgo.MaxBufferedBytes(int(n)) }),
	"max.request.size":    int32Setter(func(n int32) kgo.Opt { return kgo.BrokerMaxWriteBytes(max(n, 1<<10)) }),
	"request.timeout.ms":  durationSetter(func(d time.Duration) kgo.Opt { return kgo.ProduceRequestTimeout(d) }),
	"delivery.timeout.ms": durationSetter(func(d time.Duration) kgo.Opt { return kgo.RecordDeliveryTimeout(d) }),
	"retries":             int32Setter(func(n int32) kgo.Opt { return kgo.RecordRetries(int(n)) }),
	// Applied by ProducerOpts once idempotence is known: franz-go fixes the
	// in-flight limit of an idempotent producer at Kafka's 5.
	"max.in.flight.requests.per.connection": func(_ *builder, v string) error {
		if n, err := strconv.Atoi(v); err != nil || n < 1 {
			return fmt.Errorf("want a positive integer")
		}
		return nil
	},
	"transactional.id":       func(b *builder, v string) error { b.add(kgo.TransactionalID(v)); return nil },
	"transaction.timeout.ms": durationSetter(func(d time.Duration) kgo.Opt { return kgo.TransactionTimeout(d) }),
	"max.block.ms":           nil,
	"compression.gzip.level": nil,
	"compression.lz4.level":  nil,
	"compression.zstd.level": nil,
}

var consumerSetters = map[string]setter{
	"group.id":          func(b *builder, v string) error { b.add(kgo.ConsumerGroup(v)); return nil },
	"group.instance.id": func(b *builder, v string) error { b.add(kgo.InstanceID(v)); return nil },
	"auto.offset.reset": resetSetter,
	"enable.auto.commit": func(b *builder, v string) error {
		if strings.EqualFold(v, "false") {
			b.add(kgo.DisableAutoCommit())
		}
		return nil
	},
	"auto.commit.interval.ms":       durationSetter(func(d time.Duration) kgo.Opt { return kgo.AutoCommitInterval(d) }),
	"session.timeout.ms":            durationSetter(func(d time.Duration) kgo.Opt { return kgo.SessionTimeout(d) }),
	"heartbeat.interval.ms":         durationSetter(func(d time.Duration) kgo.Opt { return kgo.HeartbeatInterval(d) }),
	"max.poll.interval.ms":          durationSetter(func(d time.Duration) kgo.Opt { return kgo.RebalanceTimeout(d) }),
	"fetch.min.bytes":               int32Setter(func(n int32) kgo.Opt { return kgo.FetchMinBytes(n) }),
	"fetch.max.bytes":               int32Setter(func(n int32) kgo.Opt { return kgo.FetchMaxBytes(n) }),
	"fetch.max.wait.ms":             durationSetter(func(d time.Duration) kgo.Opt { return kgo.FetchMaxWait(d) }),
	"max.partition.fetch.bytes":     int32Setter(func(n int32) kgo.Opt { return kgo.FetchMaxPartitionBytes(n) }),
	"isolation.level":               isolationSetter,
	"client.rack":                   func(b *builder, v string) error { b.add(kgo.Rack(v)); return nil },
	"partition.assignment.strategy": assignorSetter,
	"max.poll.records":              func(*builder, string) error { return nil }, // read by the tool from Known
	"group.protocol": func(b *builder, v string) error {
		switch strings.ToLower(v) {
		case "classic":
		case "consumer":
			b.add(kgo.ServerSideBalancer())
		default:
			return fmt.Errorf("want classic or consumer")
		}
		return nil
	},
	"request.timeout.ms":       nil,
	"default.api.timeout.ms":   nil,
	"exclude.internal.topics":  nil,
	"allow.auto.create.topics": nil,
}

func durationSetter(opt func(time.Duration) kgo.Opt) setter {
	return func(b *builder, v string) error {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms < 0 {
			return fmt.Errorf("want a non-negative number of milliseconds")
		}
		b.add(opt(time.Duration(ms) * time.Millisecond))
		return nil
	}
}

func int32Setter(opt func(int32) kgo.Opt) setter {
	return func(b *builder, v string) error {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 0 {
			return fmt.Errorf("want a non-negative 32-bit integer")
		}
		b.add(opt(int32(n)))
		return nil
	}
}

// batchSizeSetter bounds batches and, as Java's built-in partitioner does
// for records without a key, sticks to one partition until batch.size
// bytes went to it (KIP-794, adaptive).
func batchSizeSetter(b *builder, v string) error {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 0 {
		return fmt.Errorf("want a non-negative 32-bit integer")
	}
	size := max(int32(n), 512) // franz-go's minimum batch size
	b.add(kgo.ProducerBatchMaxBytes(size))
	b.add(kgo.RecordPartitioner(kgo.UniformBytesPartitioner(int(size), true, true, nil)))
	return nil
}

func acksSetter(b *builder, v string) error {
	switch strings.ToLower(v) {
	case "0":
		b.add(kgo.RequiredAcks(kgo.NoAck()))
	case "1":
		b.add(kgo.RequiredAcks(kgo.LeaderAck()))
	case "all", "-1":
		b.add(kgo.RequiredAcks(kgo.AllISRAcks()))
	default:
		return fmt.Errorf("want one of [all, -1, 0, 1]")
	}
	return nil
}

func compressionSetter(b *builder, v string) error {
	codecs := map[string]kgo.CompressionCodec{
		"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(),
		"lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression(),
	}
	c, ok := codecs[strings.ToLower(v)]
	if !ok {
		return fmt.Errorf("want one of none, gzip, snappy, lz4, zstd")
	}
	b.add(kgo.ProducerBatchCompression(c))
	return nil
}

// resetSetter maps auto.offset.reset, which in Java decides both where a
// partition without a committed offset starts and where an out-of-range
// offset resumes; franz-go splits the two.
func resetSetter(b *builder, v string) error {
	var start, reset kgo.Offset
	switch strings.ToLower(v) {
	case "earliest":
		start, reset = kgo.NewOffset().AtStart(), kgo.NewOffset().AtStart()
	case "latest":
		start, reset = kgo.NewOffset().AtEnd(), kgo.NewOffset().AtEnd()
	case "none":
		start, reset = kgo.NewOffset().AtCommitted(), kgo.NoResetOffset()
	default:
		return fmt.Errorf("want earliest, latest or none")
	}
	b.add(kgo.ConsumeStartOffset(start))
	b.add(kgo.ConsumeResetOffset(reset))
	return nil
}

func isolationSetter(b *builder, v string) error {
	switch strings.ToLower(v) {
	case "read_uncommitted":
		b.add(kgo.FetchIsolationLevel(kgo.ReadUncommitted()))
	case "read_committed":
		b.add(kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	default:
		return fmt.Errorf("want read_uncommitted or read_committed")
	}
	return nil
}

// assignorSetter maps Java assignor class names (full or simple) to
// franz-go balancers.
func assignorSetter(b *builder, v string) error {
	var balancers []kgo.GroupBalancer
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		switch name[strings.LastIndex(name, ".")+1:] {
		case "RangeAssignor", "range":
			balancers = append(balancers, kgo.RangeBalancer())
		case "RoundRobinAssignor", "roundrobin":
			balancers = append(balancers, kgo.RoundRobinBalancer())
		case "StickyAssignor", "sticky":
			balancers = append(balancers, kgo.StickyBalancer())
		case "CooperativeStickyAssignor", "cooperative-sticky":
			balancers = append(balancers, kgo.CooperativeStickyBalancer())
		default:
			return fmt.Errorf("unknown assignor %q", name)
		}
	}
	b.add(kgo.Balancers(balancers...))
	return nil
}
