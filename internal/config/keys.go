package config

import (
	"fmt"
	"sort"
	"strings"
)

// Key is one row of the configuration table: everything Samsa knows about a
// broker or topic key. Rows are data; the table is the single source for
// parsing, validation, DescribeConfigs and docs/configuration.md.
type Key struct {
	Name string
	Type Type
	// Default is Kafka's default in the form DescribeConfigs reports it.
	// It is meaningless when DefaultNull or Required is set.
	Default string
	// DefaultNull marks a key whose default is null: unset unless given
	// (log.retention.ms, advertised.listeners, …).
	DefaultNull bool
	// Required marks a key with no default that must be given.
	Required bool
	// Validator checks every non-null value; nil accepts any value of
	// the type.
	Validator  Validator
	Importance Importance
	Doc        string
	// Scope is how a broker key may be changed at run time. Topic keys
	// are always dynamic (AlterConfigs on the topic) and leave it zero.
	Scope Scope
	// Synonyms, for a topic key, are the broker keys that supply its
	// default, highest priority first (retention.ms ← log.retention.ms,
	// log.retention.minutes, log.retention.hours).
	Synonyms []Synonym
	// Samsa marks a key Kafka does not have.
	Samsa bool
	// NoEffect marks a Kafka key Samsa accepts, validates and reports but
	// does not act on (a Java class name, a feature Samsa lacks).
	NoEffect bool

	defaultValue Value
}

// Synonym is a broker key that supplies a topic key's default. Its value is
// multiplied by Unit (60000 for minutes, 3600000 for hours) to get the
// topic value; Unit 1 means the same unit.
type Synonym struct {
	Name string
	Unit int64
}

// Sensitive reports whether the value is a secret that DescribeConfigs
// hides (Kafka hides every PASSWORD).
func (k *Key) Sensitive() bool { return k.Type == TypePassword }

// DefaultValue returns the parsed default; a null value for DefaultNull
// and Required keys.
func (k *Key) DefaultValue() Value { return k.defaultValue }

// HasDefault reports whether the key has a non-null default.
func (k *Key) HasDefault() bool { return !k.DefaultNull && !k.Required }

var (
	brokerKeys = map[string]*Key{}
	topicKeys  = map[string]*Key{}
	// topicBySynonym maps a broker key to the topic key it is a synonym of.
	topicBySynonym = map[string]*Key{}
)

func init() {
	for _, table := range [][]Key{serverKeys, socketKeys, replicationKeys, logKeys, cleanerKeys, groupKeys, transactionKeys, securityKeys} {
		for i := range table {
			register(brokerKeys, &table[i])
		}
	}
	for i := range topicTable {
		k := &topicTable[i]
		register(topicKeys, k)
		for j, s := range k.Synonyms {
			bk, ok := brokerKeys[s.Name]
			if !ok {
				panic(fmt.Sprintf("config: topic key %s has unknown synonym %s", k.Name, s.Name))
			}
			topicBySynonym[s.Name] = k
			// Kafka makes the first synonym of every topic key
			// dynamic, and only the first (log.retention.hours is
			// read-only while log.retention.ms is not).
			if j == 0 {
				bk.Scope = ScopeClusterWide
			}
		}
	}
	defaultStrings = renderDefaults()
}

// register parses a row's default, so that a bad table row fails every
// test at start rather than one user at run time.
func register(into map[string]*Key, k *Key) {
	if _, dup := into[k.Name]; dup {
		panic("config: key defined twice: " + k.Name)
	}
	if k.Synonyms != nil {
		for i := range k.Synonyms {
			if k.Synonyms[i].Unit == 0 {
				k.Synonyms[i].Unit = 1
			}
		}
	}
	k.defaultValue = NullValue(k.Type)
	if k.HasDefault() {
		v, err := ParseValue(k.Name, k.Type, k.Default)
		if err == nil && k.Validator != nil {
			err = k.Validator.Validate(k.Name, v)
		}
		if err != nil {
			panic(fmt.Sprintf("config: bad default for %s: %v", k.Name, err))
		}
		k.defaultValue = v
	}
	into[k.Name] = k
}

// BrokerKey returns the row of a broker key (server.properties).
func BrokerKey(name string) (*Key, bool) {
	k, ok := brokerKeys[name]
	return k, ok
}

// TopicKey returns the row of a topic key.
func TopicKey(name string) (*Key, bool) {
	k, ok := topicKeys[name]
	return k, ok
}

// BrokerKeys returns every broker key, sorted by name.
func BrokerKeys() []*Key { return sortedKeys(brokerKeys) }

// TopicKeys returns every topic key, sorted by name.
func TopicKeys() []*Key { return sortedKeys(topicKeys) }

func sortedKeys(m map[string]*Key) []*Key {
	out := make([]*Key, 0, len(m))
	for _, k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// TopicKeyFor returns the topic key a broker key supplies the default of
// (log.retention.hours → retention.ms).
func TopicKeyFor(brokerKey string) (*Key, bool) {
	k, ok := topicBySynonym[brokerKey]
	return k, ok
}

// listenerPrefix is Kafka's per-listener override prefix:
// listener.name.<listener>.<key>, and for SASL mechanism keys
// listener.name.<listener>.<mechanism>.<key>.
const listenerPrefix = "listener.name."

// mechanismKeys are the keys Kafka lets one set per listener and SASL
// mechanism.
var mechanismKeys = []string{"sasl.jaas.config", "sasl.login.callback.handler.class", "sasl.login.class", "sasl.server.callback.handler.class", "connections.max.reauth.ms"}

// ListenerOverride splits listener.name.<listener>.[<mechanism>.]<key>
// into its parts. ok is false when name is not such a key or <key> is not
// a broker key. The listener name is returned upper-case, as Kafka
// normalises it.
func ListenerOverride(name string) (listener, mechanism string, base *Key, ok bool) {
	rest, found := strings.CutPrefix(name, listenerPrefix)
	if !found {
		return "", "", nil, false
	}
	listener, rest, found = strings.Cut(rest, ".")
	if !found || listener == "" {
		return "", "", nil, false
	}
	for _, mk := range mechanismKeys {
		if mech, ok := strings.CutSuffix(rest, "."+mk); ok && mech != "" && !strings.Contains(mech, ".") {
			return strings.ToUpper(listener), mech, brokerKeys[mk], true
		}
	}
	base, ok = brokerKeys[rest]
	return strings.ToUpper(listener), "", base, ok
}

// brokerKeyFor returns the row that types and validates name: the key
// itself or, for a listener override, its base key.
func brokerKeyFor(name string) (*Key, bool) {
	if k, ok := brokerKeys[name]; ok {
		return k, true
	}
	_, _, base, ok := ListenerOverride(name)
	return base, ok
}
