package perf

import (
	"math/bits"
	"time"
)

// histogram counts latencies in microseconds in log-linear buckets: values
// below 128 µs have a bucket each; above, every power of two is split into
// 64 buckets, so a bucket is at most 1/64 (1.6 %) of its value wide. It
// replaces Kafka's sampled latency array (at most 500,000 samples, one
// every numRecords/500,000 records): every record counts, memory is fixed,
// and a run bounded by time rather than by --num-records works the same.
type histogram struct {
	counts [histogramBuckets]int64
	total  int64
}

const (
	histogramSubBits = 6 // 64 buckets per power of two
	histogramBuckets = (64 - histogramSubBits + 1) << histogramSubBits
)

func bucketOf(us uint64) int {
	if us < 2<<histogramSubBits {
		return int(us)
	}
	shift := bits.Len64(us) - histogramSubBits - 1
	return shift<<histogramSubBits + int(us>>shift)
}

// bucketValue is the middle of a bucket, in microseconds.
func bucketValue(b int) float64 {
	if b < 2<<histogramSubBits {
		return float64(b)
	}
	shift := b>>histogramSubBits - 1
	low := uint64(b-shift<<histogramSubBits) << shift
	return float64(low) + float64(uint64(1)<<shift-1)/2
}

func (h *histogram) record(d time.Duration) {
	us := d.Microseconds()
	if us < 0 {
		us = 0
	}
	h.counts[bucketOf(uint64(us))]++
	h.total++
}

// percentile returns the latency at rank floor(p*n) of the n recorded
// values in ascending order, the rank Kafka's ProducerPerformance reads
// from its sorted samples; 0 when empty.
func (h *histogram) percentile(p float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := int64(p * float64(h.total))
	if rank >= h.total {
		rank = h.total - 1
	}
	var seen int64
	for b, c := range h.counts {
		seen += c
		if seen > rank {
			return time.Duration(bucketValue(b) * float64(time.Microsecond))
		}
	}
	return 0
}
