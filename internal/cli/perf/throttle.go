package perf

import (
	"context"
	"time"
)

// throttler is Kafka's ThroughputThrottler: between sends, when the average
// rate since the start exceeds the target, it adds the time one send should
// take to a sleep deficit and sleeps the deficit off once it reaches 2 ms.
// Oversleeping corrects itself, since the next sends find the average below
// target and do not throttle. A negative target never throttles; zero
// blocks until ctx ends.
type throttler struct {
	start    time.Time
	target   float64       // things per second
	perThing time.Duration // 1/target
	deficit  time.Duration
	sleep    func(context.Context, time.Duration) // replaced in tests
}

const minThrottleSleep = 2 * time.Millisecond

func newThrottler(target float64, start time.Time) *throttler {
	t := &throttler{start: start, target: target, sleep: sleepContext}
	if target > 0 {
		t.perThing = time.Duration(float64(time.Second) / target)
	}
	return t
}

// shouldThrottle reports whether amountSoFar things sent by sendStart is
// above the target rate.
func (t *throttler) shouldThrottle(amountSoFar int64, sendStart time.Time) bool {
	if t.target < 0 {
		return false
	}
	elapsed := sendStart.Sub(t.start).Seconds()
	return elapsed > 0 && float64(amountSoFar)/elapsed > t.target
}

func (t *throttler) throttle(ctx context.Context) {
	if t.target == 0 {
		<-ctx.Done()
		return
	}
	t.deficit += t.perThing
	if t.deficit < minThrottleSleep {
		return
	}
	t.sleep(ctx, t.deficit)
	t.deficit = 0
}

func sleepContext(ctx context.Context, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}
