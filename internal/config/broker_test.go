package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// combined is a minimal valid broker+controller configuration.
func combined(extra ...string) map[string]string {
	props := map[string]string{
		"process.roles":             "broker,controller",
		"node.id":                   "1",
		"controller.quorum.voters":  "1@localhost:9093",
		"listeners":                 "PLAINTEXT://:9092,CONTROLLER://:9093",
		"controller.listener.names": "CONTROLLER",
		"log.dirs":                  "/data",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "<unset>" {
			delete(props, extra[i])
			continue
		}
		props[extra[i]] = extra[i+1]
	}
	return props
}

func mustBroker(t *testing.T, props map[string]string) *Broker {
	t.Helper()
	b, err := NewBroker(props)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseListeners(t *testing.T) {
	protocols := map[string]SecurityProtocol{"PLAINTEXT": Plaintext, "SSL": SSL, "INTERNAL": SASLSSL}
	tests := []struct {
		value   string
		want    []Listener
		wantErr string
	}{
		{"PLAINTEXT://:9092", []Listener{{"PLAINTEXT", "", 9092, Plaintext}}, ""},
		{"PLAINTEXT://0.0.0.0:9092, SSL://broker.example:9093", []Listener{{"PLAINTEXT", "0.0.0.0", 9092, Plaintext}, {"SSL", "broker.example", 9093, SSL}}, ""},
		{"internal://[::1]:9094", []Listener{{"INTERNAL", "::1", 9094, SASLSSL}}, ""},
		{"PLAINTEXT://127.0.0.1:9092,SSL://[::1]:9092", []Listener{{"PLAINTEXT", "127.0.0.1", 9092, Plaintext}, {"SSL", "::1", 9092, SSL}}, ""},
		{"PLAINTEXT://:0,SSL://:0", []Listener{{"PLAINTEXT", "", 0, Plaintext}, {"SSL", "", 0, SSL}}, ""},
		{"", nil, ""},
		{"localhost:9092", nil, "Unable to parse localhost:9092 to a broker endpoint"},
		{"PLAINTEXT://host", nil, "Unable to parse PLAINTEXT://host to a broker endpoint"},
		{"PLAINTEXT://host:99999", nil, "Unable to parse PLAINTEXT://host:99999 to a broker endpoint: port 99999 is not between 0 and 65535"},
		{"PLAINTEXT://host:-1", nil, "port -1 is not between 0 and 65535"},
		{"PLAINTEXT://ho st:9092", nil, "Unable to parse PLAINTEXT://ho st:9092 to a broker endpoint"},
		{"FOO://:9092", nil, "No security protocol defined for listener FOO"},
		{"PLAINTEXT://:9092,plaintext://:9093", nil, "Each listener must have a different name, listeners: PLAINTEXT://:9092,plaintext://:9093"},
		{"PLAINTEXT://:9092,SSL://:9092", nil, "Each listener must have a different port, listeners: PLAINTEXT://:9092,SSL://:9092"},
		{"PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.2:9092", nil, "If you have two listeners on the same port then one needs to be IPv4 and the other IPv6"},
	}
	for _, tt := range tests {
		got, err := ParseListeners(tt.value, protocols, true)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseListeners(%q) error = %v, want %q", tt.value, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseListeners(%q) = %v, %v; want %v", tt.value, got, err, tt.want)
		}
	}
	// Advertised listeners may share ports.
	if _, err := ParseListeners("PLAINTEXT://a:9092,SSL://b:9092", protocols, false); err != nil {
		t.Errorf("advertised listeners sharing a port: %v", err)
	}
	if got := (Listener{Name: "X", Host: "::1", Port: 1}).String(); got != "X://[::1]:1" {
		t.Errorf("String() = %q", got)
	}
}

func TestProtocolMap(t *testing.T) {
	m, err := ParseProtocolMap("CONTROLLER:PLAINTEXT, external : sasl_ssl")
	if err != nil || !reflect.DeepEqual(m, map[string]SecurityProtocol{"CONTROLLER": Plaintext, "EXTERNAL": SASLSSL}) {
		t.Errorf("ParseProtocolMap = %v, %v", m, err)
	}
	for value, want := range map[string]string{
		"PLAINTEXT":         "entry \"PLAINTEXT\" is not NAME:PROTOCOL",
		"A:PLAINTEXT,B:TLS": "Invalid security protocol `TLS` defined in listener.security.protocol.map",
	} {
		if _, err := ParseProtocolMap(value); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseProtocolMap(%q) = %v, want %q", value, err, want)
		}
	}

	// The implicit CONTROLLER:PLAINTEXT of Kafka 4.
	tests := []struct {
		name  string
		props map[string]string
		want  bool
	}{
		{"default map", combined(), true},
		{"explicit map", combined("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:SSL"), false},
		{"ssl listener in use", combined("listeners", "SSL://:9092,CONTROLLER://:9093", "inter.broker.listener.name", "SSL"), false},
	}
	for _, tt := range tests {
		b, err := NewBroker(tt.props)
		if tt.want {
			if err != nil || b.SecurityProtocolMap["CONTROLLER"] != Plaintext {
				t.Errorf("%s: map %v, err %v", tt.name, b, err)
			}
			continue
		}
		if err == nil && b.SecurityProtocolMap["CONTROLLER"] == Plaintext {
			t.Errorf("%s: CONTROLLER mapped to PLAINTEXT implicitly", tt.name)
		}
	}
}

func TestParseVoters(t *testing.T) {
	dir := "Ycw4cpDVS_6ctnsQZKQdBg"
	tests := []struct {
		entries []string
		want    []Voter
		wantErr string
	}{
		{[]string{"1@localhost:9093", "2@10.0.0.2:9093"}, []Voter{{1, "localhost", 9093, ""}, {2, "10.0.0.2", 9093, ""}}, ""},
		{[]string{"3@[::1]:9093"}, []Voter{{3, "::1", 9093, ""}}, ""},
		{[]string{"4@controller-4:9093:" + dir}, []Voter{{4, "controller-4", 9093, dir}}, ""},
		{[]string{"5@[fe80::1]:9093:" + dir}, []Voter{{5, "fe80::1", 9093, dir}}, ""},
		{[]string{"localhost:9093"}, nil, "Invalid configuration value for controller.quorum.voters. Each entry should be in the form `{id}@{host}:{port}`."},
		{[]string{"1@a@b:1"}, nil, "Invalid configuration value for controller.quorum.voters."},
		{[]string{"x@localhost:9093"}, nil, "Failed to parse voter ID as an integer from x"},
		{[]string{"1@localhost"}, nil, "Failed to parse host name from entry 1@localhost for the configuration controller.quorum.voters."},
		{[]string{"1@localhost:port"}, nil, "Failed to parse host port from entry 1@localhost:port"},
		{[]string{"1@local host:9093"}, nil, "Failed to parse host name from entry 1@local host:9093"},
		{[]string{"1@h:9093:short"}, nil, "Failed to parse directory id from entry 1@h:9093:short"},
		{[]string{"1@a:1", "1@b:2"}, nil, "Duplicate voter id 1 in controller.quorum.voters"},
	}
	for _, tt := range tests {
		got, err := ParseVoters(tt.entries)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseVoters(%q) error = %v, want %q", tt.entries, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseVoters(%q) = %v, %v; want %v", tt.entries, got, err, tt.want)
		}
	}
	hp, err := ParseBootstrapServers([]string{"localhost:9093", "[::1]:9094"})
	if err != nil || !reflect.DeepEqual(hp, []HostPort{{"localhost", 9093}, {"::1", 9094}}) || hp[1].Addr() != "[::1]:9094" {
		t.Errorf("ParseBootstrapServers = %v, %v", hp, err)
	}
	if _, err := ParseBootstrapServers([]string{"localhost"}); err == nil || !strings.Contains(err.Error(), `Failed to parse host name from localhost for the configuration controller.quorum.bootstrap.servers. Each entry should be in the form "{host}:{port}"`) {
		t.Errorf("ParseBootstrapServers(localhost) = %v", err)
	}
}

func TestRetentionAndRollResolution(t *testing.T) {
	tests := []struct {
		name      string
		extra     []string
		retention time.Duration
		roll      time.Duration
	}{
		{"defaults", nil, 168 * time.Hour, 168 * time.Hour},
		{"hours", []string{"log.retention.hours", "24", "log.roll.hours", "2"}, 24 * time.Hour, 2 * time.Hour},
		{"minutes over hours", []string{"log.retention.hours", "24", "log.retention.minutes", "90"}, 90 * time.Minute, 168 * time.Hour},
		{"ms over minutes and hours", []string{"log.retention.hours", "24", "log.retention.minutes", "90", "log.retention.ms", "5000", "log.roll.ms", "60000", "log.roll.hours", "1"}, 5 * time.Second, time.Minute},
		{"negative means forever", []string{"log.retention.ms", "-5"}, -time.Millisecond, 168 * time.Hour},
		{"negative hours means forever", []string{"log.retention.hours", "-1"}, -time.Millisecond, 168 * time.Hour},
	}
	for _, tt := range tests {
		b := mustBroker(t, combined(tt.extra...))
		if b.LogDefaults.Retention != tt.retention || b.LogDefaults.SegmentMaxAge != tt.roll {
			t.Errorf("%s: retention %v roll %v, want %v %v", tt.name, b.LogDefaults.Retention, b.LogDefaults.SegmentMaxAge, tt.retention, tt.roll)
		}
	}
}

func TestBrokerResolution(t *testing.T) {
	b := mustBroker(t, combined(
		"log.dirs", "<unset>", "log.dir", "/one, /two",
		"advertised.listeners", "PLAINTEXT://kafka.example:9092",
		"log.flush.scheduler.interval.ms", "3000",
		"message.max.bytes", "2000000",
		"super.users", "User:admin; User:ops",
		"max.connections.per.ip.overrides", "10.0.0.1:5,host-b:7",
		"offsets.retention.minutes", "60",
		"leader.imbalance.check.interval.seconds", "30",
		"listener.name.plaintext.ssl.client.auth", "required",
	))
	if !reflect.DeepEqual(b.LogDirs, []string{"/one", "/two"}) || b.MetadataLogDir != "/one" {
		t.Errorf("log dirs %v metadata %s", b.LogDirs, b.MetadataLogDir)
	}
	if len(b.AdvertisedListeners) != 1 || b.AdvertisedListeners[0].Host != "kafka.example" {
		t.Errorf("advertised %v", b.AdvertisedListeners)
	}
	// The controller is not in advertised.listeners: it is advertised as it listens.
	if len(b.AdvertisedControllerListeners) != 1 || b.AdvertisedControllerListeners[0].Port != 9093 {
		t.Errorf("controller advertised %v", b.AdvertisedControllerListeners)
	}
	if b.LogDefaults.FlushInterval != 3*time.Second || b.LogDefaults.MaxMessageBytes != 2000000 {
		t.Errorf("flush.ms %v max.message.bytes %d", b.LogDefaults.FlushInterval, b.LogDefaults.MaxMessageBytes)
	}
	if !reflect.DeepEqual(b.Security.SuperUsers, []string{"User:admin", "User:ops"}) {
		t.Errorf("super users %q", b.Security.SuperUsers)
	}
	if !reflect.DeepEqual(b.Network.MaxConnectionsPerIPOverrides, map[string]int32{"10.0.0.1": 5, "host-b": 7}) {
		t.Errorf("overrides %v", b.Network.MaxConnectionsPerIPOverrides)
	}
	if b.Groups.OffsetsRetention != time.Hour || b.Replication.LeaderImbalanceCheckInterval != 30*time.Second {
		t.Errorf("offsets retention %v imbalance %v", b.Groups.OffsetsRetention, b.Replication.LeaderImbalanceCheckInterval)
	}
	if got := b.ForListener("PLAINTEXT", "", "ssl.client.auth").Str(); got != "required" {
		t.Errorf("per-listener ssl.client.auth = %q", got)
	}
	if got := b.ForListener("CONTROLLER", "", "ssl.client.auth").Str(); got != "none" {
		t.Errorf("base ssl.client.auth = %q", got)
	}
	if b.LogDefaults.WriteCaching {
		t.Error("write caching is on by default")
	}
}

func TestListenerOverrideKeys(t *testing.T) {
	tests := []struct {
		name, listener, mechanism, base string
	}{
		{"listener.name.sasl_ssl.ssl.keystore.location", "SASL_SSL", "", "ssl.keystore.location"},
		{"listener.name.external.plain.sasl.jaas.config", "EXTERNAL", "plain", "sasl.jaas.config"},
		{"listener.name.external.scram-sha-256.sasl.jaas.config", "EXTERNAL", "scram-sha-256", "sasl.jaas.config"},
		{"listener.name.external.sasl.jaas.config", "EXTERNAL", "", "sasl.jaas.config"},
	}
	for _, tt := range tests {
		l, m, base, ok := ListenerOverride(tt.name)
		if !ok || l != tt.listener || m != tt.mechanism || base.Name != tt.base {
			t.Errorf("ListenerOverride(%s) = %s %s %v %v", tt.name, l, m, base, ok)
		}
	}
	for _, name := range []string{"listener.name.x.nonsense", "listener.name..ssl.protocol", "ssl.protocol"} {
		if _, _, _, ok := ListenerOverride(name); ok {
			t.Errorf("ListenerOverride(%s) accepted", name)
		}
	}
	b := mustBroker(t, combined("listener.name.plaintext.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required;",
		"listener.name.CONTROLLER.ssl.client.auth", "requested"))
	if got := b.ForListener("PLAINTEXT", "PLAIN", "sasl.jaas.config").Str(); !strings.HasPrefix(got, "org.apache.kafka") {
		t.Errorf("mechanism override = %q", got)
	}
	if got := b.ForListener("controller", "", "ssl.client.auth").Str(); got != "requested" {
		t.Errorf("upper-case listener override = %q", got)
	}
	if v, ok := b.Value("listener.name.controller.ssl.client.auth"); !ok || v.Str() != "requested" {
		t.Errorf("Value of the canonical override name = %v %v", v, ok)
	}
	if _, err := NewBroker(combined("listener.name.plaintext.ssl.client.auth", "sometimes")); err == nil ||
		!strings.Contains(err.Error(), "Invalid value sometimes for configuration listener.name.plaintext.ssl.client.auth: String must be one of: required, requested, none") {
		t.Errorf("listener override validation: %v", err)
	}
}

// TestValidateRules covers KafkaConfig's rules between keys, one broken at
// a time.
func TestValidateRules(t *testing.T) {
	brokerOnly := func(extra ...string) map[string]string {
		return combined(append([]string{"process.roles", "broker", "node.id", "2", "listeners", "PLAINTEXT://:9092"}, extra...)...)
	}
	controllerOnly := func(extra ...string) map[string]string {
		return combined(append([]string{"process.roles", "controller", "listeners", "CONTROLLER://:9093"}, extra...)...)
	}
	tests := []struct {
		name  string
		props map[string]string
		want  string
	}{
		{"node.id and broker.id differ", combined("broker.id", "2"), "You must set `node.id` to the same value as `broker.id`."},
		{"no quorum", combined("controller.quorum.voters", "<unset>"), "either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers or controller.quorum.voters"},
		{"controller not a voter", combined("node.id", "2"), "If process.roles contains the 'controller' role, the node id 2 must be included in the set of voters controller.quorum.voters=Set(1)"},
		{"controller without listener", combined("controller.listener.names", "<unset>", "listeners", "PLAINTEXT://:9092"), "controller.listener.names must contain at least one value appearing in the 'listeners' configuration when running the KRaft controller role"},
		{"controller listener not listening", combined("controller.listener.names", "CONTROLLER,OTHER"), "controller.listener.names must only contain values appearing in the 'listeners' configuration"},
		{"controller-only with broker listener", controllerOnly("listeners", "CONTROLLER://:9093,PLAINTEXT://:9092"), "The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller"},
		{"broker-only voter", brokerOnly("node.id", "1"), "If process.roles contains just the 'broker' role, the node id 1 must not be included in the set of voters"},
		{"broker-only without controller names", brokerOnly("controller.listener.names", "<unset>"), "controller.listener.names must contain at least one value when running KRaft with just the broker role"},
		{"broker-only listening on controller", brokerOnly("listeners", "PLAINTEXT://:9092,CONTROLLER://:9093"), "controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role"},
		{"broker-only controller unmapped", brokerOnly("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT"), "Controller listener with name CONTROLLER defined in controller.listener.names not found in listener.security.protocol.map"},
		{"only controller listeners", combined("listeners", "CONTROLLER://:9093"), "There must be at least one broker advertised listener. Perhaps all listeners appear in controller.listener.names?"},
		{"inter-broker listener not advertised", combined("listeners", "PLAINTEXT://:9092,CONTROLLER://:9093,INTERNAL://:9094", "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT", "inter.broker.listener.name", "INTERNAL", "advertised.listeners", "PLAINTEXT://h:9092"), "inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are PLAINTEXT"},
		{"advertised not listening", combined("advertised.listeners", "PLAINTEXT://h:9092,SSL://h:9094"), "advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found PLAINTEXT,SSL."},
		{"advertised 0.0.0.0", combined("listeners", "PLAINTEXT://0.0.0.0:9092,CONTROLLER://:9093"), "advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address."},
		{"voter 0.0.0.0", combined("controller.quorum.voters", "1@0.0.0.0:9093"), "Host string (0.0.0.0) is not routeable"},
		{"roll.ms zero", combined("log.roll.ms", "0"), "log.roll.ms must be greater than or equal to 1"},
		{"retention zero", combined("log.retention.minutes", "0"), "log.retention.ms must be unlimited (-1) or, greater than or equal to 1"},
		{"no log dirs", combined("log.dirs", " , "), "At least one log directory must be defined via log.dirs or log.dir."},
		{"fetch wait above socket timeout", combined("replica.fetch.wait.max.ms", "40000"), "replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms"},
		{"fetch wait above lag time", combined("replica.fetch.wait.max.ms", "20000", "replica.lag.time.max.ms", "10000"), "replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms"},
		{"queued bytes below request size", combined("queued.max.request.bytes", "1000"), "queued.max.request.bytes must be larger or equal to socket.request.max.bytes"},
		{"zero connections per ip", combined("max.connections.per.ip", "0"), "max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set."},
		{"auth delay above idle", combined("connections.max.idle.ms", "50"), "connection.failed.authentication.delay.ms=100 should always be less than connections.max.idle.ms=50"},
		{"sasl mechanism not enabled", combined("listeners", "SASL_PLAINTEXT://:9092,CONTROLLER://:9093", "security.inter.broker.protocol", "SASL_PLAINTEXT", "sasl.enabled.mechanisms", "PLAIN", "listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT"), "sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms when SASL is used for inter-broker communication"},
		{"classic disabled", combined("group.coordinator.rebalance.protocols", "consumer"), "Disabling the 'classic' protocol is not supported."},
		{"heartbeat above session", combined("group.consumer.heartbeat.interval.ms", "50000", "group.consumer.max.heartbeat.interval.ms", "60000"), "group.consumer.heartbeat.interval.ms must be less than group.consumer.session.timeout.ms"},
		{"session below min", combined("group.consumer.session.timeout.ms", "1000"), "group.consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms"},
		{"dedupe buffer too small", combined("log.cleaner.dedupe.buffer.size", "1048576"), "log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := NewBroker(tt.props)
			if err == nil {
				err = b.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
	// The base configurations themselves are valid.
	mustBroker(t, combined())
	mustBroker(t, brokerOnly())
	mustBroker(t, controllerOnly())
}

func TestResolutionErrors(t *testing.T) {
	tests := []struct {
		props map[string]string
		want  string
	}{
		{combined("process.roles", "broker,broker"), "Duplicate role names found in `process.roles`: [broker, broker]"},
		{combined("process.roles", "zookeeper"), "Invalid value zookeeper for configuration process.roles: String must be one of: broker, controller"},
		{combined("inter.broker.listener.name", "PLAINTEXT", "security.inter.broker.protocol", "PLAINTEXT"), "Only one of inter.broker.listener.name and security.inter.broker.protocol should be set."},
		{combined("inter.broker.listener.name", "NOPE"), "Listener with name NOPE defined in inter.broker.listener.name not found in listener.security.protocol.map."},
		{combined("node.id", "-3"), "Invalid value -3 for configuration node.id: Value must be at least 0"},
		{combined("controller.quorum.voters", "1@localhost"), "Failed to parse host name from entry 1@localhost"},
		{combined("max.connections.per.ip.overrides", "hostonly"), "Error parsing configuration property 'max.connections.per.ip.overrides'"},
		{combined("authorizer.class.name", "kafka.security.authorizer.AclAuthorizer"), "Invalid value kafka.security.authorizer.AclAuthorizer for configuration authorizer.class.name"},
		{combined("compression.gzip.level", "0"), "Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1"},
		{combined("log.cleaner.min.cleanable.ratio", "1.5"), "Invalid value 1.5 for configuration log.cleaner.min.cleanable.ratio: Value must be no more than 1"},
	}
	for _, tt := range tests {
		_, err := NewBroker(tt.props)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewBroker error = %v\nwant it to contain %q", err, tt.want)
		}
	}
}
