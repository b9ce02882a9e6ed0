package quorum

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.etcd.io/raft/v3/raftpb"
)

// appliedEntry is one entry as a test state machine saw it.
type appliedEntry struct {
	Index uint64
	Term  uint64
	Data  []byte
}

// testSM records every applied entry; its snapshot is the whole record, so
// a restored state machine can still be compared entry by entry.
type testSM struct {
	mu       sync.Mutex
	entries  []appliedEntry
	restores int
	failAt   uint64 // Apply fails at this index when set

	leaderEvents []leaderEvent
}

func (s *testSM) Apply(index, term uint64, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failAt != 0 && index == s.failAt {
		return fmt.Errorf("injected apply failure at %d", index)
	}
	if n := len(s.entries); n > 0 && s.entries[n-1].Index >= index {
		return fmt.Errorf("apply %d after %d", index, s.entries[n-1].Index)
	}
	s.entries = append(s.entries, appliedEntry{Index: index, Term: term, Data: bytes.Clone(data)})
	return nil
}

func (s *testSM) Snapshot() ([]byte, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := json.Marshal(s.entries)
	return b, s.lastIndexLocked(), err
}

func (s *testSM) lastIndexLocked() uint64 {
	if len(s.entries) == 0 {
		return 0
	}
	return s.entries[len(s.entries)-1].Index
}

func (s *testSM) Restore(data []byte, index, term uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var entries []appliedEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return err
	}
	if n := len(entries); n > 0 && entries[n-1].Index > index {
		return fmt.Errorf("snapshot at %d holds entry %d", index, entries[n-1].Index)
	}
	s.entries = entries
	s.restores++
	return nil
}

func (s *testSM) snapshotEntries() []appliedEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]appliedEntry(nil), s.entries...)
}

// hash digests the applied sequence.
func (s *testSM) hash() [32]byte {
	h := sha256.New()
	for _, e := range s.snapshotEntries() {
		fmt.Fprintf(h, "%d/%d/%d:", e.Index, e.Term, len(e.Data))
		h.Write(e.Data)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

func (s *testSM) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// fastConfig is a Config with test timings: 10 ms ticks, 100 ms elections.
func fastConfig(dir string, id int32, voters map[int32]string, tr Transport) Config {
	return Config{
		NodeID:         id,
		Voters:         voters,
		Dir:            dir,
		ClusterID:      "test-cluster",
		TickInterval:   10 * time.Millisecond,
		ElectionTicks:  10,
		HeartbeatTicks: 1,
		Transport:      tr,
	}
}

// nopTransport is the transport of a single voter: it has no one to talk
// to.
type nopTransport struct{}

func (nopTransport) Send([]*raftpb.Message) {}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkPrefixes fails unless every sequence is a prefix of the longest:
// no node applied an entry that another applied differently.
func checkPrefixes(t *testing.T, seqs map[int32][]appliedEntry) {
	t.Helper()
	var longest []appliedEntry
	for _, s := range seqs {
		if len(s) > len(longest) {
			longest = s
		}
	}
	for id, s := range seqs {
		for i, e := range s {
			l := longest[i]
			if e.Index != l.Index || e.Term != l.Term || !bytes.Equal(e.Data, l.Data) {
				t.Fatalf("node %d applied %d/%d %q at position %d, the longest sequence has %d/%d %q",
					id, e.Index, e.Term, e.Data, i, l.Index, l.Term, l.Data)
			}
		}
	}
}

// leaderEvent is one LeaderChange call and how many entries the state
// machine held then.
type leaderEvent struct {
	leader, epoch int32
	applied       int
}

func (s *testSM) LeaderChange(leader, epoch int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.leaderEvents = append(s.leaderEvents, leaderEvent{leader: leader, epoch: epoch, applied: len(s.entries)})
}

func (s *testSM) events() []leaderEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]leaderEvent(nil), s.leaderEvents...)
}
