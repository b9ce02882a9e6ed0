package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "server.properties")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadBuiltInDefaults(t *testing.T) {
	b, st, err := Load(Sources{})
	if err != nil {
		t.Fatal(err)
	}
	if !st.BuiltInDefaults || len(st.Unknown) != 0 {
		t.Fatalf("BuiltInDefaults = %v, unknown = %v", st.BuiltInDefaults, st.Unknown)
	}
	if b.NodeID != 1 || b.ProcessRoles != (Roles{Broker: true, Controller: true}) {
		t.Errorf("node %d roles %s", b.NodeID, b.ProcessRoles)
	}
	wantListeners := []Listener{{"PLAINTEXT", "localhost", 9092, Plaintext}, {"CONTROLLER", "localhost", 9093, Plaintext}}
	if !reflect.DeepEqual(b.Listeners, wantListeners) {
		t.Errorf("Listeners = %v", b.Listeners)
	}
	if !reflect.DeepEqual(b.AdvertisedListeners, wantListeners[:1]) || !reflect.DeepEqual(b.AdvertisedControllerListeners, wantListeners[1:]) {
		t.Errorf("advertised %v, controller %v", b.AdvertisedListeners, b.AdvertisedControllerListeners)
	}
	if b.InterBrokerListenerName != "PLAINTEXT" || b.SecurityProtocolMap["CONTROLLER"] != Plaintext {
		t.Errorf("inter-broker %s, map %v", b.InterBrokerListenerName, b.SecurityProtocolMap)
	}
	if !reflect.DeepEqual(b.QuorumVoters, []Voter{{ID: 1, Host: "localhost", Port: 9093}}) {
		t.Errorf("voters %v", b.QuorumVoters)
	}
	if !reflect.DeepEqual(b.LogDirs, []string{"./samsa-data"}) || b.MetadataLogDir != "./samsa-data" {
		t.Errorf("log dirs %v metadata %s", b.LogDirs, b.MetadataLogDir)
	}
	if b.Groups.OffsetsTopicReplicationFactor != 1 || b.Transactions.StateLogReplicationFactor != 1 || b.Transactions.StateLogMinISR != 1 {
		t.Errorf("internal topic settings %+v %+v", b.Groups, b.Transactions)
	}
	if b.Groups.InitialRebalanceDelay != 0 || b.Groups.OffsetsTopicPartitions != 50 {
		t.Errorf("groups %+v", b.Groups)
	}
	if st.Origins["node.id"] != (Origin{Kind: FromDefaults, Where: "default-server.properties:8"}) {
		t.Errorf("origin of node.id = %v", st.Origins["node.id"])
	}
}

// TestBuiltInDefaultsAreAFile checks that the embedded defaults take the
// same path as a user's file: writing them out and loading the file gives
// the same configuration.
func TestBuiltInDefaultsAreAFile(t *testing.T) {
	fromEmbedded, _, err := Load(Sources{})
	if err != nil {
		t.Fatal(err)
	}
	fromFile, st, err := Load(Sources{File: writeFile(t, DefaultServerProperties())})
	if err != nil {
		t.Fatal(err)
	}
	if st.BuiltInDefaults {
		t.Error("a file was given, but BuiltInDefaults is set")
	}
	if !reflect.DeepEqual(fromEmbedded.values, fromFile.values) {
		t.Error("the embedded defaults and the same text as a file resolve differently")
	}
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, DefaultServerProperties()+"\nnum.partitions=2\nlog.retention.hours=1\ndefault.replication.factor=1\n")
	env := []string{"KAFKA_NUM_PARTITIONS=3", "KAFKA_LOG_RETENTION_MINUTES=30"}
	tests := []struct {
		name       string
		src        Sources
		partitions int32
		retention  time.Duration
		origin     OriginKind
	}{
		{"file", Sources{File: file}, 2, time.Hour, FromFile},
		{"env over file", Sources{File: file, Env: env}, 3, 30 * time.Minute, FromEnv},
		{"override over env", Sources{File: file, Env: env, Overrides: []string{"num.partitions=4", "log.retention.ms=1000"}}, 4, time.Second, FromOverride},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, st, err := Load(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if b.NumPartitions != tt.partitions || b.LogDefaults.Retention != tt.retention {
				t.Errorf("partitions %d retention %v, want %d %v", b.NumPartitions, b.LogDefaults.Retention, tt.partitions, tt.retention)
			}
			if st.Origins["num.partitions"].Kind != tt.origin {
				t.Errorf("origin %v, want kind %d", st.Origins["num.partitions"], tt.origin)
			}
		})
	}
}

// TestEnvOnlyReplacesDefaults follows the apache/kafka image: with no file,
// environment configuration is the whole configuration.
func TestEnvOnlyReplacesDefaults(t *testing.T) {
	// docker/examples single-node plaintext docker-compose.yml
	compose := []string{
		"KAFKA_NODE_ID=1",
		"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
		"KAFKA_ADVERTISED_LISTENERS=PLAINTEXT_HOST://localhost:9092,PLAINTEXT://broker:19092",
		"KAFKA_PROCESS_ROLES=broker,controller",
		"KAFKA_CONTROLLER_QUORUM_VOTERS=1@broker:29093",
		"KAFKA_LISTENERS=CONTROLLER://:29093,PLAINTEXT_HOST://:9092,PLAINTEXT://:19092",
		"KAFKA_INTER_BROKER_LISTENER_NAME=PLAINTEXT",
		"KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER",
		"CLUSTER_ID=4L6g3nShT-eMCtK--X86sw",
		"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1",
		"KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=0",
		"KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=1",
		"KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=1",
		"KAFKA_LOG_DIRS=/tmp/kraft-combined-logs",
		"KAFKA_HEAP_OPTS=-Xmx1G",
	}
	b, st, err := Load(Sources{Env: compose})
	if err != nil {
		t.Fatal(err)
	}
	if st.BuiltInDefaults || st.ClusterID != "4L6g3nShT-eMCtK--X86sw" || len(st.Unknown) != 0 {
		t.Fatalf("BuiltInDefaults %v cluster %q unknown %v", st.BuiltInDefaults, st.ClusterID, st.Unknown)
	}
	if got := b.AdvertisedListeners; len(got) != 2 || got[0].String() != "PLAINTEXT_HOST://localhost:9092" || got[1].String() != "PLAINTEXT://broker:19092" {
		t.Errorf("advertised %v", got)
	}
	if got := b.AdvertisedControllerListeners; len(got) != 1 || got[0].String() != "CONTROLLER://:29093" {
		t.Errorf("controller advertised %v", got)
	}
	if b.LogDirs[0] != "/tmp/kraft-combined-logs" || b.Transactions.StateLogMinISR != 1 {
		t.Errorf("log dirs %v txn %+v", b.LogDirs, b.Transactions)
	}
	// Kafka's defaults, not Samsa's built-in file, fill what the
	// environment leaves out.
	if b.NumPartitions != 1 || b.Groups.OffsetsTopicPartitions != 50 {
		t.Errorf("num.partitions %d", b.NumPartitions)
	}
}

func TestEnvDerivesListeners(t *testing.T) {
	env := []string{
		"KAFKA_PROCESS_ROLES=broker",
		"KAFKA_NODE_ID=2",
		"KAFKA_CONTROLLER_QUORUM_VOTERS=1@controller:9093",
		"KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER",
		"KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://broker-2:9092,EXTERNAL://[::1]:9094",
		"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
	}
	b, st, err := Load(Sources{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Props["listeners"]; got != "PLAINTEXT://0.0.0.0:9092,EXTERNAL://0.0.0.0:9094" {
		t.Errorf("derived listeners %q", got)
	}
	if st.Origins["listeners"].Kind != FromDerived {
		t.Errorf("origin %v", st.Origins["listeners"])
	}
	if len(b.Listeners) != 2 || b.Listeners[0].Host != "0.0.0.0" {
		t.Errorf("listeners %v", b.Listeners)
	}

	// A file that sets listeners keeps them.
	file := writeFile(t, "listeners=PLAINTEXT://:9092\n")
	st, err = ReadSources(Sources{File: file, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if st.Props["listeners"] != "PLAINTEXT://:9092" {
		t.Errorf("file listeners replaced: %q", st.Props["listeners"])
	}
}

func TestNonConfigEnvKeepsDefaults(t *testing.T) {
	st, err := ReadSources(Sources{Env: []string{"KAFKA_HOME=/opt/kafka", "KAFKA_HEAP_OPTS=-Xmx1G", "KAFKA_ENABLE_KRAFT=yes"}})
	if err != nil {
		t.Fatal(err)
	}
	if !st.BuiltInDefaults {
		t.Error("variables that set no broker key replaced the built-in defaults")
	}
	// KAFKA_ENABLE_KRAFT is Bitnami's and excluded; nothing else maps.
	if len(st.Unknown) != 0 {
		t.Errorf("unknown %v", st.Unknown)
	}
}

func TestUnknownKeys(t *testing.T) {
	file := writeFile(t, DefaultServerProperties()+`
zookeeper.connect=localhost:2181
retention.ms=1000
log.retention.hour=5
sasl.oauthbearer.jwks.endpoint.url=https://example
listener.name.sasl_ssl.plain.sasl.jaas.config=secret
listener.name.plaintext.nonsense=1
totally.made.up=1
`)
	st, err := ReadSources(Sources{File: file, Env: []string{"KAFKA_FOO_BAR=1"}})
	if err != nil {
		t.Fatal(err)
	}
	hints := map[string]string{}
	for _, u := range st.Unknown {
		hints[u.Key] = u.Hint
	}
	want := map[string]string{
		"zookeeper.connect":                  "ZooKeeper mode was removed in Kafka 4.0",
		"retention.ms":                       "a topic key; set it per topic, or its broker-wide default log.retention.ms",
		"log.retention.hour":                 "did you mean log.retention.hours?",
		"sasl.oauthbearer.jwks.endpoint.url": "a Kafka key for a feature Samsa does not implement",
		"listener.name.plaintext.nonsense":   "a listener override of a key Samsa does not know",
		"totally.made.up":                    "not a broker key; ignored",
		"foo.bar":                            "not a broker key",
	}
	if len(hints) != len(want) {
		t.Errorf("unknown keys %v, want %d", st.Unknown, len(want))
	}
	for k, sub := range want {
		if !strings.Contains(hints[k], sub) {
			t.Errorf("hint for %s = %q, want it to contain %q", k, hints[k], sub)
		}
	}
	for _, u := range st.Unknown {
		if u.Key == "foo.bar" && u.Origin != (Origin{Kind: FromEnv, Where: "KAFKA_FOO_BAR"}) {
			t.Errorf("origin of foo.bar = %v", u.Origin)
		}
	}
	if _, _, err := Load(Sources{File: file}); err != nil {
		t.Errorf("unknown keys must not be fatal: %v", err)
	}
}

func TestLoadReportsEveryInvalidValue(t *testing.T) {
	file := writeFile(t, DefaultServerProperties()+"num.partitions=0\nlog.segment.bytes=1000\nauto.create.topics.enable=maybe\n")
	_, st, err := Load(Sources{File: file})
	if err == nil {
		t.Fatal("no error")
	}
	if st == nil {
		t.Error("Static is nil, so unknown keys could not be logged")
	}
	for _, want := range []string{
		"Invalid value 0 for configuration num.partitions: Value must be at least 1",
		"Invalid value 1000 for configuration log.segment.bytes: Value must be at least 1048576",
		"Invalid value maybe for configuration auto.create.topics.enable: Expected value to be either true or false",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Error("error does not unwrap to *Error")
	}
}

func TestLoadSourceErrors(t *testing.T) {
	if _, _, err := Load(Sources{File: filepath.Join(t.TempDir(), "missing.properties")}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, _, err := Load(Sources{Overrides: []string{"num.partitions"}}); err == nil || !strings.Contains(err.Error(), "expected key=value") {
		t.Errorf("bad override: %v", err)
	}
	if _, _, err := Load(Sources{File: writeFile(t, `a=\u00`)}); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad escape: %v", err)
	}
	k, v, err := ParseOverride(" log.dirs = /a=b")
	if err != nil || k != "log.dirs" || v != " /a=b" {
		t.Errorf("ParseOverride = %q %q %v", k, v, err)
	}
}

func TestMissingRequired(t *testing.T) {
	_, err := NewBroker(map[string]string{})
	for _, want := range []string{
		`Missing required configuration "process.roles" which has no default value.`,
		`Missing required configuration "node.id" which has no default value.`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	// broker.id alone sets node.id, as Kafka's populateSynonyms does.
	b, err := NewBroker(map[string]string{"process.roles": "controller", "broker.id": "5", "controller.listener.names": "C", "listeners": "C://:9093", "controller.quorum.voters": "5@h:9093"})
	if err != nil || b.NodeID != 5 {
		t.Fatalf("broker.id alone: %v %v", b, err)
	}
}
