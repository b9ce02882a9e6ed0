package config

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Roles are the process.roles of a node.
type Roles struct {
	Broker     bool
	Controller bool
}

// String returns the roles as process.roles spells them.
func (r Roles) String() string {
	switch {
	case r.Broker && r.Controller:
		return "broker,controller"
	case r.Broker:
		return "broker"
	case r.Controller:
		return "controller"
	}
	return ""
}

// Broker is a node's resolved configuration: every key typed and checked,
// synonyms resolved (log.retention.ms over .minutes over .hours, log.dirs
// over log.dir, advertised.listeners over listeners), and the result split
// into the fields the server uses. Build it with NewBroker (or Load), then
// call Validate for the rules between keys.
//
// A Broker is immutable and safe for concurrent use (callers must not
// modify the slices and maps its fields hold); WithDynamic returns a new
// one with dynamic configuration applied.
type Broker struct {
	NodeID       int32
	ProcessRoles Roles

	// Listeners are the addresses to bind, in the order given.
	Listeners []Listener
	// AdvertisedListeners are the broker listeners given to clients and
	// other brokers: advertised.listeners (or listeners when unset)
	// without the controller listeners, as Kafka's
	// effectiveAdvertisedBrokerListeners. An empty Host means this
	// machine's host name, which the server substitutes, as Kafka does.
	AdvertisedListeners []Listener
	// AdvertisedControllerListeners are the controller listeners named in
	// controller.listener.names, from advertised.listeners when given
	// there and from listeners otherwise, in controller.listener.names
	// order.
	AdvertisedControllerListeners []Listener
	// SecurityProtocolMap is listener.security.protocol.map with Kafka
	// 4's implicit CONTROLLER:PLAINTEXT (see effectiveProtocolMap).
	SecurityProtocolMap         map[string]SecurityProtocol
	ControllerListenerNames     []string // upper-case
	InterBrokerListenerName     string
	InterBrokerSecurityProtocol SecurityProtocol

	QuorumVoters           []Voter
	QuorumBootstrapServers []HostPort

	LogDirs        []string // log.dirs, or log.dir when unset
	MetadataLogDir string   // metadata.log.dir, or LogDirs[0] when unset
	Rack           string

	NumPartitions            int32
	DefaultReplicationFactor int16
	AutoCreateTopics         bool
	DeleteTopicEnable        bool
	NumRecoveryThreadsPerDir int

	Quorum       Quorum
	MetadataLog  MetadataLog
	Network      Network
	Replication  Replication
	Retention    Retention
	Groups       Groups
	Transactions Transactions
	Security     Security

	// LogDefaults are the broker-wide topic settings: what a topic without
	// overrides gets (retention.ms from log.retention.ms/minutes/hours,
	// …). ResolveTopic starts from them.
	LogDefaults Topic

	layers  layers
	merged  map[string]string // raw effective values: static < dynamic default < dynamic broker
	values  map[string]Value  // typed effective value of every broker key and listener override
	topical map[string]Value  // the topic keys' broker-derived defaults
}

// Quorum are the metadata quorum's timing settings.
type Quorum struct {
	ElectionTimeout    time.Duration
	FetchTimeout       time.Duration
	ElectionBackoffMax time.Duration
	AppendLinger       time.Duration
	RequestTimeout     time.Duration
	RetryBackoff       time.Duration
	AutoJoin           bool

	BrokerHeartbeatInterval          time.Duration
	BrokerSessionTimeout             time.Duration
	InitialBrokerRegistrationTimeout time.Duration
}

// MetadataLog are the settings of the metadata log and its snapshots.
type MetadataLog struct {
	SegmentBytes              int32
	SegmentMaxAge             time.Duration
	MaxRetentionBytes         int64
	MaxRetention              time.Duration
	MaxIdleInterval           time.Duration
	SnapshotMaxNewRecordBytes int64
	SnapshotMaxInterval       time.Duration
}

// Network are the settings of listeners and connections.
type Network struct {
	SocketRequestMaxBytes        int32
	SocketSendBufferBytes        int32
	SocketReceiveBufferBytes     int32
	SocketListenBacklogSize      int32
	QueuedMaxRequests            int32
	QueuedMaxRequestBytes        int64
	NumNetworkThreads            int32
	NumIOThreads                 int32
	ConnectionsMaxIdle           time.Duration
	MaxConnections               int32
	MaxConnectionsPerIP          int32
	MaxConnectionsPerIPOverrides map[string]int32
	MaxConnectionCreationRate    int32
	FailedAuthenticationDelay    time.Duration
	RequestTimeout               time.Duration
	FetchMaxBytes                int32
	MaxIncrementalFetchSessions  int32
	MaxRequestPartitions         int32
}

// Replication are the follower and leader-balancing settings.
type Replication struct {
	LagTimeMax                      time.Duration
	SocketTimeout                   time.Duration
	SocketReceiveBufferBytes        int32
	FetchMaxBytes                   int32
	FetchMinBytes                   int32
	FetchResponseMaxBytes           int32
	FetchWaitMax                    time.Duration
	FetchBackoff                    time.Duration
	NumFetchers                     int32
	HighWatermarkCheckpointInterval time.Duration
	AutoLeaderRebalance             bool
	LeaderImbalancePerBrokerPercent int32
	LeaderImbalanceCheckInterval    time.Duration
}

// Retention are the broker-wide log housekeeping settings.
type Retention struct {
	CheckInterval                   time.Duration
	FlushSchedulerInterval          time.Duration
	RecoveryPointCheckpointInterval time.Duration
	StartOffsetCheckpointInterval   time.Duration
	CleanerEnable                   bool
	CleanerThreads                  int32
	CleanerDedupeBufferBytes        int64
	CleanerIOBufferBytes            int32
	CleanerIOMaxBytesPerSecond      float64
	CleanerBackoff                  time.Duration
}

// Groups are the group coordinator's settings, including
// __consumer_offsets.
type Groups struct {
	MinSessionTimeout     time.Duration
	MaxSessionTimeout     time.Duration
	InitialRebalanceDelay time.Duration
	MaxSize               int32
	RebalanceProtocols    []string

	ConsumerSessionTimeout       time.Duration
	ConsumerMinSessionTimeout    time.Duration
	ConsumerMaxSessionTimeout    time.Duration
	ConsumerHeartbeatInterval    time.Duration
	ConsumerMinHeartbeatInterval time.Duration
	ConsumerMaxHeartbeatInterval time.Duration
	ConsumerMaxSize              int32
	ConsumerAssignors            []string

	OffsetMetadataMaxBytes        int32
	OffsetsLoadBufferSize         int32
	OffsetsTopicReplicationFactor int16
	OffsetsTopicPartitions        int32
	OffsetsTopicSegmentBytes      int32
	OffsetsTopicCompressionCodec  int32
	OffsetsRetention              time.Duration
	OffsetsRetentionCheckInterval time.Duration
	OffsetCommitTimeout           time.Duration
}

// Transactions are the transaction coordinator's settings, including
// __transaction_state, and producer id expiry.
type Transactions struct {
	StateLogReplicationFactor int16
	StateLogMinISR            int32
	StateLogPartitions        int32
	StateLogSegmentBytes      int32
	StateLogLoadBufferSize    int32
	PartitionVerification     bool
	ProducerIDExpiration      time.Duration
	TransactionalIDExpiration time.Duration
	MaxTimeout                time.Duration
	AbortTimedOutInterval     time.Duration
	RemoveExpiredInterval     time.Duration
}

// Security are the authentication and authorization settings that are not
// per listener; ForListener reads those that are.
type Security struct {
	AuthorizerClassName      string
	SuperUsers               []string
	AllowEveryoneIfNoACL     bool
	SASLEnabledMechanisms    []string
	SASLMechanismInterBroker string
	SASLMechanismController  string
	SSLClientAuth            string
	ConnectionsMaxReauth     time.Duration
	SASLServerMaxReceiveSize int32
}

// layers are the raw broker configuration by source, as Kafka's
// DynamicBrokerConfig keeps them.
type layers struct {
	static         map[string]string // STATIC_BROKER_CONFIG
	dynamicDefault map[string]string // DYNAMIC_DEFAULT_BROKER_CONFIG
	dynamicBroker  map[string]string // DYNAMIC_BROKER_CONFIG
}

// NewBroker types, checks and resolves static broker configuration (the
// merged server.properties, environment and overrides that ReadSources
// returns). Every bad value is reported, joined into one error. Keys the
// table does not know are kept for DescribeConfigs and otherwise ignored;
// ReadSources reports them.
func NewBroker(static map[string]string) (*Broker, error) {
	return newBroker(layers{static: withIDSynonyms(static)})
}

func newBroker(l layers) (*Broker, error) {
	b := &Broker{layers: l, merged: mergeLayers(l)}
	values, err := typeValues(b.merged)
	if err != nil {
		return nil, err
	}
	b.values = values
	b.topical = topicDefaultsFrom(values)
	if err := b.resolve(); err != nil {
		return nil, err
	}
	return b, nil
}

// withIDSynonyms copies node.id to broker.id or back when only one is set,
// as Kafka's KafkaConfig.populateSynonyms does. It returns a copy.
func withIDSynonyms(in map[string]string) map[string]string {
	out := make(map[string]string, len(in)+1)
	for k, v := range in {
		out[k] = v
	}
	brokerID, hasBroker := out["broker.id"]
	nodeID, hasNode := out["node.id"]
	switch {
	case hasNode && !hasBroker:
		out["broker.id"] = nodeID
	case hasBroker && !hasNode:
		out["node.id"] = brokerID
	}
	return out
}

// brokerSynonyms are the names that set the same broker setting, highest
// priority first, as Kafka's DynamicBrokerConfig.brokerConfigSynonyms: the
// ms/minutes/hours families, and a listener override with its base key.
func brokerSynonyms(name string, withListenerOverride bool) []string {
	switch name {
	case "log.roll.ms", "log.roll.hours":
		return []string{"log.roll.ms", "log.roll.hours"}
	case "log.roll.jitter.ms", "log.roll.jitter.hours":
		return []string{"log.roll.jitter.ms", "log.roll.jitter.hours"}
	case "log.flush.interval.ms":
		return []string{"log.flush.interval.ms", "log.flush.scheduler.interval.ms"}
	case "log.retention.ms", "log.retention.minutes", "log.retention.hours":
		return []string{"log.retention.ms", "log.retention.minutes", "log.retention.hours"}
	}
	if withListenerOverride {
		if _, _, base, ok := ListenerOverride(name); ok {
			return []string{name, base.Name}
		}
	}
	return []string{name}
}

// mergeLayers applies dynamic defaults then per-broker dynamic values over
// the static ones. A dynamic value replaces every synonym below it, so a
// dynamic log.retention.hours beats a static log.retention.ms, as in
// Kafka.
func mergeLayers(l layers) map[string]string {
	out := make(map[string]string, len(l.static))
	for k, v := range l.static {
		out[k] = v
	}
	for _, layer := range []map[string]string{l.dynamicDefault, l.dynamicBroker} {
		for _, k := range sortedNames(layer) {
			for _, syn := range brokerSynonyms(k, false) {
				delete(out, syn)
			}
			out[k] = layer[k]
		}
	}
	return out
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// typeValues parses and validates every broker key (its given value or its
// default) and every listener override present.
func typeValues(raw map[string]string) (map[string]Value, error) {
	values := make(map[string]Value, len(brokerKeys)+8)
	var errs []error
	for _, k := range BrokerKeys() {
		v, err := typeValue(k, k.Name, raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		values[k.Name] = v
	}
	for _, name := range sortedNames(raw) {
		if listener, mech, base, ok := ListenerOverride(name); ok {
			v, err := typeValue(base, name, raw)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			values[overrideName(listener, mech, base.Name)] = v
		}
	}
	return values, errors.Join(errs...)
}

// overrideName is the canonical, lower-case spelling of a listener
// override, under which its value is kept: Kafka looks overrides up by the
// lower-cased listener (and mechanism) name, and Samsa accepts any case.
func overrideName(listener, mechanism, key string) string {
	name := listenerPrefix + strings.ToLower(listener) + "."
	if mechanism != "" {
		name += strings.ToLower(mechanism) + "."
	}
	return name + key
}

func typeValue(k *Key, name string, raw map[string]string) (Value, error) {
	s, given := raw[name]
	if !given {
		if k.Required && name == k.Name {
			return Value{}, ruleErrorf("Missing required configuration \"%s\" which has no default value.", name)
		}
		return k.DefaultValue(), nil
	}
	v, err := ParseValue(name, k.Type, s)
	if err == nil && k.Validator != nil {
		err = k.Validator.Validate(name, v)
	}
	return v, err
}

// Value returns the effective typed value of a broker key or of a listener
// override, the latter spelt in lower case
// (listener.name.<listener>.[<mechanism>.]<key>).
func (b *Broker) Value(name string) (Value, bool) {
	v, ok := b.values[name]
	return v, ok
}

// ForListener returns key's value for one listener: the
// listener.name.<listener>.<key> override when set, the key's value
// otherwise. For SASL mechanism keys give mechanism (e.g. PLAIN) to look up
// listener.name.<listener>.<mechanism>.<key> first.
func (b *Broker) ForListener(listener, mechanism, key string) Value {
	if mechanism != "" {
		if v, ok := b.values[overrideName(listener, mechanism, key)]; ok {
			return v
		}
	}
	if v, ok := b.values[overrideName(listener, "", key)]; ok {
		return v
	}
	return b.values[key]
}

// DataDirs are every directory that must carry meta.properties: the log
// directories, then the metadata log directory when it is not one of them.
func (b *Broker) DataDirs() []string {
	dirs := append([]string(nil), b.LogDirs...)
	for _, d := range dirs {
		if d == b.MetadataLogDir {
			return dirs
		}
	}
	return append(dirs, b.MetadataLogDir)
}

// Static returns a copy of the static configuration (server.properties,
// environment, overrides) the broker was built from.
func (b *Broker) Static() map[string]string { return copyMap(b.layers.static) }

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// reader reads typed values by key. A missing key is a bug in this package
// (a misspelt name), so it panics.
type reader map[string]Value

func (r reader) get(k string) Value {
	v, ok := r[k]
	if !ok {
		panic("config: no value for key " + k)
	}
	return v
}
func (r reader) i32(k string) int32        { return int32(r.get(k).Int()) }
func (r reader) i16(k string) int16        { return int16(r.get(k).Int()) }
func (r reader) i64(k string) int64        { return r.get(k).Int() }
func (r reader) on(k string) bool          { return r.get(k).Bool() }
func (r reader) str(k string) string       { return r.get(k).Str() }
func (r reader) list(k string) []string    { return r.get(k).List() }
func (r reader) ms(k string) time.Duration { return Millis(r.get(k).Int()) }

// Millis converts Kafka milliseconds to a Duration, saturating at the
// largest Duration: Kafka uses Long.MAX_VALUE milliseconds for "never",
// which does not fit in nanoseconds.
func Millis(ms int64) time.Duration {
	const maxMs = math.MaxInt64 / int64(time.Millisecond)
	switch {
	case ms > maxMs:
		return time.Duration(math.MaxInt64)
	case ms < -maxMs:
		return time.Duration(math.MinInt64)
	}
	return time.Duration(ms) * time.Millisecond
}

func (b *Broker) resolve() error {
	r := reader(b.values)
	b.resolveSimple(r)
	b.resolveLogDirs(r)
	b.LogDefaults = topicFromValues(b.topical)
	var errs []error
	if err := b.resolveRoles(r); err != nil {
		errs = append(errs, err)
	}
	if err := b.resolveListeners(r); err != nil {
		errs = append(errs, err)
	}
	if err := b.resolveQuorumAddresses(r); err != nil {
		errs = append(errs, err)
	}
	if err := b.resolveConnectionOverrides(r); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (b *Broker) resolveRoles(r reader) error {
	b.NodeID = r.i32("node.id")
	roles := r.list("process.roles")
	if len(roles) == 0 {
		return &Error{Key: "process.roles", Value: "", Reason: "the roles must include broker, controller or both"}
	}
	seen := map[string]bool{}
	for _, role := range roles {
		if seen[role] {
			return ruleErrorf("Duplicate role names found in `process.roles`: [%s]", strings.Join(roles, ", "))
		}
		seen[role] = true
	}
	b.ProcessRoles = Roles{Broker: seen["broker"], Controller: seen["controller"]}
	return nil
}

func (b *Broker) resolveListeners(r reader) error {
	for _, n := range csvList(r.str("controller.listener.names")) {
		b.ControllerListenerNames = append(b.ControllerListenerNames, strings.ToUpper(n))
	}
	parsed, err := ParseProtocolMap(r.str("listener.security.protocol.map"))
	if err != nil {
		return err
	}
	_, explicit := b.merged["listener.security.protocol.map"]
	b.SecurityProtocolMap = effectiveProtocolMap(parsed, explicit, b.ControllerListenerNames, r.str("listeners"))
	if b.Listeners, err = ParseListeners(r.str("listeners"), b.SecurityProtocolMap, true); err != nil {
		return err
	}
	advertised := b.Listeners
	if adv := r.get("advertised.listeners"); !adv.IsNull() {
		if advertised, err = ParseListeners(adv.Str(), b.SecurityProtocolMap, false); err != nil {
			return err
		}
	}
	b.AdvertisedListeners, b.AdvertisedControllerListeners = splitAdvertised(advertised, b.Listeners, b.ControllerListenerNames)
	return b.resolveInterBroker(r)
}

// splitAdvertised separates broker from controller listeners; a controller
// listener not advertised explicitly is advertised as it listens.
func splitAdvertised(advertised, listeners []Listener, controllerNames []string) (brokers, controllers []Listener) {
	isController := map[string]bool{}
	for _, n := range controllerNames {
		isController[n] = true
	}
	for _, l := range advertised {
		if !isController[l.Name] {
			brokers = append(brokers, l)
		}
	}
	for _, n := range controllerNames {
		if l, ok := findListener(advertised, n); ok {
			controllers = append(controllers, l)
		} else if l, ok := findListener(listeners, n); ok {
			controllers = append(controllers, l)
		}
	}
	return brokers, controllers
}

func findListener(ls []Listener, name string) (Listener, bool) {
	for _, l := range ls {
		if l.Name == name {
			return l, true
		}
	}
	return Listener{}, false
}

func (b *Broker) resolveInterBroker(r reader) error {
	name := r.get("inter.broker.listener.name")
	if name.IsNull() {
		b.InterBrokerSecurityProtocol, _ = ParseSecurityProtocol(r.str("security.inter.broker.protocol"))
		b.InterBrokerListenerName = b.InterBrokerSecurityProtocol.String()
		return nil
	}
	if _, both := b.merged["security.inter.broker.protocol"]; both {
		return ruleErrorf("Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.")
	}
	b.InterBrokerListenerName = strings.ToUpper(name.Str())
	proto, ok := b.SecurityProtocolMap[b.InterBrokerListenerName]
	if !ok {
		return ruleErrorf("Listener with name %s defined in inter.broker.listener.name not found in listener.security.protocol.map.", b.InterBrokerListenerName)
	}
	b.InterBrokerSecurityProtocol = proto
	return nil
}

func (b *Broker) resolveQuorumAddresses(r reader) error {
	var err error
	if b.QuorumVoters, err = ParseVoters(r.list("controller.quorum.voters")); err != nil {
		return err
	}
	b.QuorumBootstrapServers, err = ParseBootstrapServers(r.list("controller.quorum.bootstrap.servers"))
	return err
}

// resolveConnectionOverrides parses max.connections.per.ip.overrides
// (host:count pairs).
func (b *Broker) resolveConnectionOverrides(r reader) error {
	raw := r.str("max.connections.per.ip.overrides")
	b.Network.MaxConnectionsPerIPOverrides = map[string]int32{}
	if raw == "" {
		return nil
	}
	for _, entry := range listSplit.Split(raw, -1) {
		i := strings.LastIndexByte(entry, ':')
		if i < 0 {
			return ruleErrorf("Error parsing configuration property 'max.connections.per.ip.overrides': entry %q is not host:count", entry)
		}
		host := javaTrim(entry[:i])
		n, err := ParseValue("max.connections.per.ip.overrides", TypeInt, entry[i+1:])
		if err != nil {
			return ruleErrorf("Error parsing configuration property 'max.connections.per.ip.overrides': %v", err)
		}
		if !validHost.MatchString(host) {
			return ruleErrorf("max.connections.per.ip.overrides contains invalid addresses : %s", host)
		}
		b.Network.MaxConnectionsPerIPOverrides[host] = int32(n.Int())
	}
	return nil
}

func (b *Broker) resolveLogDirs(r reader) {
	dirs := r.get("log.dirs")
	if dirs.IsNull() {
		dirs = r.get("log.dir")
	}
	b.LogDirs = csvList(dirs.Str())
	b.MetadataLogDir = r.str("metadata.log.dir")
	if b.MetadataLogDir == "" && len(b.LogDirs) > 0 {
		b.MetadataLogDir = b.LogDirs[0]
	}
}

// resolveSimple copies the values that need no parsing beyond their type.
func (b *Broker) resolveSimple(r reader) {
	b.Rack = r.str("broker.rack")
	b.NumPartitions = r.i32("num.partitions")
	b.DefaultReplicationFactor = int16(r.i32("default.replication.factor"))
	b.AutoCreateTopics = r.on("auto.create.topics.enable")
	b.DeleteTopicEnable = r.on("delete.topic.enable")
	b.NumRecoveryThreadsPerDir = int(r.i32("num.recovery.threads.per.data.dir"))
	b.Quorum = quorumFrom(r)
	b.MetadataLog = metadataLogFrom(r)
	b.Network = networkFrom(r)
	b.Replication = replicationFrom(r)
	b.Retention = retentionFrom(r)
	b.Groups = groupsFrom(r)
	b.Transactions = transactionsFrom(r)
	b.Security = securityFrom(r)
}

func quorumFrom(r reader) Quorum {
	return Quorum{
		ElectionTimeout:                  r.ms("controller.quorum.election.timeout.ms"),
		FetchTimeout:                     r.ms("controller.quorum.fetch.timeout.ms"),
		ElectionBackoffMax:               r.ms("controller.quorum.election.backoff.max.ms"),
		AppendLinger:                     r.ms("controller.quorum.append.linger.ms"),
		RequestTimeout:                   r.ms("controller.quorum.request.timeout.ms"),
		RetryBackoff:                     r.ms("controller.quorum.retry.backoff.ms"),
		AutoJoin:                         r.on("controller.quorum.auto.join.enable"),
		BrokerHeartbeatInterval:          r.ms("broker.heartbeat.interval.ms"),
		BrokerSessionTimeout:             r.ms("broker.session.timeout.ms"),
		InitialBrokerRegistrationTimeout: r.ms("initial.broker.registration.timeout.ms"),
	}
}

func metadataLogFrom(r reader) MetadataLog {
	return MetadataLog{
		SegmentBytes:              r.i32("metadata.log.segment.bytes"),
		SegmentMaxAge:             r.ms("metadata.log.segment.ms"),
		MaxRetentionBytes:         r.i64("metadata.max.retention.bytes"),
		MaxRetention:              r.ms("metadata.max.retention.ms"),
		MaxIdleInterval:           r.ms("metadata.max.idle.interval.ms"),
		SnapshotMaxNewRecordBytes: r.i64("metadata.log.max.record.bytes.between.snapshots"),
		SnapshotMaxInterval:       r.ms("metadata.log.max.snapshot.interval.ms"),
	}
}

func networkFrom(r reader) Network {
	return Network{
		SocketRequestMaxBytes:       r.i32("socket.request.max.bytes"),
		SocketSendBufferBytes:       r.i32("socket.send.buffer.bytes"),
		SocketReceiveBufferBytes:    r.i32("socket.receive.buffer.bytes"),
		SocketListenBacklogSize:     r.i32("socket.listen.backlog.size"),
		QueuedMaxRequests:           r.i32("queued.max.requests"),
		QueuedMaxRequestBytes:       r.i64("queued.max.request.bytes"),
		NumNetworkThreads:           r.i32("num.network.threads"),
		NumIOThreads:                r.i32("num.io.threads"),
		ConnectionsMaxIdle:          r.ms("connections.max.idle.ms"),
		MaxConnections:              r.i32("max.connections"),
		MaxConnectionsPerIP:         r.i32("max.connections.per.ip"),
		MaxConnectionCreationRate:   r.i32("max.connection.creation.rate"),
		FailedAuthenticationDelay:   r.ms("connection.failed.authentication.delay.ms"),
		RequestTimeout:              r.ms("request.timeout.ms"),
		FetchMaxBytes:               r.i32("fetch.max.bytes"),
		MaxIncrementalFetchSessions: r.i32("max.incremental.fetch.session.cache.slots"),
		MaxRequestPartitions:        r.i32("max.request.partition.size.limit"),
	}
}

func replicationFrom(r reader) Replication {
	return Replication{
		LagTimeMax:                      r.ms("replica.lag.time.max.ms"),
		SocketTimeout:                   r.ms("replica.socket.timeout.ms"),
		SocketReceiveBufferBytes:        r.i32("replica.socket.receive.buffer.bytes"),
		FetchMaxBytes:                   r.i32("replica.fetch.max.bytes"),
		FetchMinBytes:                   r.i32("replica.fetch.min.bytes"),
		FetchResponseMaxBytes:           r.i32("replica.fetch.response.max.bytes"),
		FetchWaitMax:                    r.ms("replica.fetch.wait.max.ms"),
		FetchBackoff:                    r.ms("replica.fetch.backoff.ms"),
		NumFetchers:                     r.i32("num.replica.fetchers"),
		HighWatermarkCheckpointInterval: r.ms("replica.high.watermark.checkpoint.interval.ms"),
		AutoLeaderRebalance:             r.on("auto.leader.rebalance.enable"),
		LeaderImbalancePerBrokerPercent: r.i32("leader.imbalance.per.broker.percentage"),
		LeaderImbalanceCheckInterval:    time.Duration(r.i64("leader.imbalance.check.interval.seconds")) * time.Second,
	}
}

func retentionFrom(r reader) Retention {
	return Retention{
		CheckInterval:                   r.ms("log.retention.check.interval.ms"),
		FlushSchedulerInterval:          r.ms("log.flush.scheduler.interval.ms"),
		RecoveryPointCheckpointInterval: r.ms("log.flush.offset.checkpoint.interval.ms"),
		StartOffsetCheckpointInterval:   r.ms("log.flush.start.offset.checkpoint.interval.ms"),
		CleanerEnable:                   r.on("log.cleaner.enable"),
		CleanerThreads:                  r.i32("log.cleaner.threads"),
		CleanerDedupeBufferBytes:        r.i64("log.cleaner.dedupe.buffer.size"),
		CleanerIOBufferBytes:            r.i32("log.cleaner.io.buffer.size"),
		CleanerIOMaxBytesPerSecond:      r.get("log.cleaner.io.max.bytes.per.second").Double(),
		CleanerBackoff:                  r.ms("log.cleaner.backoff.ms"),
	}
}

func groupsFrom(r reader) Groups {
	return Groups{
		MinSessionTimeout:             r.ms("group.min.session.timeout.ms"),
		MaxSessionTimeout:             r.ms("group.max.session.timeout.ms"),
		InitialRebalanceDelay:         r.ms("group.initial.rebalance.delay.ms"),
		MaxSize:                       r.i32("group.max.size"),
		RebalanceProtocols:            r.list("group.coordinator.rebalance.protocols"),
		ConsumerSessionTimeout:        r.ms("group.consumer.session.timeout.ms"),
		ConsumerMinSessionTimeout:     r.ms("group.consumer.min.session.timeout.ms"),
		ConsumerMaxSessionTimeout:     r.ms("group.consumer.max.session.timeout.ms"),
		ConsumerHeartbeatInterval:     r.ms("group.consumer.heartbeat.interval.ms"),
		ConsumerMinHeartbeatInterval:  r.ms("group.consumer.min.heartbeat.interval.ms"),
		ConsumerMaxHeartbeatInterval:  r.ms("group.consumer.max.heartbeat.interval.ms"),
		ConsumerMaxSize:               r.i32("group.consumer.max.size"),
		ConsumerAssignors:             r.list("group.consumer.assignors"),
		OffsetMetadataMaxBytes:        r.i32("offset.metadata.max.bytes"),
		OffsetsLoadBufferSize:         r.i32("offsets.load.buffer.size"),
		OffsetsTopicReplicationFactor: r.i16("offsets.topic.replication.factor"),
		OffsetsTopicPartitions:        r.i32("offsets.topic.num.partitions"),
		OffsetsTopicSegmentBytes:      r.i32("offsets.topic.segment.bytes"),
		OffsetsTopicCompressionCodec:  r.i32("offsets.topic.compression.codec"),
		OffsetsRetention:              time.Duration(r.i64("offsets.retention.minutes")) * time.Minute,
		OffsetsRetentionCheckInterval: r.ms("offsets.retention.check.interval.ms"),
		OffsetCommitTimeout:           r.ms("offsets.commit.timeout.ms"),
	}
}

func transactionsFrom(r reader) Transactions {
	return Transactions{
		StateLogReplicationFactor: r.i16("transaction.state.log.replication.factor"),
		StateLogMinISR:            r.i32("transaction.state.log.min.isr"),
		StateLogPartitions:        r.i32("transaction.state.log.num.partitions"),
		StateLogSegmentBytes:      r.i32("transaction.state.log.segment.bytes"),
		StateLogLoadBufferSize:    r.i32("transaction.state.log.load.buffer.size"),
		PartitionVerification:     r.on("transaction.partition.verification.enable"),
		ProducerIDExpiration:      r.ms("producer.id.expiration.ms"),
		TransactionalIDExpiration: r.ms("transactional.id.expiration.ms"),
		MaxTimeout:                r.ms("transaction.max.timeout.ms"),
		AbortTimedOutInterval:     r.ms("transaction.abort.timed.out.transaction.cleanup.interval.ms"),
		RemoveExpiredInterval:     r.ms("transaction.remove.expired.transaction.cleanup.interval.ms"),
	}
}

func securityFrom(r reader) Security {
	var superUsers []string
	for _, u := range strings.Split(r.str("super.users"), ";") {
		if u = strings.TrimSpace(u); u != "" {
			superUsers = append(superUsers, u)
		}
	}
	return Security{
		AuthorizerClassName:      r.str("authorizer.class.name"),
		SuperUsers:               superUsers,
		AllowEveryoneIfNoACL:     r.on("allow.everyone.if.no.acl.found"),
		SASLEnabledMechanisms:    r.list("sasl.enabled.mechanisms"),
		SASLMechanismInterBroker: r.str("sasl.mechanism.inter.broker.protocol"),
		SASLMechanismController:  r.str("sasl.mechanism.controller.protocol"),
		SSLClientAuth:            r.str("ssl.client.auth"),
		ConnectionsMaxReauth:     r.ms("connections.max.reauth.ms"),
		SASLServerMaxReceiveSize: r.i32("sasl.server.max.receive.size"),
	}
}

// keyList renders names as Kafka renders a Scala Set in its messages.
func keyList(names []string) string {
	sort.Strings(names)
	return fmt.Sprintf("Set(%s)", strings.Join(names, ", "))
}
