package perf

import (
	"fmt"
	"io"
	"sync"
	"time"

	"samsa/internal/cli"
)

const mebibyte = 1024 * 1024

// stats is ProducerPerformance.Stats: totals over the run, a window printed
// every reporting interval from the acknowledgement callback, and latency
// percentiles. Kafka's printed latencies are whole milliseconds per record
// (ack time minus send time, truncated); those are kept as Kafka keeps
// them, and a microsecond histogram and sums feed the percentiles and the
// JSON summary. Safe for concurrent use.
type stats struct {
	mu       sync.Mutex
	out      io.Writer
	steady   bool // the steady-state stats of a run with a warm-up
	suppress bool // a steady-state stats object now does the printing
	interval time.Duration
	// until, when set, closes the stats: later acknowledgements are not
	// counted and the elapsed time ends there (--duration-ms windows).
	until time.Time

	start       time.Time
	count       int64
	bytes       int64
	latencyMs   int64 // sum of whole-ms latencies, as Kafka sums them
	maxMs       int64
	latency     time.Duration // exact sum, for the summary
	maxLatency  time.Duration
	hist        histogram
	windowStart time.Time
	window      window
}

type window struct {
	count, bytes, latencyMs, maxMs int64
}

// reportingInterval is Kafka's fixed 5 s; tests shorten it.
var reportingInterval = 5 * time.Second

func newStats(out io.Writer, steady bool, now time.Time) *stats {
	return &stats{out: out, steady: steady, interval: reportingInterval, start: now, windowStart: now}
}

// record adds one acknowledged record and prints the window once it is
// older than the reporting interval, as Kafka does from its callback.
func (s *stats) record(latency time.Duration, bytes int, now time.Time) {
	ms := latency.Milliseconds()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.until.IsZero() && now.After(s.until) {
		return
	}
	s.count++
	s.bytes += int64(bytes)
	s.latencyMs += ms
	s.maxMs = max(s.maxMs, ms)
	s.latency += latency
	s.maxLatency = max(s.maxLatency, latency)
	s.hist.record(latency)
	s.window.count++
	s.window.bytes += int64(bytes)
	s.window.latencyMs += ms
	s.window.maxMs = max(s.window.maxMs, ms)
	if now.Sub(s.windowStart) >= s.interval {
		if s.steady && s.count == s.window.count {
			fmt.Fprintln(s.out, "In steady state.")
		}
		if !s.suppress {
			s.printWindowLocked(now)
		}
		s.windowStart, s.window = now, window{}
	}
}

func (s *stats) suppressPrinting() {
	s.mu.Lock()
	s.suppress = true
	s.mu.Unlock()
}

func (s *stats) printWindowLocked(now time.Time) {
	elapsedMs := float64(now.Sub(s.windowStart).Milliseconds())
	w := s.window
	fmt.Fprintf(s.out, "%d records sent, %s records/sec (%s MB/sec), %s ms avg latency, %s ms max latency.\n",
		w.count,
		cli.FormatFixed(1000*float64(w.count)/elapsedMs, 1),
		cli.FormatFixed(1000*float64(w.bytes)/elapsedMs/mebibyte, 2),
		cli.FormatFixed(float64(w.latencyMs)/float64(w.count), 1),
		cli.FormatFixed(float64(w.maxMs), 1))
}

// printTotal prints Kafka's summary line.
func (s *stats) printTotal(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now = s.endLocked(now)
	elapsedMs := float64(now.Sub(s.start).Milliseconds())
	label := ""
	if s.steady {
		label = " steady state"
	}
	wholeMs := func(p float64) int64 { return s.hist.percentile(p).Milliseconds() }
	fmt.Fprintf(s.out, "%d%s records sent, %s records/sec (%s MB/sec), %s ms avg latency, %s ms max latency, "+
		"%d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.\n",
		s.count, label,
		cli.FormatFixed(1000*float64(s.count)/elapsedMs, 6),
		cli.FormatFixed(1000*float64(s.bytes)/elapsedMs/mebibyte, 2),
		cli.FormatFixed(float64(s.latencyMs)/float64(s.count), 2),
		cli.FormatFixed(float64(s.maxMs), 2),
		wholeMs(0.5), wholeMs(0.95), wholeMs(0.99), wholeMs(0.999))
}

func (s *stats) endLocked(now time.Time) time.Time {
	if !s.until.IsZero() && now.After(s.until) {
		return s.until
	}
	return now
}

// Summary is the machine-readable form of a stats object, written by
// --json-result. Latencies are in milliseconds with microsecond precision.
type Summary struct {
	Records       int64   `json:"records"`
	Bytes         int64   `json:"bytes"`
	StartUnixMs   int64   `json:"start_unix_ms"`
	EndUnixMs     int64   `json:"end_unix_ms"`
	ElapsedMs     float64 `json:"elapsed_ms"`
	RecordsPerSec float64 `json:"records_per_sec"`
	MBPerSec      float64 `json:"mb_per_sec"`
	LatencyAvgMs  float64 `json:"latency_avg_ms"`
	LatencyMaxMs  float64 `json:"latency_max_ms"`
	LatencyP50Ms  float64 `json:"latency_p50_ms"`
	LatencyP95Ms  float64 `json:"latency_p95_ms"`
	LatencyP99Ms  float64 `json:"latency_p99_ms"`
	LatencyP999Ms float64 `json:"latency_p999_ms"`
}

func (s *stats) summary(now time.Time) Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	now = s.endLocked(now)
	elapsed := now.Sub(s.start)
	sum := Summary{
		Records: s.count, Bytes: s.bytes,
		StartUnixMs: s.start.UnixMilli(), EndUnixMs: now.UnixMilli(),
		ElapsedMs:     durationMs(elapsed),
		LatencyMaxMs:  durationMs(s.maxLatency),
		LatencyP50Ms:  durationMs(s.hist.percentile(0.5)),
		LatencyP95Ms:  durationMs(s.hist.percentile(0.95)),
		LatencyP99Ms:  durationMs(s.hist.percentile(0.99)),
		LatencyP999Ms: durationMs(s.hist.percentile(0.999)),
	}
	if secs := elapsed.Seconds(); secs > 0 { // JSON has no Infinity
		sum.RecordsPerSec = float64(s.count) / secs
		sum.MBPerSec = float64(s.bytes) / mebibyte / secs
	}
	if s.count > 0 {
		sum.LatencyAvgMs = durationMs(s.latency) / float64(s.count)
	}
	return sum
}

func durationMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
