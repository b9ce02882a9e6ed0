package perf

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// clientMetrics counts what --print-metrics shows. The Java client prints
// its whole metrics registry; franz-go has none, so these hooks keep the
// handful of counters a perf run is read for, under the Java names
// (group:name:{client-id=…}) so that the table reads the same.
type clientMetrics struct {
	mu            sync.Mutex
	requests      int64
	bytesOut      int64
	bytesIn       int64
	produceBatch  int64
	produceRecs   int64
	produceBytes  int64 // uncompressed
	produceWire   int64 // compressed, as sent
	fetchRequests int64
	fetchBatches  int64
	fetchRecords  int64
	fetchBytes    int64
	writeWait     time.Duration
}

var (
	_ kgo.HookBrokerWrite         = (*clientMetrics)(nil)
	_ kgo.HookBrokerRead          = (*clientMetrics)(nil)
	_ kgo.HookProduceBatchWritten = (*clientMetrics)(nil)
	_ kgo.HookFetchBatchRead      = (*clientMetrics)(nil)
)

func (m *clientMetrics) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, n int, wait, _ time.Duration, _ error) {
	m.mu.Lock()
	m.requests++
	m.bytesOut += int64(n)
	m.writeWait += wait
	if key == 1 { // Fetch
		m.fetchRequests++
	}
	m.mu.Unlock()
}

func (m *clientMetrics) OnBrokerRead(_ kgo.BrokerMetadata, _ int16, n int, _, _ time.Duration, _ error) {
	m.mu.Lock()
	m.bytesIn += int64(n)
	m.mu.Unlock()
}

func (m *clientMetrics) OnProduceBatchWritten(_ kgo.BrokerMetadata, _ string, _ int32, b kgo.ProduceBatchMetrics) {
	m.mu.Lock()
	m.produceBatch++
	m.produceRecs += int64(b.NumRecords)
	m.produceBytes += int64(b.UncompressedBytes)
	m.produceWire += int64(b.CompressedBytes)
	m.mu.Unlock()
}

func (m *clientMetrics) OnFetchBatchRead(_ kgo.BrokerMetadata, _ string, _ int32, b kgo.FetchBatchMetrics) {
	m.mu.Lock()
	m.fetchBatches++
	m.fetchRecords += int64(b.NumRecords)
	m.fetchBytes += int64(b.UncompressedBytes)
	m.mu.Unlock()
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (m *clientMetrics) producerTable() map[string]float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return map[string]float64{
		"producer-metrics:request-total":          float64(m.requests),
		"producer-metrics:outgoing-byte-total":    float64(m.bytesOut),
		"producer-metrics:incoming-byte-total":    float64(m.bytesIn),
		"producer-metrics:record-send-total":      float64(m.produceRecs),
		"producer-metrics:batch-size-avg":         ratio(m.produceWire, m.produceBatch),
		"producer-metrics:records-per-batch-avg":  ratio(m.produceRecs, m.produceBatch),
		"producer-metrics:compression-rate-avg":   ratio(m.produceWire, m.produceBytes),
		"producer-metrics:request-queue-time-avg": ratio(m.writeWait.Milliseconds(), m.requests),
	}
}

func (m *clientMetrics) consumerTable() map[string]float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return map[string]float64{
		"consumer-metrics:request-total":                        float64(m.requests),
		"consumer-metrics:outgoing-byte-total":                  float64(m.bytesOut),
		"consumer-metrics:incoming-byte-total":                  float64(m.bytesIn),
		"consumer-fetch-manager-metrics:fetch-total":            float64(m.fetchRequests),
		"consumer-fetch-manager-metrics:records-consumed-total": float64(m.fetchRecords),
		"consumer-fetch-manager-metrics:bytes-consumed-total":   float64(m.fetchBytes),
		"consumer-fetch-manager-metrics:records-per-batch-avg":  ratio(m.fetchRecords, m.fetchBatches),
	}
}

// printMetrics writes a table in the layout of Kafka's
// ToolsUtils.printMetrics: a blank line, a header, then one sorted
// "name : value" line per metric, names padded to the longest.
func printMetrics(w io.Writer, table map[string]float64, clientID string) {
	tag := ":{client-id=" + clientID + "}"
	names := make([]string, 0, len(table))
	width := 0
	for n := range table {
		names = append(names, n)
		width = max(width, len(n)+len(tag))
	}
	sort.Strings(names)
	fmt.Fprintf(w, "\n%-*s   %s\n", width, "Metric Name", "Value")
	for _, n := range names {
		fmt.Fprintf(w, "%-*s : %.3f\n", width, n+tag, table[n])
	}
}

// awaitBatchHooks waits up to d until the batch hooks accounted for n
// records: franz-go calls OnProduceBatchWritten from a goroutine of its
// own, after the records' promises, so the last batches can lag the flush.
func (m *clientMetrics) awaitBatchHooks(n int64, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		m.mu.Lock()
		done := m.produceRecs >= n
		m.mu.Unlock()
		if done {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}
