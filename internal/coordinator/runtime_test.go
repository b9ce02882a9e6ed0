package coordinator

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"samsa/internal/metadata"
	"samsa/internal/record"
)

// memLog is an in-memory partition: appends are durable at once, unless
// failNext makes the next append fail.
type memLog struct {
	mu       sync.Mutex
	batches  [][]byte
	next     int64
	failNext bool
}

func (l *memLog) Append(batch []byte) (Pending, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failNext {
		l.failNext = false
		return nil, errors.New("append refused")
	}
	h, err := record.ParseHeader(batch)
	if err != nil {
		return nil, err
	}
	b := append([]byte(nil), batch...)
	record.SetBaseOffset(b, l.next)
	l.next += int64(h.LastOffsetDelta) + 1
	l.batches = append(l.batches, b)
	return done{}, nil
}

type done struct{}

func (done) Wait(context.Context, time.Time) error { return nil }

func (l *memLog) Read(offset int64, _ int) ([][]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out [][]byte
	for _, b := range l.batches {
		h, _ := record.ParseHeader(b)
		if h.NextOffset() > offset {
			out = append(out, b)
		}
	}
	return out, nil
}

func (l *memLog) HighWatermark() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next
}

func (l *memLog) LogStartOffset() int64 { return 0 }

// counter counts the records it replayed: its state is the log's length.
type counter struct{ n int }

func (c *counter) Replay(Record) error { c.n++; return nil }

func newTestRuntime(t *testing.T, lg *memLog) *Runtime {
	t.Helper()
	id := metadata.NewUuid()
	im, err := metadata.Empty().Apply(0, 1, []metadata.Record{
		&metadata.TopicRecord{Name: "__internal", TopicID: id},
		&metadata.PartitionRecord{TopicID: id, Replicas: []int32{1}, Isr: []int32{1}, Leader: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	rt := New(Config{
		Topic: "__internal", BrokerID: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		NewState: func(int32, *Shard) State { return &counter{} },
		Log:      func(int32) (Log, bool) { return lg, true },
		Images:   func() *metadata.Image { return im },
	})
	rt.OnImage(nil, im)
	t.Cleanup(rt.Close)
	waitLoaded(t, rt)
	return rt
}

func waitLoaded(t *testing.T, rt *Runtime) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !rt.Loaded(0) {
		if time.Now().After(deadline) {
			t.Fatal("shard did not load")
		}
		time.Sleep(time.Millisecond)
	}
}

// writeOne submits an operation writing one record and returns its outcome
// and the state's count when it ran.
func writeOne(t *testing.T, rt *Runtime) (count int, err error) {
	t.Helper()
	res := make(chan error, 1)
	var n int
	_, serr := rt.Submit(context.Background(), 0, func(op *Op) {
		op.Write(Record{Key: []byte("k"), Value: []byte("v")})
		n = op.State().(*counter).n
		op.AfterCommit(func(err error) { res <- err })
	})
	if serr != nil {
		return 0, serr
	}
	return n, <-res
}

func TestWritesReplayAndReload(t *testing.T) {
	lg := &memLog{}
	rt := newTestRuntime(t, lg)
	for i := 1; i <= 3; i++ {
		if n, err := writeOne(t, rt); err != nil || n != i {
			t.Fatalf("write %d: count %d err %v", i, n, err)
		}
	}
	// A failed append leaves the state ahead of the log: the shard is
	// replaced by one that reloads the three records that did land.
	lg.mu.Lock()
	lg.failNext = true
	lg.mu.Unlock()
	if _, err := writeOne(t, rt); err == nil {
		t.Fatal("a refused append was reported durable")
	}
	waitLoaded(t, rt)
	if n, err := writeOne(t, rt); err != nil || n != 4 {
		t.Fatalf("after reload: count %d (want 4: three loaded, one new), err %v", n, err)
	}
}

func TestSubmitToUnledPartition(t *testing.T) {
	rt := newTestRuntime(t, &memLog{})
	if _, err := rt.Submit(context.Background(), 7, func(*Op) {}); !errors.Is(err, kerr.NotCoordinator) {
		t.Fatalf("submit to a partition not led here: %v", err)
	}
}

func TestTimersRunAsOperations(t *testing.T) {
	rt := newTestRuntime(t, &memLog{})
	fired := make(chan int, 2)
	rt.Submit(context.Background(), 0, func(op *Op) {
		op.Schedule("a", time.Hour, func(op *Op) { fired <- 1 })
		op.Schedule("a", 5*time.Millisecond, func(op *Op) { fired <- 2 }) // replaces the first
		op.Schedule("b", 5*time.Millisecond, func(op *Op) { fired <- 3 })
		op.Cancel("b")
	})
	select {
	case v := <-fired:
		if v != 2 {
			t.Fatalf("timer %d fired, want the replacement", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("timer did not fire")
	}
	select {
	case v := <-fired:
		t.Fatalf("timer %d fired after being replaced or cancelled", v)
	case <-time.After(50 * time.Millisecond):
	}
}
