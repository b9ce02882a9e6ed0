package quorum

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"samsa/internal/record"
)

func TestCheckpointRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, checkpointChunkBytes, checkpointChunkBytes + 1,
		checkpointChunkBytes * checkpointChunksPerBatch, 3*checkpointChunkBytes*checkpointChunksPerBatch + 7} {
		payload := make([]byte, size)
		for i := range payload {
			payload[i] = byte(rng.UintN(256))
		}
		b, err := encodeCheckpoint(payload, 7, 1000)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeCheckpoint(b, 7)
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("size %d: decoded %d bytes, err %v", size, len(got), err)
		}
		checkCheckpointLayout(t, b, size)
	}
}

// checkCheckpointLayout checks the layout Kafka's snapshot readers expect:
// header control batch, data batches of bounded size, footer control
// batch, offsets from 0.
func checkCheckpointLayout(t *testing.T, b []byte, size int) {
	t.Helper()
	var (
		types []string
		next  int64
	)
	err := eachBatch(b, func(h record.Header, recs []record.Record) error {
		if h.BaseOffset != next || h.PartitionLeaderEpoch != 7 || h.Size() > 1<<20+4096 {
			t.Fatalf("batch at %d (epoch %d, %d bytes), want offset %d epoch 7 at most ~1 MiB", h.BaseOffset, h.PartitionLeaderEpoch, h.Size(), next)
		}
		next += int64(len(recs))
		if !h.Control() {
			types = append(types, "data")
			return nil
		}
		typ, err := controlType(recs[0].Key)
		if err != nil {
			return err
		}
		types = append(types, map[int16]string{controlSnapshotHeader: "header", controlSnapshotFooter: "footer"}[typ])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if types[0] != "header" || types[len(types)-1] != "footer" {
		t.Fatalf("size %d: batches %v", size, types)
	}
}

func TestCheckpointDecodeRejectsDamage(t *testing.T) {
	b, _ := encodeCheckpoint(bytes.Repeat([]byte("metadata"), 20000), 3, 0)
	flipped := bytes.Clone(b)
	flipped[len(flipped)/2] ^= 0x10
	for name, bad := range map[string][]byte{
		"bit flip":       flipped,
		"no footer":      b[:len(b)-record.HeaderSize-30],
		"cut mid batch":  b[:len(b)/2],
		"data appended":  append(bytes.Clone(b), b[:200]...),
		"empty":          nil,
		"other epoch":    nil, // decoded with the wrong term below
		"another header": append(bytes.Clone(b[:headerBatchSize(t, b)]), b...),
	} {
		term := uint64(3)
		if name == "other epoch" {
			bad, term = b, 4
		}
		if _, err := decodeCheckpoint(bad, term); !errors.Is(err, errCorrupt) {
			t.Errorf("%s: %v, want errCorrupt", name, err)
		}
	}
}

func headerBatchSize(t *testing.T, b []byte) int {
	h, err := record.ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	return h.Size()
}

func TestCheckpointNames(t *testing.T) {
	name := checkpointName(1234, 5)
	if name != "00000000000000001234-0000000005.checkpoint" {
		t.Fatalf("name %q", name)
	}
	cp, ok := parseCheckpointName(name)
	if !ok || cp.index != 1234 || cp.term != 5 {
		t.Fatalf("parse %q: %+v %v", name, cp, ok)
	}
	for _, bad := range []string{"1234-5.checkpoint", "00000000000000001234-0000000005.checkpoint.part",
		"0000000000000000123x-0000000005.checkpoint", "00000000000000001234_0000000005.checkpoint", "+0000000000000001234-0000000005.checkpoint"} {
		if _, ok := parseCheckpointName(bad); ok {
			t.Errorf("%q parsed as a checkpoint", bad)
		}
	}
}

func TestListCheckpointsRemovesPartials(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{checkpointName(10, 1), checkpointName(30, 2), checkpointName(20, 2),
		checkpointName(40, 2) + partSuffix, "quorum-state", "00000000000000000000.log"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := removePartialCheckpoints(dir); err != nil {
		t.Fatal(err)
	}
	cps, err := listCheckpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cps) != 3 || cps[0].index != 30 || cps[1].index != 20 || cps[2].index != 10 {
		t.Fatalf("listed %+v, want 30, 20, 10", cps)
	}
	if _, err := os.Stat(filepath.Join(dir, checkpointName(40, 2)+partSuffix)); !os.IsNotExist(err) {
		t.Fatalf("partial checkpoint left: %v", err)
	}
}

func TestQuorumStateFileIsKafkas(t *testing.T) {
	dir := t.TempDir()
	s := newQuorumState("cluster-1", []int32{1, 2, 3})
	s.LeaderID, s.LeaderEpoch, s.VotedID, s.CommitIndex = 2, 7, 2, 42
	if err := writeQuorumState(dir, s); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, quorumStateName))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(b), "\n") != 1 {
		t.Fatalf("quorum-state is not one line: %q", b)
	}
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"clusterId", "leaderId", "leaderEpoch", "votedId", "appliedOffset", "currentVoters", "data_version"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("field %s missing from %s", k, b)
		}
	}
	got, found, err := readQuorumState(dir)
	if err != nil || !found || got.LeaderEpoch != 7 || got.CommitIndex != 42 || len(got.CurrentVoters) != 3 {
		t.Fatalf("read back %+v, %v, %v", got, found, err)
	}
	if err := os.WriteFile(filepath.Join(dir, quorumStateName), []byte("{garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readQuorumState(dir); err == nil {
		t.Fatal("a garbled quorum-state read without error: a vote could be forgotten")
	}
}
