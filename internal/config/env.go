package config

import (
	"sort"
	"strings"
)

// EnvProperty is a configuration key read from one environment variable.
type EnvProperty struct {
	Key      string
	Value    string
	Variable string // the variable it came from, e.g. KAFKA_NODE_ID
}

// EnvConfig is what the environment says about configuration.
type EnvConfig struct {
	// Properties are the mapped keys, sorted by key. A key given both the
	// apache/kafka way (KAFKA_X) and the Bitnami way (KAFKA_CFG_X) is
	// taken from KAFKA_X.
	Properties []EnvProperty
	// ClusterID is CLUSTER_ID (apache/kafka) or KAFKA_KRAFT_CLUSTER_ID
	// (Bitnami); empty when neither is set.
	ClusterID string
}

// envExcluded are KAFKA_ variables that are not broker keys: the JVM and
// logging variables the apache/kafka image's KafkaDockerWrapper skips,
// Kafka's own scripts' variables, and Bitnami's non-configuration
// variables that would otherwise map to nonsense keys.
var envExcluded = map[string]bool{
	// KafkaDockerWrapper.ExcludeServerPropsEnv
	"KAFKA_VERSION": true, "KAFKA_HEAP_OPTS": true, "KAFKA_LOG4J_OPTS": true, "KAFKA_OPTS": true,
	"KAFKA_JMX_OPTS": true, "KAFKA_JVM_PERFORMANCE_OPTS": true, "KAFKA_GC_LOG_OPTS": true,
	"KAFKA_LOG4J_ROOT_LOGLEVEL": true, "KAFKA_LOG4J_LOGGERS": true, "KAFKA_TOOLS_LOG4J_LOGLEVEL": true,
	"KAFKA_JMX_HOSTNAME": true,
	// kafka-run-class.sh and common shells
	"KAFKA_HOME": true, "KAFKA_DEBUG": true, "KAFKA_JMX_PORT": true, "KAFKA_LOG4J_CMD_OPTS": true,
	// Bitnami image variables that are not configuration keys
	"KAFKA_KRAFT_CLUSTER_ID": true, "KAFKA_ENABLE_KRAFT": true, "KAFKA_CONF_FILE": true,
	"KAFKA_MOUNTED_CONF_DIR": true, "KAFKA_CLIENT_USERS": true, "KAFKA_CLIENT_PASSWORDS": true,
	"KAFKA_INTER_BROKER_USER": true, "KAFKA_INTER_BROKER_PASSWORD": true,
	"KAFKA_CONTROLLER_USER": true, "KAFKA_CONTROLLER_PASSWORD": true,
	"KAFKA_CERTIFICATE_PASSWORD": true, "KAFKA_TLS_TYPE": true, "KAFKA_TLS_CLIENT_AUTH": true,
	"KAFKA_SKIP_KRAFT_STORAGE_INIT": true, "KAFKA_INITIAL_CONTROLLERS": true,
	"KAFKA_ZOOKEEPER_PROTOCOL": true, "KAFKA_ZOOKEEPER_PASSWORD": true, "KAFKA_ZOOKEEPER_USER": true,
}

// apacheEnvKey maps KAFKA_ABC_DEF to abc.def the way the apache/kafka
// image's KafkaDockerWrapper does: lower-case, _ → ., then ___ (now ...)
// → - and __ (now ..) → _. Kafka removes every occurrence of "KAFKA_", not
// only the prefix; Samsa removes only the prefix, so KAFKA_ inside a key
// survives.
func apacheEnvKey(variable string) string {
	k := strings.ToLower(strings.TrimPrefix(variable, "KAFKA_"))
	k = strings.ReplaceAll(k, "_", ".")
	k = strings.ReplaceAll(k, "...", "-")
	return strings.ReplaceAll(k, "..", "_")
}

// bitnamiEnvKey maps KAFKA_CFG_ABC_DEF to abc.def as Bitnami's libkafka.sh
// does: _ → ., lower-case, and sasl.ssl/sasl.plaintext (listener names in
// keys) back to sasl_ssl/sasl_plaintext.
func bitnamiEnvKey(variable string) string {
	k := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(variable, "KAFKA_CFG_"), "_", "."))
	k = strings.ReplaceAll(k, "sasl.ssl", "sasl_ssl")
	return strings.ReplaceAll(k, "sasl.plaintext", "sasl_plaintext")
}

// MapEnv reads broker configuration from environment variables given as
// NAME=value strings (os.Environ's form):
//
//   - KAFKA_<KEY> as the apache/kafka image maps them (. → _, _ → __,
//   - → ___), except the image's JVM/logging variables;
//   - KAFKA_CFG_<KEY> as Bitnami's image maps them (empty values skipped);
//   - CLUSTER_ID, or Bitnami's KAFKA_KRAFT_CLUSTER_ID, as the cluster id.
//
// Like the apache/kafka image, when advertised.listeners is given but
// listeners is not, and the node is not controller-only, listeners is
// derived from the advertised listeners with every host replaced by
// 0.0.0.0 (Samsa derives it only if no other source sets listeners; see
// Load).
func MapEnv(environ []string) EnvConfig {
	apache, bitnami := map[string]EnvProperty{}, map[string]EnvProperty{}
	var cfg EnvConfig
	bitnamiClusterID := ""
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		switch {
		case !ok:
		case name == "CLUSTER_ID":
			cfg.ClusterID = value
		case name == "KAFKA_KRAFT_CLUSTER_ID":
			bitnamiClusterID = value
		case strings.HasPrefix(name, "KAFKA_CFG_"):
			if value != "" {
				k := bitnamiEnvKey(name)
				bitnami[k] = EnvProperty{Key: k, Value: value, Variable: name}
			}
		case strings.HasPrefix(name, "KAFKA_") && !envExcluded[name] && len(name) > len("KAFKA_"):
			k := apacheEnvKey(name)
			apache[k] = EnvProperty{Key: k, Value: value, Variable: name}
		}
	}
	if cfg.ClusterID == "" {
		cfg.ClusterID = bitnamiClusterID
	}
	for k, p := range bitnami {
		if _, ok := apache[k]; !ok {
			apache[k] = p
		}
	}
	for _, p := range apache {
		cfg.Properties = append(cfg.Properties, p)
	}
	sort.Slice(cfg.Properties, func(i, j int) bool { return cfg.Properties[i].Key < cfg.Properties[j].Key })
	return cfg
}

// lookup returns the value the environment gives key.
func (c EnvConfig) lookup(key string) (EnvProperty, bool) {
	for _, p := range c.Properties {
		if p.Key == key {
			return p, true
		}
	}
	return EnvProperty{}, false
}
