// Package perf holds Kafka's performance tools, `samsa producer-perf-test`
// (ProducerPerformance) and `samsa consumer-perf-test`
// (ConsumerPerformance), built on franz-go's kgo client.
//
// Scripts and benchmark write-ups parse these tools' output, so the flags
// (Kafka 4.x, including the 4.2 spellings --bootstrap-server,
// --command-property, --command-config and --num-records beside the older
// ones), the lines printed and their number formats (Java's printf rounding,
// MB = 1024*1024 bytes) are Kafka's. Kafka client properties are mapped to
// kgo options by cli.ProducerOpts and cli.ConsumerOpts, with the Java
// client's defaults (linger.ms=5, batch.size=16384, no compression, …) so
// that a broker is loaded as the Java tool would load it.
//
// Measurement follows Kafka's tool: a record's latency runs from just
// before Produce to its acknowledgement callback; the 5-second windows are
// printed from the callback; ThroughputThrottler's algorithm paces
// --throughput. Where Kafka samples at most 500,000 latencies for its
// percentiles, every latency goes into a log-linear histogram with buckets
// at most 1/64 of their value wide (see histogram), and the printed whole
// milliseconds are taken from it.
//
// Samsa-only flags serve the benchmark harness (bench/) and leave Kafka's
// flags and output untouched: --duration-ms ends a run by time, --warmup-ms
// is a time-based --warmup-records, --json-result writes the totals (and
// the steady-state totals) as one JSON object, and the consumer's
// --no-group reads partitions directly so that brokers with and without
// group support are loaded alike.
package perf
