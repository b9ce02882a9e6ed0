package quorum

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"samsa/internal/record"
)

// useRealStorage switches the tests from the stand-in log to storage.Log.
const useRealStorage = true

// testDisk returns the stand-in disk, or nil for the real storage.
func testDisk() *memDisk {
	if useRealStorage {
		return nil
	}
	return newMemDisk()
}

func (d *memDisk) logOpener() logOpener {
	if d == nil {
		return nil
	}
	return d.opener
}

var singleVoter = map[int32]string{1: "CONTROLLER://localhost:9093"}

func singleConfig(dir string, disk *memDisk) Config {
	cfg := fastConfig(dir, 1, singleVoter, nopTransport{})
	cfg.openLog = disk.logOpener()
	return cfg
}

func startNode(t *testing.T, cfg Config, sm StateMachine) *Node {
	t.Helper()
	n, err := Open(cfg, sm)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	n.Start()
	return n
}

// proposeAll proposes count entries from workers goroutines and returns
// the index each data got.
func proposeAll(t *testing.T, n *Node, prefix string, count, workers int) map[string]uint64 {
	t.Helper()
	var (
		mu    sync.Mutex
		got   = make(map[string]uint64, count)
		wg    sync.WaitGroup
		first error
	)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for w := range workers {
		wg.Go(func() {
			for i := w; i < count; i += workers {
				data := fmt.Sprintf("%s-%05d", prefix, i)
				index, err := n.Propose(ctx, []byte(data))
				mu.Lock()
				if err != nil && first == nil {
					first = fmt.Errorf("propose %s: %w", data, err)
				}
				got[data] = index
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
	return got
}

// checkApplied fails unless sm applied exactly the proposals, each once at
// the index Propose returned, in ascending index order.
func checkApplied(t *testing.T, sm *testSM, proposals map[string]uint64) {
	t.Helper()
	seen := make(map[string]bool)
	var last uint64
	for _, e := range sm.snapshotEntries() {
		if e.Index <= last {
			t.Fatalf("entry %d applied after %d", e.Index, last)
		}
		last = e.Index
		d := string(e.Data)
		want, ok := proposals[d]
		if !ok {
			continue
		}
		if seen[d] {
			t.Fatalf("%s applied twice", d)
		}
		seen[d] = true
		if e.Index != want {
			t.Fatalf("%s applied at %d, Propose returned %d", d, e.Index, want)
		}
	}
	if len(seen) != len(proposals) {
		t.Fatalf("%d of %d proposals applied", len(seen), len(proposals))
	}
}

func TestSingleVoterConcurrentProposalsApplyOnceInOrder(t *testing.T) {
	dir, disk := t.TempDir(), testDisk()
	sm := &testSM{}
	n := startNode(t, singleConfig(dir, disk), sm)
	proposals := proposeAll(t, n, "a", 1000, 50)
	checkApplied(t, sm, proposals)
	if err := n.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	// Open replays the whole log before returning.
	sm2 := &testSM{}
	n2, err := Open(singleConfig(dir, disk), sm2)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if sm2.hash() != sm.hash() {
		t.Fatalf("replayed state differs: %d entries, want %d", sm2.count(), sm.count())
	}
	n2.Start()
	more := proposeAll(t, n2, "b", 100, 10)
	checkApplied(t, sm2, more)
	checkApplied(t, sm2, proposals)
	if err := n2.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}

func TestSingleVoterElectsItselfAtOnce(t *testing.T) {
	cfg := singleConfig(t.TempDir(), testDisk())
	cfg.ElectionTicks = 1000 // a 10-20 s election timeout
	start := time.Now()
	n := startNode(t, cfg, &testSM{})
	defer n.Close()
	if _, err := n.Propose(context.Background(), []byte("x")); err != nil {
		t.Fatalf("propose: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("first proposal took %v: the node waited for an election timeout", d)
	}
}

func TestProposeRejectsBadSizes(t *testing.T) {
	cfg := singleConfig(t.TempDir(), testDisk())
	cfg.MaxEntryBytes = 100
	n := startNode(t, cfg, &testSM{})
	defer n.Close()
	if _, err := n.Propose(context.Background(), nil); err == nil {
		t.Fatal("empty proposal accepted")
	}
	if _, err := n.Propose(context.Background(), make([]byte, 101)); !errors.Is(err, ErrProposalTooLarge) {
		t.Fatalf("101-byte proposal: got %v, want ErrProposalTooLarge", err)
	}
	if _, err := n.Propose(context.Background(), make([]byte, 100)); err != nil {
		t.Fatalf("100-byte proposal: %v", err)
	}
}

// snapshottingConfig takes a snapshot every ~1 KiB of entries.
func snapshottingConfig(dir string, disk *memDisk) Config {
	cfg := singleConfig(dir, disk)
	cfg.SnapshotMaxBytes = 1024
	cfg.SnapshotCatchUpEntries = 5
	cfg.SegmentBytes = 4096
	return cfg
}

func checkpointsIn(t *testing.T, dir string) []checkpointFile {
	t.Helper()
	cps, err := listCheckpoints(partitionDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	return cps
}

// proposeSequential proposes count entries of about 100 bytes, one at a
// time, so that snapshots interleave with them.
func proposeSequential(t *testing.T, n *Node, prefix string, count int) map[string]uint64 {
	t.Helper()
	got := make(map[string]uint64, count)
	for i := range count {
		data := fmt.Sprintf("%s-%05d-%s", prefix, i, bytes.Repeat([]byte{'x'}, 90))
		index, err := n.Propose(context.Background(), []byte(data))
		if err != nil {
			t.Fatalf("propose %d: %v", i, err)
		}
		got[data] = index
	}
	return got
}

func TestSingleVoterRestartAfterSnapshots(t *testing.T) {
	dir, disk := t.TempDir(), testDisk()
	sm := &testSM{}
	n := startNode(t, snapshottingConfig(dir, disk), sm)
	first := proposeSequential(t, n, "a", 300)
	waitFor(t, "two checkpoints", 5*time.Second, func() bool { return n.Status().SnapshotIndex > 200 })
	st := n.Status()
	if st.LogStartOffset == 0 {
		t.Fatalf("log start offset still 0 after snapshots at %d", st.SnapshotIndex)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if cps := checkpointsIn(t, dir); len(cps) == 0 || len(cps) > 2 {
		t.Fatalf("%d checkpoints on disk, want 1 or 2: %v", len(cps), cps)
	}

	sm2 := &testSM{}
	n2, err := Open(snapshottingConfig(dir, disk), sm2)
	if err != nil {
		t.Fatal(err)
	}
	if sm2.restores != 1 || sm2.hash() != sm.hash() {
		t.Fatalf("after reopen: %d restores, %d entries; want 1 restore and %d entries", sm2.restores, sm2.count(), sm.count())
	}
	n2.Start()
	second := proposeSequential(t, n2, "b", 50)
	checkApplied(t, sm2, first)
	checkApplied(t, sm2, second)
	if err := n2.Close(); err != nil {
		t.Fatal(err)
	}
}

func corruptFile(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptNewestCheckpointFallsBackToThePreviousOne(t *testing.T) {
	dir, disk := t.TempDir(), testDisk()
	sm := &testSM{}
	n := startNode(t, snapshottingConfig(dir, disk), sm)
	proposeSequential(t, n, "a", 300)
	waitFor(t, "two checkpoints", 5*time.Second, func() bool { return len(checkpointsIn(t, dir)) == 2 })
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	cps := checkpointsIn(t, dir)
	corruptFile(t, filepath.Join(partitionDir(dir), cps[0].name))

	sm2 := &testSM{}
	n2, err := Open(snapshottingConfig(dir, disk), sm2)
	if err != nil {
		t.Fatalf("reopen with a corrupt newest checkpoint: %v", err)
	}
	defer n2.Close()
	if sm2.hash() != sm.hash() {
		t.Fatalf("state after fallback: %d entries, want %d", sm2.count(), sm.count())
	}
	if got := n2.Status().SnapshotIndex; got != cps[1].index {
		t.Fatalf("loaded checkpoint %d, want the previous one %d", got, cps[1].index)
	}
	if left := checkpointsIn(t, dir); slices.ContainsFunc(left, func(c checkpointFile) bool { return c.name == cps[0].name }) {
		t.Fatalf("corrupt checkpoint %s still there", cps[0].name)
	}
}

func TestCorruptOnlyCheckpointFallsBackToTheLog(t *testing.T) {
	dir, disk := t.TempDir(), testDisk()
	cfg := singleConfig(dir, disk)
	cfg.SnapshotMaxBytes = 2000
	sm := &testSM{}
	n := startNode(t, cfg, sm)
	proposeSequential(t, n, "a", 25) // about 2.5 KiB: one snapshot
	waitFor(t, "a checkpoint", 5*time.Second, func() bool { return len(checkpointsIn(t, dir)) == 1 })
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	corruptFile(t, filepath.Join(partitionDir(dir), checkpointsIn(t, dir)[0].name))

	sm2 := &testSM{}
	n2, err := Open(cfg, sm2)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer n2.Close()
	if sm2.restores != 0 || sm2.hash() != sm.hash() {
		t.Fatalf("after replaying the log: %d restores, %d entries; want 0 and %d", sm2.restores, sm2.count(), sm.count())
	}
}

// TestCrashLosesNoAcknowledgedProposal stops the node without Close while
// proposals are in flight, drops every write that was not fsynced, and
// checks that every proposal Propose acknowledged survives.
func TestCrashLosesNoAcknowledgedProposal(t *testing.T) {
	disk := newMemDisk() // the stand-in is what can lose unsynced writes
	dir := t.TempDir()
	cfg := singleConfig(dir, disk)
	cfg.openLog = disk.opener
	n := startNode(t, cfg, &testSM{})

	var (
		mu    sync.Mutex
		acked = make(map[string]uint64)
		wg    sync.WaitGroup
	)
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				data := fmt.Sprintf("w%d-%d", w, i)
				index, err := n.Propose(context.Background(), []byte(data))
				if err != nil {
					return
				}
				mu.Lock()
				acked[data] = index
				mu.Unlock()
			}
		})
	}
	waitFor(t, "500 acknowledgements", 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 500
	})
	n.halt()
	disk.crash()
	wg.Wait()

	sm := &testSM{}
	n2, err := Open(cfg, sm)
	if err != nil {
		t.Fatal(err)
	}
	defer n2.Close()
	applied := make(map[string]uint64)
	for _, e := range sm.snapshotEntries() {
		applied[string(e.Data)] = e.Index
	}
	for data, index := range acked {
		if got, ok := applied[data]; !ok || got != index {
			t.Fatalf("acknowledged %s at %d lost after the crash (found at %d, %v)", data, index, got, ok)
		}
	}
}

func TestApplyErrorStopsTheNode(t *testing.T) {
	sm := &testSM{failAt: 3}
	n := startNode(t, singleConfig(t.TempDir(), testDisk()), sm)
	ctx := context.Background()
	var err error
	for i := 0; i < 5 && err == nil; i++ {
		_, err = n.Propose(ctx, []byte("x"))
	}
	if !errors.Is(err, ErrStopped) {
		t.Fatalf("propose after an apply failure: %v, want ErrStopped", err)
	}
	<-n.Done()
	if n.Err() == nil || n.Close() == nil {
		t.Fatal("no fatal error recorded")
	}
	if _, err := n.Propose(ctx, []byte("y")); !errors.Is(err, ErrStopped) {
		t.Fatalf("propose after stop: %v", err)
	}
}

func TestOpenRefusesAnotherClusterOrVoterSet(t *testing.T) {
	dir, disk := t.TempDir(), testDisk()
	n := startNode(t, singleConfig(dir, disk), &testSM{})
	if _, err := n.Propose(context.Background(), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	other := singleConfig(dir, disk)
	other.ClusterID = "another-cluster"
	if _, err := Open(other, &testSM{}); err == nil {
		t.Fatal("opened a directory of another cluster")
	}
	grown := singleConfig(dir, disk)
	grown.Voters = map[int32]string{1: "a:1", 2: "b:1"}
	if _, err := Open(grown, &testSM{}); err == nil {
		t.Fatal("opened with a different voter set")
	}
	bad := singleConfig(dir, disk)
	bad.NodeID = 5
	if _, err := Open(bad, &testSM{}); err == nil {
		t.Fatal("opened as a node that is not a voter")
	}
}

// TestLogIsKafkasLayout reads the metadata log back as Kafka's tools would:
// segment files in __cluster_metadata-0, entry index i at offset i-1, the
// term as partition leader epoch, the leader's empty entry as a
// LeaderChange control batch, data as plain one-record batches.
func TestLogIsKafkasLayout(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, singleConfig(dir, nil), &testSM{})
	index, err := n.Propose(context.Background(), []byte("first record"))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	pdir := filepath.Join(dir, "__cluster_metadata-0")
	for _, name := range []string{"00000000000000000000.log", "quorum-state"} {
		if _, err := os.Stat(filepath.Join(pdir, name)); err != nil {
			t.Fatalf("%s missing: %v", name, err)
		}
	}
	l, err := openStorageLog(logOptions{dir: pdir, segmentBytes: DefaultSegmentBytes})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	res, err := l.Read(0, 1<<20, l.LogEndOffset(), true)
	if err != nil {
		t.Fatal(err)
	}
	var batches []string
	err = eachBatch(res.Batches, func(h record.Header, recs []record.Record) error {
		kind := "data:" + string(recs[0].Value)
		if h.Control() {
			typ, _ := controlType(recs[0].Key)
			kind = fmt.Sprintf("control:%d", typ)
		}
		batches = append(batches, fmt.Sprintf("%d@%d %s", h.BaseOffset, h.PartitionLeaderEpoch, kind))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"0@1 control:2", fmt.Sprintf("%d@1 data:first record", index-1)}
	if !slices.Equal(batches, want) {
		t.Fatalf("log holds %q, want %q", batches, want)
	}
}

func TestSingleVoterStatus(t *testing.T) {
	n := startNode(t, singleConfig(t.TempDir(), testDisk()), &testSM{})
	index, err := n.Propose(context.Background(), []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	st := n.Status()
	want := Status{
		NodeID: 1, ClusterID: "test-cluster", Role: "leader", LeaderID: 1, LeaderEpoch: 1,
		HighWatermark: int64(index), LogStartOffset: 0, LogEndOffset: int64(index),
		CommitIndex: index, AppliedIndex: index, LastIndex: index,
	}
	got := st
	got.Voters, got.Observers = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("status\n got %+v\nwant %+v", got, want)
	}
	if len(st.Voters) != 1 || st.Voters[0].NodeID != 1 || st.Voters[0].LogEndOffset != int64(index) ||
		st.Voters[0].Endpoint != singleVoter[1] || st.Voters[0].LastFetchTime.IsZero() || len(st.Observers) != 0 {
		t.Fatalf("voters %+v observers %+v", st.Voters, st.Observers)
	}
	if ev := n.sm.(*testSM).events(); len(ev) != 1 || ev[0] != (leaderEvent{leader: 1, epoch: 1}) {
		t.Fatalf("leader events %+v, want one: node 1 leads epoch 1", ev)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if r := n.Status().Role; r != "stopped" {
		t.Fatalf("role after Close: %q", r)
	}
}
