package config

import (
	"reflect"
	"testing"
)

func TestApacheEnvKey(t *testing.T) {
	// The examples of the apache/kafka image's docker/examples/README.md
	// and its canonical docker-compose files.
	tests := map[string]string{
		"KAFKA_NODE_ID":                                                 "node.id",
		"KAFKA_PROCESS_ROLES":                                           "process.roles",
		"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP":                          "listener.security.protocol.map",
		"KAFKA_CONTROLLER_QUORUM_VOTERS":                                "controller.quorum.voters",
		"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR":                        "offsets.topic.replication.factor",
		"KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS":                        "group.initial.rebalance.delay.ms",
		"KAFKA_TRANSACTION_STATE_LOG_MIN_ISR":                           "transaction.state.log.min.isr",
		"KAFKA_ABC_DEF":                                                 "abc.def",
		"KAFKA_ABC___DEF":                                               "abc-def",
		"KAFKA_ABC__DEF":                                                "abc_def",
		"KAFKA_LISTENER_NAME_SASL__SSL_SSL_CLIENT_AUTH":                 "listener.name.sasl_ssl.ssl.client.auth",
		"KAFKA_LISTENER_NAME_BROKER_SCRAM___SHA___256_SASL_JAAS_CONFIG": "listener.name.broker.scram-sha-256.sasl.jaas.config",
	}
	for variable, want := range tests {
		if got := apacheEnvKey(variable); got != want {
			t.Errorf("apacheEnvKey(%s) = %q, want %q", variable, got, want)
		}
	}
}

func TestBitnamiEnvKey(t *testing.T) {
	tests := map[string]string{
		"KAFKA_CFG_NODE_ID":                                       "node.id",
		"KAFKA_CFG_CONTROLLER_QUORUM_VOTERS":                      "controller.quorum.voters",
		"KAFKA_CFG_LISTENER_NAME_SASL_SSL_SSL_CLIENT_AUTH":        "listener.name.sasl_ssl.ssl.client.auth",
		"KAFKA_CFG_LISTENER_NAME_SASL_PLAINTEXT_SASL_JAAS_CONFIG": "listener.name.sasl_plaintext.sasl.jaas.config",
	}
	for variable, want := range tests {
		if got := bitnamiEnvKey(variable); got != want {
			t.Errorf("bitnamiEnvKey(%s) = %q, want %q", variable, got, want)
		}
	}
}

func TestMapEnv(t *testing.T) {
	env := []string{
		"PATH=/usr/bin",
		"KAFKA_NODE_ID=1",
		"KAFKA_HEAP_OPTS=-Xmx1G",
		"KAFKA_OPTS=-Dx=y",
		"KAFKA_LOG4J_OPTS=-Dlog4j",
		"KAFKA_JMX_OPTS=-Dcom.sun.management.jmxremote",
		"KAFKA_VERSION=4.0.0",
		"KAFKA_HOME=/opt/kafka",
		"KAFKA_LOG4J_ROOT_LOGLEVEL=INFO",
		"CLUSTER_ID=4L6g3nShT-eMCtK--X86sw",
		"KAFKA_KRAFT_CLUSTER_ID=ignored-because-CLUSTER_ID-is-set",
		"KAFKA_CFG_PROCESS_ROLES=broker,controller",
		"KAFKA_CFG_NODE_ID=9",                   // the apache form wins
		"KAFKA_CFG_LOG_DIRS=",                   // Bitnami skips empty values
		"KAFKA_ADVERTISED_LISTENERS=",           // the apache image keeps them
		"KAFKA_LISTENERS=PLAINTEXT://:9092=odd", // only the first = splits
		"KAFKA_",
		"NOEQUALS",
	}
	got := MapEnv(env)
	want := EnvConfig{
		ClusterID: "4L6g3nShT-eMCtK--X86sw",
		Properties: []EnvProperty{
			{Key: "advertised.listeners", Value: "", Variable: "KAFKA_ADVERTISED_LISTENERS"},
			{Key: "listeners", Value: "PLAINTEXT://:9092=odd", Variable: "KAFKA_LISTENERS"},
			{Key: "node.id", Value: "1", Variable: "KAFKA_NODE_ID"},
			{Key: "process.roles", Value: "broker,controller", Variable: "KAFKA_CFG_PROCESS_ROLES"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MapEnv =\n%+v\nwant\n%+v", got, want)
	}
}

func TestMapEnvBitnamiClusterID(t *testing.T) {
	got := MapEnv([]string{"KAFKA_KRAFT_CLUSTER_ID=abc", "KAFKA_ENABLE_KRAFT=yes"})
	if got.ClusterID != "abc" || len(got.Properties) != 0 {
		t.Errorf("MapEnv = %+v, want cluster id abc and no properties", got)
	}
}
