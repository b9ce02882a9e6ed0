package perf

import (
	"bytes"
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestHistogramPercentiles compares the histogram with the exact sorted
// ranks Kafka reads: every percentile must be within a bucket's width.
func TestHistogramPercentiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h histogram
	var exact []time.Duration
	for i := 0; i < 200000; i++ {
		// A long-tailed mix from microseconds to seconds.
		d := time.Duration(rng.ExpFloat64() * float64(time.Duration(1+rng.IntN(3))*time.Millisecond*time.Duration(1+rng.IntN(200))))
		h.record(d)
		exact = append(exact, d.Truncate(time.Microsecond))
	}
	slices.Sort(exact)
	for _, p := range []float64{0, 0.5, 0.95, 0.99, 0.999} {
		want := exact[int(p*float64(len(exact)))]
		got := h.percentile(p)
		if diff := (got - want).Abs(); diff > want/64+time.Microsecond {
			t.Errorf("p%v = %v, exact %v (off by %v)", p*100, got, want, diff)
		}
	}
	var empty histogram
	if empty.percentile(0.5) != 0 {
		t.Error("empty histogram has a non-zero median")
	}
}

func TestHistogramBucketsAreContiguous(t *testing.T) {
	prev := -1
	for us := uint64(0); us < 1<<20; us++ {
		b := bucketOf(us)
		if b != prev && b != prev+1 {
			t.Fatalf("bucket of %d µs is %d after %d", us, b, prev)
		}
		prev = b
	}
	if b := bucketOf(1<<63 - 1); b >= histogramBuckets {
		t.Fatalf("largest value falls in bucket %d of %d", b, histogramBuckets)
	}
}

// TestStatsLines checks the exact text of Kafka's window and summary lines
// for known inputs.
func TestStatsLines(t *testing.T) {
	var out bytes.Buffer
	start := time.Unix(1000, 0)
	s := newStats(&out, false, start)
	s.interval = time.Second
	for i := 0; i < 4; i++ {
		s.record(time.Duration(i+1)*time.Millisecond+300*time.Microsecond, 1024, start.Add(time.Duration(i)*100*time.Millisecond))
	}
	s.record(8*time.Millisecond, 1024, start.Add(time.Second)) // closes the window
	s.printTotal(start.Add(2 * time.Second))
	want := "5 records sent, 5.0 records/sec (0.00 MB/sec), 3.6 ms avg latency, 8.0 ms max latency.\n" +
		"5 records sent, 2.500000 records/sec (0.00 MB/sec), 3.60 ms avg latency, 8.00 ms max latency, " +
		"3 ms 50th, 8 ms 95th, 8 ms 99th, 8 ms 99.9th.\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
	sum := s.summary(start.Add(2 * time.Second))
	if sum.Records != 5 || sum.RecordsPerSec != 2.5 || sum.LatencyMaxMs != 8 || sum.LatencyAvgMs != 3.84 {
		t.Fatalf("summary %+v", sum)
	}
}

// TestThrottler checks ThroughputThrottler's pacing with a recorded sleep:
// nothing while under the target, and once over it sleeps accumulating in
// 2 ms steps.
func TestThrottler(t *testing.T) {
	start := time.Unix(0, 0)
	th := newThrottler(1000, start)
	var slept []time.Duration
	th.sleep = func(_ context.Context, d time.Duration) { slept = append(slept, d) }
	if th.shouldThrottle(0, start) {
		t.Error("throttles at elapsed 0")
	}
	if th.shouldThrottle(5, start.Add(10*time.Millisecond)) {
		t.Error("throttles at 500/s with a 1000/s target")
	}
	if !th.shouldThrottle(20, start.Add(10*time.Millisecond)) {
		t.Error("does not throttle at 2000/s")
	}
	for i := 0; i < 4; i++ {
		th.throttle(context.Background())
	}
	if !slices.Equal(slept, []time.Duration{2 * time.Millisecond, 2 * time.Millisecond}) {
		t.Errorf("slept %v, want two 2 ms sleeps for four sends at 1 ms each", slept)
	}
	if newThrottler(-1, start).shouldThrottle(1<<40, start.Add(time.Millisecond)) {
		t.Error("a negative target throttles")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	newThrottler(0, start).throttle(ctx) // returns once ctx is done
}

// TestStatsUntil checks the --duration-ms window: acknowledgements after
// it are not counted and the elapsed time stops there.
func TestStatsUntil(t *testing.T) {
	var out bytes.Buffer
	start := time.Unix(1000, 0)
	s := newStats(&out, true, start)
	s.until = start.Add(time.Second)
	s.record(time.Millisecond, 100, start.Add(500*time.Millisecond))
	s.record(time.Millisecond, 100, start.Add(1500*time.Millisecond))
	sum := s.summary(start.Add(3 * time.Second))
	if sum.Records != 1 || sum.ElapsedMs != 1000 || sum.EndUnixMs != s.until.UnixMilli() {
		t.Fatalf("summary %+v, want 1 record over 1000 ms", sum)
	}
}
