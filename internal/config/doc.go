// Package config is Samsa's one typed table of Kafka configuration keys,
// broker (server.properties) and topic, and everything derived from it:
// parsing, validation, resolution into typed settings, DescribeConfigs
// answers and docs/configuration.md. It imports no Samsa package.
//
// # The table
//
// Each Key row (keys_*.go) gives a name, a Kafka ConfigDef type (BOOLEAN,
// STRING, INT, SHORT, LONG, DOUBLE, LIST, CLASS, PASSWORD, the types
// DescribeConfigs v3+ reports), Kafka 4.x's default (a value, null, or
// required), a Validator whose message is Kafka's ConfigException text,
// importance, documentation, the dynamic update scope of broker keys
// (read-only, per-broker, cluster-wide, as Kafka's DynamicBrokerConfig
// classifies them) and, for topic keys, the broker synonyms that supply the
// default, in Kafka's order. Samsa's own keys (log.write.caching and its
// topic synonym write.caching) are marked Samsa; Kafka keys Samsa accepts
// but cannot act on (Java class names) are marked NoEffect. A bad default
// in the table panics at init, so every test catches it.
//
// Passwords are the sensitive keys: DescribeConfigs hides their values.
// Keys may be overridden per listener as listener.name.<listener>.<key>
// (and SASL mechanism keys per mechanism); such keys are typed and
// validated by their base key.
//
// # Reading static configuration
//
// ReadSources merges, lowest precedence first, server.properties (or the
// embedded default-server.properties when no file is given), the
// environment (MapEnv: the apache/kafka image's KAFKA_ mapping and
// Bitnami's KAFKA_CFG_), and --override arguments. ParseProperties reads
// java.util.Properties syntax. As in the apache/kafka image, configuration
// given only by environment replaces the built-in defaults, and a missing
// listeners is derived from advertised.listeners. Unknown keys are
// returned, each with a hint (retired in Kafka 4.0, a topic key, a feature
// Samsa lacks, or the closest known key), for the caller to log once.
//
// # Resolution
//
// NewBroker parses every key (its value or default) and resolves Kafka's
// synonyms: node.id and broker.id, log.dirs over log.dir, log.retention.ms
// over .minutes over .hours, log.roll.ms over .hours, advertised.listeners
// over listeners (without controller listeners), the implicit
// CONTROLLER:PLAINTEXT protocol mapping. Every bad value is reported at
// once. Validate then applies KafkaConfig's rules between keys (roles and
// quorum, controller listeners, advertised listeners, replica fetch
// timeouts, group heartbeat bounds, …).
//
// Dynamic configuration is layered as Kafka layers it: static < cluster-wide
// dynamic default < per-broker dynamic. WithDynamic checks what may change
// at run time (ValidateDynamic) and returns a new Broker; a dynamic value
// replaces its lower-priority synonyms, so a dynamic log.retention.hours
// beats a static log.retention.ms.
//
// # Topics
//
// Each topic key's broker-wide default comes from the first of its broker
// synonyms that is set (hours and minutes converted to milliseconds).
// ResolveTopic lays a topic's overrides over those defaults, validates
// them (ValidateTopicConfig per key, ValidateTopicConfigs for the rules
// between keys) and returns a typed Topic. Durations saturate: Kafka's
// Long.MAX_VALUE milliseconds ("never") becomes the largest time.Duration.
//
// # DescribeConfigs
//
// DescribeTopic, Broker.DescribeBroker and Broker.DescribeClusterDefaults
// build ConfigEntry values with Kafka's sources (DYNAMIC_TOPIC_CONFIG=1 …
// DEFAULT_CONFIG=5) and synonym chains: for each source from dynamic broker
// down to default, each synonym present; then, as Kafka's ConfigHelper
// does, everything before the first entry with the described name is
// dropped. One consequence is kept deliberately: a topic's retention.ms
// lists broker synonyms only when log.retention.ms itself is set somewhere.
//
// # Errors
//
// Error and RuleError carry Kafka's wording verbatim, capital letter and
// all, because clients see it as the message of INVALID_CONFIG and
// operators compare it with Kafka's documentation. Errors about reading
// files and arguments are Go-style.
//
// # Not implemented
//
// Kafka config providers (${file:…} indirection), password encryption of
// dynamic configuration, the ZooKeeper-era keys (reported as retired), and
// tiered storage (remote.storage.enable=true is refused, as Kafka refuses
// it while remote.log.storage.system.enable is false).
package config
