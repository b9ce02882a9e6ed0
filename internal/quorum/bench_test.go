package quorum

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
)

// BenchmarkPropose measures a single voter on the real disk with 64
// concurrent proposers of 100-byte entries, each proposal fsynced before
// it is acknowledged. It reports proposals/s and fsyncs per proposal (the
// group commit's effect).
func BenchmarkPropose(b *testing.B) {
	n, err := Open(singleConfig(b.TempDir(), nil), &benchSM{})
	if err != nil {
		b.Fatal(err)
	}
	n.Start()
	defer n.Close()
	data := make([]byte, 100)
	ctx := context.Background()
	var failed atomic.Int64
	syncsBefore := n.syncs.Load()
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0))) // 64 proposers
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := n.Propose(ctx, data); err != nil {
				failed.Add(1)
			}
		}
	})
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d proposals failed", failed.Load())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "proposals/s")
	b.ReportMetric(float64(n.syncs.Load()-syncsBefore)/float64(b.N), "fsyncs/proposal")
}

// benchSM keeps only the applied index, so that the benchmark measures
// the quorum.
type benchSM struct{ index uint64 }

func (s *benchSM) Apply(index, _ uint64, _ []byte) error { s.index = index; return nil }
func (s *benchSM) Snapshot() ([]byte, uint64, error)     { return []byte("state"), s.index, nil }
func (s *benchSM) Restore(_ []byte, index, _ uint64) error {
	s.index = index
	return nil
}
