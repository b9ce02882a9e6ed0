package config

import (
	"fmt"
	"strings"
)

// Type is a configuration value type, as Kafka's ConfigDef names them. The
// numbers are the ones DescribeConfigs v3+ reports in ConfigType.
type Type int8

const (
	TypeUnknown  Type = 0
	TypeBoolean  Type = 1
	TypeString   Type = 2
	TypeInt      Type = 3
	TypeShort    Type = 4
	TypeLong     Type = 5
	TypeDouble   Type = 6
	TypeList     Type = 7
	TypeClass    Type = 8
	TypePassword Type = 9
)

var typeNames = [...]string{"UNKNOWN", "BOOLEAN", "STRING", "INT", "SHORT", "LONG", "DOUBLE", "LIST", "CLASS", "PASSWORD"}

// String returns Kafka's upper-case name of the type (INT, LIST, …).
func (t Type) String() string {
	if t < 0 || int(t) >= len(typeNames) {
		return fmt.Sprintf("Type(%d)", int8(t))
	}
	return typeNames[t]
}

// Importance is Kafka's documentation hint of how much a key matters.
type Importance int8

const (
	ImportanceHigh Importance = iota
	ImportanceMedium
	ImportanceLow
)

// String returns high, medium or low.
func (i Importance) String() string {
	switch i {
	case ImportanceHigh:
		return "high"
	case ImportanceMedium:
		return "medium"
	default:
		return "low"
	}
}

// Scope says whether and where a broker key can be changed without a
// restart, as Kafka's DynamicBrokerConfig classifies it.
type Scope int8

const (
	// ScopeReadOnly keys are read from server.properties (or the
	// environment, or --override) at start and never change.
	ScopeReadOnly Scope = iota
	// ScopePerBroker keys may be altered for one broker (resource name =
	// the node id), e.g. listeners and keystores.
	ScopePerBroker
	// ScopeClusterWide keys may be altered for one broker or as the
	// cluster-wide default (empty resource name).
	ScopeClusterWide
)

// String returns Kafka's "Dynamic Update Mode" words.
func (s Scope) String() string {
	switch s {
	case ScopePerBroker:
		return "per-broker"
	case ScopeClusterWide:
		return "cluster-wide"
	default:
		return "read-only"
	}
}

// Source is where a described value comes from; the numbers are
// DescribeConfigs v1+ ConfigSource.
type Source int8

const (
	SourceUnknown                    Source = 0
	SourceDynamicTopicConfig         Source = 1
	SourceDynamicBrokerConfig        Source = 2
	SourceDynamicDefaultBrokerConfig Source = 3
	SourceStaticBrokerConfig         Source = 4
	SourceDefaultConfig              Source = 5
	SourceDynamicBrokerLoggerConfig  Source = 6
)

var sourceNames = [...]string{"UNKNOWN", "DYNAMIC_TOPIC_CONFIG", "DYNAMIC_BROKER_CONFIG", "DYNAMIC_DEFAULT_BROKER_CONFIG", "STATIC_BROKER_CONFIG", "DEFAULT_CONFIG", "DYNAMIC_BROKER_LOGGER_CONFIG"}

// String returns Kafka's name of the source, as kafka-configs prints it.
func (s Source) String() string {
	if s < 0 || int(s) >= len(sourceNames) {
		return fmt.Sprintf("Source(%d)", int8(s))
	}
	return sourceNames[s]
}

// SecurityProtocol is the protocol a listener speaks; the numbers are
// Kafka's SecurityProtocol ids.
type SecurityProtocol int16

const (
	Plaintext     SecurityProtocol = 0
	SSL           SecurityProtocol = 1
	SASLPlaintext SecurityProtocol = 2
	SASLSSL       SecurityProtocol = 3
)

var protocolNames = map[SecurityProtocol]string{Plaintext: "PLAINTEXT", SSL: "SSL", SASLPlaintext: "SASL_PLAINTEXT", SASLSSL: "SASL_SSL"}

// String returns PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.
func (p SecurityProtocol) String() string {
	if n, ok := protocolNames[p]; ok {
		return n
	}
	return fmt.Sprintf("SecurityProtocol(%d)", int16(p))
}

// UsesTLS reports whether connections on the protocol are encrypted.
func (p SecurityProtocol) UsesTLS() bool { return p == SSL || p == SASLSSL }

// UsesSASL reports whether clients authenticate with SASL first.
func (p SecurityProtocol) UsesSASL() bool { return p == SASLPlaintext || p == SASLSSL }

// ParseSecurityProtocol maps a protocol name to its value, ignoring case as
// Kafka's SecurityProtocol.forName does.
func ParseSecurityProtocol(name string) (SecurityProtocol, bool) {
	upper := strings.ToUpper(name)
	for p, n := range protocolNames {
		if n == upper {
			return p, true
		}
	}
	return 0, false
}
