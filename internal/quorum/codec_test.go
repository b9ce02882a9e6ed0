package quorum

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
	"go.etcd.io/raft/v3/raftpb"

	"samsa/internal/record"
)

func entry(index, term uint64, typ raftpb.EntryType, data []byte) *raftpb.Entry {
	return &raftpb.Entry{Index: new(index), Term: new(term), Type: typ.Enum(), Data: data}
}

// decodeOne decodes the single batch in b.
func decodeOne(t *testing.T, b []byte) (record.Header, *raftpb.Entry) {
	t.Helper()
	var (
		h   record.Header
		e   *raftpb.Entry
		got int
	)
	err := eachBatch(b, func(bh record.Header, recs []record.Record) error {
		got++
		h = bh
		var err error
		e, err = decodeEntry(bh, recs)
		return err
	})
	if err != nil || got != 1 {
		t.Fatalf("decode: %v (%d batches)", err, got)
	}
	return h, e
}

func TestEntryBatchesRoundTrip(t *testing.T) {
	enc := entryEncoder{voters: []int32{0, 1, 2}}
	cases := []struct {
		name    string
		e       *raftpb.Entry
		control bool
	}{
		{"data", entry(1, 3, raftpb.EntryNormal, []byte("a metadata record")), false},
		{"empty", entry(7, 4, raftpb.EntryNormal, nil), true},
		{"conf change", entry(9, 4, raftpb.EntryConfChange, []byte{8, 1, 16, 2}), true},
		{"conf change v2", entry(10, 5, raftpb.EntryConfChangeV2, nil), true},
		{"max epoch", entry(math.MaxUint32, math.MaxInt32, raftpb.EntryNormal, []byte("x")), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := enc.appendEntry(nil, tc.e, 1, 1234)
			if err != nil {
				t.Fatal(err)
			}
			hdr, err := record.ParseHeader(b)
			if err != nil || !record.CheckCRC(b) || hdr.Size() != len(b) {
				t.Fatalf("not one valid v2 batch: %v, crc ok %v, size %d of %d", err, record.CheckCRC(b), hdr.Size(), len(b))
			}
			h, got := decodeOne(t, b)
			if h.BaseOffset != int64(tc.e.GetIndex())-1 || int64(h.PartitionLeaderEpoch) != int64(tc.e.GetTerm()) {
				t.Fatalf("batch at offset %d epoch %d for entry %d term %d", h.BaseOffset, h.PartitionLeaderEpoch, tc.e.GetIndex(), tc.e.GetTerm())
			}
			if h.Control() != tc.control || h.ProducerID != -1 || h.RecordCount != 1 {
				t.Fatalf("header: control %v producer %d count %d", h.Control(), h.ProducerID, h.RecordCount)
			}
			if got.GetIndex() != tc.e.GetIndex() || got.GetTerm() != tc.e.GetTerm() || got.GetType() != tc.e.GetType() || !bytes.Equal(got.Data, tc.e.Data) {
				t.Fatalf("decoded %v, want %v", got, tc.e)
			}
		})
	}
}

func TestEmptyEntryIsKafkaLeaderChange(t *testing.T) {
	enc := entryEncoder{voters: []int32{0, 1, 2}}
	b, err := enc.appendEntry(nil, entry(5, 2, raftpb.EntryNormal, nil), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var recs []record.Record
	if err := eachBatch(b, func(_ record.Header, r []record.Record) error { recs = r; return nil }); err != nil {
		t.Fatal(err)
	}
	var key kmsg.ControlRecordKey
	if err := key.ReadFrom(recs[0].Key); err != nil || key.Type != kmsg.ControlRecordKeyTypeQuorumReassignment {
		t.Fatalf("control key %v (%v), want type 2 (LEADER_CHANGE)", key.Type, err)
	}
	var m kmsg.LeaderChangeMessage
	if err := m.ReadFrom(recs[0].Value); err != nil || m.LeaderID != 1 || len(m.Voters) != 3 {
		t.Fatalf("LeaderChangeMessage %+v (%v)", m, err)
	}
}

func TestTermBeyondKafkaEpochIsRefused(t *testing.T) {
	_, err := entryEncoder{}.appendEntry(nil, entry(1, math.MaxInt32+1, raftpb.EntryNormal, []byte("x")), -1, 0)
	if err == nil {
		t.Fatal("term 2^31 encoded")
	}
}

func TestDecodeRejectsCorruptBatches(t *testing.T) {
	b, _ := entryEncoder{}.appendEntry(nil, entry(1, 1, raftpb.EntryNormal, []byte("hello")), -1, 0)
	flipped := bytes.Clone(b)
	flipped[len(flipped)-3] ^= 1
	two, _ := buildBatch(0, 1, false, 0, []record.Record{{Value: []byte("a")}, {Value: []byte("b")}})
	negative := withRecordCount(b, -1)
	huge := withRecordCount(b, math.MaxInt32)
	for name, bad := range map[string][]byte{
		"bit flip":       flipped,
		"cut short":      b[:len(b)-1],
		"two records":    two,
		"negative count": negative,
		"huge count":     huge,
	} {
		err := eachBatch(bad, func(h record.Header, recs []record.Record) error {
			_, err := decodeEntry(h, recs)
			return err
		})
		if !errors.Is(err, errCorrupt) {
			t.Errorf("%s: %v, want errCorrupt", name, err)
		}
	}
}

// withRecordCount returns a copy of batch b claiming count records, with a
// CRC that matches, as a buggy or hostile writer could produce.
func withRecordCount(b []byte, count int32) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint32(b[57:], uint32(count))
	binary.BigEndian.PutUint32(b[17:], record.ComputeCRC(b))
	return b
}

// FuzzDecodeLog feeds arbitrary bytes to the log and checkpoint decoders:
// they must fail cleanly, never panic.
func FuzzDecodeLog(f *testing.F) {
	enc := entryEncoder{voters: []int32{1}}
	for _, e := range []*raftpb.Entry{
		entry(1, 1, raftpb.EntryNormal, []byte("record")),
		entry(2, 1, raftpb.EntryNormal, nil),
		entry(3, 2, raftpb.EntryConfChangeV2, []byte{1, 2}),
	} {
		b, _ := enc.appendEntry(nil, e, 1, 0)
		f.Add(b)
	}
	cp, _ := encodeCheckpoint([]byte("a small state"), 1, 0) // small: the fuzzer minimises what it finds
	f.Add(cp)
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = eachBatch(b, func(h record.Header, recs []record.Record) error {
			_, err := decodeEntry(h, recs)
			return err
		})
		_, _ = decodeCheckpoint(b, 1)
	})
}
