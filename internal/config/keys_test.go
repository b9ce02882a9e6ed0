package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTableRows(t *testing.T) {
	for _, k := range append(BrokerKeys(), TopicKeys()...) {
		if k.Doc == "" || strings.TrimSpace(k.Doc) != k.Doc || !strings.HasSuffix(k.Doc, ".") {
			t.Errorf("%s: documentation %q must be a trimmed sentence", k.Name, k.Doc)
		}
		if k.Type < TypeBoolean || k.Type > TypePassword {
			t.Errorf("%s: type %v", k.Name, k.Type)
		}
		if k.Required && k.DefaultNull {
			t.Errorf("%s: both required and null by default", k.Name)
		}
		if k.Sensitive() != (k.Type == TypePassword) {
			t.Errorf("%s: sensitivity", k.Name)
		}
		if _, retired := retiredKeys[k.Name]; retired {
			t.Errorf("%s is in the table and retired", k.Name)
		}
	}
}

func TestTopicSynonyms(t *testing.T) {
	secondary := map[string]bool{}
	for _, k := range TopicKeys() {
		for i, s := range k.Synonyms {
			bk, _ := BrokerKey(s.Name)
			numeric := func(t Type) bool { return t == TypeInt || t == TypeLong || t == TypeShort }
			if bk.Type != k.Type && !(numeric(bk.Type) && numeric(k.Type)) {
				t.Errorf("%s ← %s: types %v and %v", k.Name, s.Name, k.Type, bk.Type)
			}
			if s.Unit != 1 && !numeric(bk.Type) {
				t.Errorf("%s ← %s: unit on a non-number", k.Name, s.Name)
			}
			if i == 0 && bk.Scope != ScopeClusterWide {
				t.Errorf("%s is the first synonym of %s but not cluster-wide dynamic", s.Name, k.Name)
			}
			if i > 0 {
				secondary[s.Name] = true
			}
			if got, ok := TopicKeyFor(s.Name); !ok || got != k {
				t.Errorf("TopicKeyFor(%s) = %v", s.Name, got)
			}
		}
	}
	for name := range secondary {
		if k, _ := BrokerKey(name); k.Scope != ScopeReadOnly {
			t.Errorf("%s is a lower synonym and must be read-only, as in Kafka", name)
		}
	}
	// Kafka's order, as ServerTopicConfigSynonyms lists it.
	want := map[string]string{
		"retention.ms":      "log.retention.ms log.retention.minutes log.retention.hours",
		"segment.ms":        "log.roll.ms log.roll.hours",
		"segment.jitter.ms": "log.roll.jitter.ms log.roll.jitter.hours",
		"flush.ms":          "log.flush.interval.ms log.flush.scheduler.interval.ms",
		"flush.messages":    "log.flush.interval.messages",
		"max.message.bytes": "message.max.bytes",
		"write.caching":     "log.write.caching",
	}
	for topic, syns := range want {
		k, _ := TopicKey(topic)
		var got []string
		for _, s := range k.Synonyms {
			got = append(got, s.Name)
		}
		if strings.Join(got, " ") != syns {
			t.Errorf("%s synonyms %v, want %s", topic, got, syns)
		}
	}
}

// TestRequiredKeys lists the keys Samsa must know.
func TestRequiredKeys(t *testing.T) {
	broker := strings.Fields(`process.roles node.id broker.id controller.quorum.voters controller.quorum.bootstrap.servers
		controller.quorum.election.timeout.ms controller.quorum.fetch.timeout.ms listeners advertised.listeners
		listener.security.protocol.map controller.listener.names inter.broker.listener.name log.dir log.dirs
		metadata.log.dir metadata.log.segment.bytes metadata.log.max.record.bytes.between.snapshots
		metadata.max.retention.bytes metadata.max.retention.ms metadata.log.max.snapshot.interval.ms num.partitions
		default.replication.factor min.insync.replicas auto.create.topics.enable delete.topic.enable
		log.retention.ms log.retention.minutes log.retention.hours log.retention.bytes log.retention.check.interval.ms
		log.segment.bytes log.roll.ms log.roll.hours log.roll.jitter.ms log.roll.jitter.hours log.index.size.max.bytes
		log.index.interval.bytes log.flush.interval.messages log.flush.interval.ms log.flush.scheduler.interval.ms
		log.cleanup.policy log.message.timestamp.type log.message.timestamp.before.max.ms log.message.timestamp.after.max.ms
		log.segment.delete.delay.ms log.preallocate log.cleaner.enable log.cleaner.threads message.max.bytes
		socket.request.max.bytes socket.send.buffer.bytes socket.receive.buffer.bytes queued.max.requests
		num.network.threads num.io.threads num.recovery.threads.per.data.dir offsets.topic.replication.factor
		offsets.topic.num.partitions offsets.topic.segment.bytes offsets.retention.minutes offsets.retention.check.interval.ms
		group.initial.rebalance.delay.ms group.min.session.timeout.ms group.max.session.timeout.ms group.max.size
		group.coordinator.rebalance.protocols group.consumer.session.timeout.ms group.consumer.heartbeat.interval.ms
		group.consumer.assignors transaction.state.log.replication.factor transaction.state.log.min.isr
		transaction.state.log.num.partitions transaction.state.log.segment.bytes transactional.id.expiration.ms
		transaction.max.timeout.ms compression.type unclean.leader.election.enable replica.lag.time.max.ms
		replica.fetch.max.bytes replica.fetch.wait.max.ms replica.fetch.min.bytes broker.rack broker.session.timeout.ms
		broker.heartbeat.interval.ms initial.broker.registration.timeout.ms connections.max.idle.ms request.timeout.ms
		fetch.max.bytes auto.leader.rebalance.enable leader.imbalance.per.broker.percentage
		leader.imbalance.check.interval.seconds producer.id.expiration.ms max.connections super.users
		authorizer.class.name sasl.enabled.mechanisms ssl.keystore.location ssl.truststore.location metric.reporters
		log.write.caching`)
	for _, name := range broker {
		if _, ok := BrokerKey(name); !ok {
			t.Errorf("broker key %s missing", name)
		}
	}
	topic := strings.Fields(`cleanup.policy compression.type compression.gzip.level compression.lz4.level compression.zstd.level
		delete.retention.ms file.delete.delay.ms flush.messages flush.ms follower.replication.throttled.replicas
		index.interval.bytes leader.replication.throttled.replicas local.retention.bytes local.retention.ms
		max.compaction.lag.ms max.message.bytes message.timestamp.type message.timestamp.before.max.ms
		message.timestamp.after.max.ms min.cleanable.dirty.ratio min.compaction.lag.ms min.insync.replicas preallocate
		remote.storage.enable remote.log.copy.disable remote.log.delete.on.disable retention.bytes retention.ms
		segment.bytes segment.index.bytes segment.jitter.ms segment.ms unclean.leader.election.enable write.caching`)
	for _, name := range topic {
		if _, ok := TopicKey(name); !ok {
			t.Errorf("topic key %s missing", name)
		}
	}
}

// TestConfigurationDocIsCurrent fails when docs/configuration.md was not
// regenerated after a change to the table.
func TestConfigurationDocIsCurrent(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "configuration.md")
	committed, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run go generate ./internal/config", err)
	}
	if string(committed) != Markdown() {
		t.Fatalf("%s is stale; run go generate ./internal/config", path)
	}
}

func TestMarkdown(t *testing.T) {
	md := Markdown()
	if !strings.HasPrefix(md, GeneratedHeader+"\n") {
		t.Error("missing generated-code header")
	}
	for _, k := range append(BrokerKeys(), TopicKeys()...) {
		if !strings.Contains(md, "| `"+k.Name+"` |") {
			t.Errorf("no row for %s", k.Name)
		}
	}
	for _, want := range []string{
		"| `retention.ms` | long | 604800000 (7 days) | [-1,...] | `log.retention.ms`, `log.retention.minutes`, `log.retention.hours` |",
		"| `log.segment.bytes` | int | 1073741824 (1 gibibyte) | [1048576,...] | cluster-wide |",
		"| `node.id` | int | (required) | [0,...] | read-only |",
		"| `log.retention.ms` | long | null |  | cluster-wide |",
		"| `ssl.cipher.suites` | list | \"\" |  | per-broker |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}
