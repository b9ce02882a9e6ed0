// Package interop drives the real samsa binary with real Kafka clients:
// franz-go, sarama, segmentio/kafka-go, kcat, kafka-python and
// confluent-kafka (librdkafka). Each test starts its own node on free
// loopback ports (internal/testbin).
package interop
