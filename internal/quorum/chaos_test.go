package quorum

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"
)

// TestClusterChaos runs proposers against three voters while a seeded
// nemesis crashes nodes (dropping unsynced writes), restarts them, cuts
// them off and heals them. At the end every acknowledged proposal must be
// applied at its index on every node, and no node, in any of its runs, may
// have applied an entry another applied differently.
func TestClusterChaos(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	c := newTestClusterOn(t, newMemDisk(), func(cfg *Config) {
		cfg.SnapshotMaxBytes = 4096
		cfg.SnapshotCatchUpEntries = 20
		cfg.SegmentBytes = 8192
	})

	var (
		mu    sync.Mutex
		acked = make(map[string]uint64)
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	for w := range 4 {
		wg.Go(func() { chaosProposer(c, w, stop, &mu, acked) })
	}
	duration := 3 * time.Second
	if d, err := time.ParseDuration(os.Getenv("SAMSA_CHAOS_DURATION")); err == nil {
		duration = d // longer runs by hand
	}
	deadline := time.Now().Add(duration)
	for time.Now().Before(deadline) {
		chaosStep(t, c, rng)
		time.Sleep(time.Duration(50+rng.IntN(150)) * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	for id := range c.voters {
		c.net.Reconnect(id)
		if c.node(id) == nil {
			c.start(id)
		}
	}
	leader := c.waitLeader()
	if _, err := c.node(leader).Propose(context.Background(), []byte("final")); err != nil {
		t.Fatalf("final proposal: %v", err)
	}
	total := c.sms[leader].count()
	c.waitConverged(total)
	for id := range c.voters {
		applied := make(map[string]uint64)
		for _, e := range c.sms[id].snapshotEntries() {
			applied[string(e.Data)] = e.Index
		}
		for data, index := range acked {
			if got, ok := applied[data]; !ok || got != index {
				t.Fatalf("node %d: acknowledged %s at %d, applied at %d (%v)", id, data, index, got, ok)
			}
		}
	}
	t.Logf("%d acknowledged proposals, %d entries applied", len(acked), total)
}

// chaosStep does one random fault or repair.
func chaosStep(t *testing.T, c *testCluster, rng *rand.Rand) {
	id := int32(rng.IntN(3))
	running := c.node(id) != nil
	switch r := rng.IntN(10); {
	case !running:
		c.start(id)
	case r < 3:
		c.crash(id)
	case r < 5:
		c.stop(id)
	case r < 7:
		c.net.Disconnect(id)
	default:
		c.net.Reconnect(id)
	}
}

// chaosProposer proposes on whichever node leads until stop closes.
func chaosProposer(c *testCluster, w int, stop chan struct{}, mu *sync.Mutex, acked map[string]uint64) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		n := c.node(int32(i % 3))
		if n == nil {
			continue
		}
		data := fmt.Sprintf("w%d-%d", w, i)
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		index, err := n.Propose(ctx, []byte(data))
		cancel()
		if err == nil {
			mu.Lock()
			acked[data] = index
			mu.Unlock()
		} else if errors.Is(err, ErrNotLeader) || errors.Is(err, ErrStopped) {
			time.Sleep(2 * time.Millisecond)
		}
	}
}
