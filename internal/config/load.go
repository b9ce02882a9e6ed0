package config

import (
	_ "embed"
	"fmt"
	"os"
	"strings"
)

//go:embed default-server.properties
var defaultServerProperties string

// DefaultServerProperties returns the built-in server.properties that
// `samsa server` runs with when given no file: a combined broker and
// controller, node 1, one voter, PLAINTEXT on localhost:9092, the
// controller on localhost:9093, data in ./samsa-data, internal topics with
// replication factor 1.
func DefaultServerProperties() string { return defaultServerProperties }

// Sources are the places static broker configuration comes from, lowest
// precedence first: File (or the built-in defaults), then Env, then
// Overrides.
type Sources struct {
	// File is the server.properties path; empty runs on the built-in
	// defaults (DefaultServerProperties).
	File string
	// Env is the environment as os.Environ returns it; see MapEnv.
	Env []string
	// Overrides are the key=value arguments of --override.
	Overrides []string
}

// OriginKind says which source a value came from.
type OriginKind int8

const (
	FromDefaults OriginKind = iota // the built-in default server.properties
	FromFile                       // the server.properties file
	FromEnv                        // an environment variable
	FromDerived                    // derived, as the apache/kafka image derives listeners
	FromOverride                   // a --override argument
)

// Origin is where one key's value came from, for messages.
type Origin struct {
	Kind  OriginKind
	Where string // file:line, variable name, or the --override argument
}

func (o Origin) String() string {
	switch o.Kind {
	case FromDefaults:
		return "built-in defaults " + o.Where
	case FromEnv:
		return "environment variable " + o.Where
	case FromDerived:
		return "derived " + o.Where
	case FromOverride:
		return "--override " + o.Where
	}
	return o.Where
}

// Unknown is a key the table does not know. It is ignored, and reported so
// the caller can log it once.
type Unknown struct {
	Key    string
	Origin Origin
	Hint   string // what the key is, or what was probably meant
}

func (u Unknown) String() string {
	return fmt.Sprintf("unknown configuration %q (%s): %s", u.Key, u.Origin, u.Hint)
}

// Static is the merged static configuration and where it came from.
type Static struct {
	Props     map[string]string
	Origins   map[string]Origin
	Unknown   []Unknown // sorted by key
	ClusterID string    // CLUSTER_ID or KAFKA_KRAFT_CLUSTER_ID; empty if neither
	// BuiltInDefaults is true when the built-in default server.properties
	// is the base: no file was given and the environment set no known
	// broker key (environment-only configuration replaces the defaults
	// wholesale, as in the apache/kafka image).
	BuiltInDefaults bool
}

// ReadSources reads and merges the sources; a later source wins per key:
//
//	file (or built-in defaults) < environment < --override
//
// With no file, the built-in defaults are the base unless the environment
// sets a known broker key: then, as in the apache/kafka image, the
// environment alone is the configuration and Kafka's defaults fill the
// rest. When nothing sets listeners but advertised.listeners is set, the
// node is not controller-only and the environment set it, listeners is
// derived from it with host 0.0.0.0 (the image's rule).
func ReadSources(src Sources) (*Static, error) {
	st := &Static{Props: map[string]string{}, Origins: map[string]Origin{}}
	env := MapEnv(src.Env)
	st.ClusterID = env.ClusterID
	if err := st.readBase(src.File, env); err != nil {
		return nil, err
	}
	for _, p := range env.Properties {
		st.set(p.Key, p.Value, Origin{Kind: FromEnv, Where: p.Variable})
	}
	if err := st.deriveListeners(env); err != nil {
		return nil, err
	}
	for _, arg := range src.Overrides {
		k, v, err := ParseOverride(arg)
		if err != nil {
			return nil, err
		}
		st.set(k, v, Origin{Kind: FromOverride, Where: arg})
	}
	st.Unknown = findUnknown(st.Props, st.Origins)
	return st, nil
}

func (st *Static) set(k, v string, o Origin) {
	st.Props[k] = v
	st.Origins[k] = o
}

func (st *Static) readBase(file string, env EnvConfig) error {
	kind, where, text := FromFile, file, ""
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("reading broker configuration: %w", err)
		}
		text = string(data)
	} else {
		for _, p := range env.Properties {
			if _, known := brokerKeyFor(p.Key); known {
				return nil
			}
		}
		kind, where, text = FromDefaults, "default-server.properties", defaultServerProperties
		st.BuiltInDefaults = true
	}
	props, err := ParseProperties(text)
	if err != nil {
		return fmt.Errorf("reading %s: %w", where, err)
	}
	for _, p := range props {
		st.set(p.Key, p.Value, Origin{Kind: kind, Where: fmt.Sprintf("%s:%d", where, p.Line)})
	}
	return nil
}

func (st *Static) deriveListeners(env EnvConfig) error {
	adv, fromEnv := env.lookup("advertised.listeners")
	if _, set := st.Props["listeners"]; set || !fromEnv {
		return nil
	}
	if strings.TrimSpace(st.Props["process.roles"]) == "controller" {
		return nil
	}
	derived, err := wildcardListeners(adv.Value)
	if err != nil {
		return err
	}
	st.set("listeners", derived, Origin{Kind: FromDerived, Where: "from " + adv.Variable})
	return nil
}

// ParseOverride splits one --override argument at its first '='.
func ParseOverride(arg string) (key, value string, err error) {
	key, value, found := strings.Cut(arg, "=")
	key = strings.TrimSpace(key)
	if !found || key == "" {
		return "", "", fmt.Errorf("invalid --override %q: expected key=value", arg)
	}
	return key, value, nil
}

// Load reads the sources, builds the broker configuration and checks it:
// ReadSources, NewBroker and Validate in one call. The Static result is
// returned whenever the sources could be read, so that unknown keys can be
// logged even when the configuration is refused.
func Load(src Sources) (*Broker, *Static, error) {
	st, err := ReadSources(src)
	if err != nil {
		return nil, nil, err
	}
	b, err := NewBroker(st.Props)
	if err != nil {
		return nil, st, fmt.Errorf("invalid broker configuration:\n%w", err)
	}
	if err := b.Validate(); err != nil {
		return nil, st, fmt.Errorf("invalid broker configuration:\n%w", err)
	}
	return b, st, nil
}
