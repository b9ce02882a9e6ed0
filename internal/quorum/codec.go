package quorum

import (
	"errors"
	"fmt"
	"math"

	"github.com/twmb/franz-go/pkg/kmsg"
	"go.etcd.io/raft/v3/raftpb"

	"samsa/internal/record"
)

// Control record types. Kafka's own are used where their meaning matches;
// the raft conf-change types are Samsa's, chosen far above Kafka's (0-6) so
// that Kafka's tools see them as UNKNOWN control records and skip them.
const (
	controlLeaderChange   = 2 // Kafka's LEADER_CHANGE: raft's empty entry
	controlSnapshotHeader = 3 // Kafka's SNAPSHOT_HEADER
	controlSnapshotFooter = 4 // Kafka's SNAPSHOT_FOOTER
	controlConfChange     = 32000
	controlConfChangeV2   = 32001
)

// errCorrupt marks data that fails a structural or CRC check.
var errCorrupt = errors.New("corrupt metadata log data")

// buildBatch encodes recs as one uncompressed batch stamped with
// timestamp, with producer fields unset as Kafka's metadata log has them.
func buildBatch(baseOffset int64, epoch int32, control bool, timestamp int64, recs []record.Record) ([]byte, error) {
	for i := range recs {
		recs[i].Timestamp = timestamp
	}
	opts := record.BuildOptions{BaseOffset: baseOffset, PartitionLeaderEpoch: epoch, Control: control}
	b, err := record.Build(opts, recs)
	if err != nil {
		return nil, fmt.Errorf("encode batch at offset %d: %w", baseOffset, err)
	}
	return b, nil
}

// eachBatch calls fn for every batch laid end to end in b, after checking
// its framing, CRC and records. Batches here are never compressed, so a
// compressed one is corrupt too. Record slices alias b.
func eachBatch(b []byte, fn func(h record.Header, recs []record.Record) error) error {
	for batch, err := range record.Batches(b) {
		if err == nil {
			err = batch.Check()
		}
		if err == nil && batch.Codec() != record.CodecNone {
			err = fmt.Errorf("compressed batch (%s) at offset %d", batch.Codec(), batch.BaseOffset)
		}
		if err != nil {
			return fmt.Errorf("%w: %w", errCorrupt, err)
		}
		recs := make([]record.Record, 0, min(max(int(batch.RecordCount), 0), 64))
		for r, err := range batch.Records() {
			if err != nil {
				return fmt.Errorf("%w: %w", errCorrupt, err)
			}
			recs = append(recs, r)
		}
		if err := fn(batch.Header, recs); err != nil {
			return err
		}
	}
	return nil
}

// controlKey is the key of a control record: version 0 and the type.
func controlKey(typ int16) []byte {
	k := kmsg.ControlRecordKey{Version: 0, Type: kmsg.ControlRecordKeyType(typ)}
	return k.AppendTo(nil)
}

// epochOf converts a raft term to Kafka's int32 leader epoch.
func epochOf(term uint64) (int32, error) {
	if term > math.MaxInt32 {
		return 0, fmt.Errorf("raft term %d overflows Kafka's int32 leader epoch", term)
	}
	return int32(term), nil
}

// entryEncoder turns raft entries into batches for the partition log.
type entryEncoder struct {
	voters []int32
}

// appendEntry appends e as one batch at offset index-1 with leader epoch
// term. leaderID is the leader of e's term as far as this node knows (-1
// when not), recorded in the LeaderChange record of an empty entry.
func (enc entryEncoder) appendEntry(dst []byte, e *raftpb.Entry, leaderID int32, timestamp int64) ([]byte, error) {
	epoch, err := epochOf(e.GetTerm())
	if err != nil {
		return dst, err
	}
	offset := int64(e.GetIndex()) - 1
	rec, control, err := enc.entryRecord(e, leaderID)
	if err != nil {
		return dst, err
	}
	b, err := buildBatch(offset, epoch, control, timestamp, []record.Record{rec})
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// entryRecord is the one record that stands for e, and whether it is a
// control record.
func (enc entryEncoder) entryRecord(e *raftpb.Entry, leaderID int32) (record.Record, bool, error) {
	switch e.GetType() {
	case raftpb.EntryNormal:
		if len(e.Data) == 0 {
			return record.Record{Key: controlKey(controlLeaderChange), Value: enc.leaderChange(leaderID)}, true, nil
		}
		return record.Record{Value: e.Data}, false, nil
	case raftpb.EntryConfChange:
		return record.Record{Key: controlKey(controlConfChange), Value: nonNil(e.Data)}, true, nil
	case raftpb.EntryConfChangeV2:
		return record.Record{Key: controlKey(controlConfChangeV2), Value: nonNil(e.Data)}, true, nil
	}
	return record.Record{}, false, fmt.Errorf("raft entry %d has unknown type %v", e.GetIndex(), e.GetType())
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// leaderChange is the value of Kafka's LeaderChange control record
// (LeaderChangeMessage v0). The granting voters are not known here and are
// left empty.
func (enc entryEncoder) leaderChange(leaderID int32) []byte {
	m := kmsg.LeaderChangeMessage{Version: 0, LeaderID: leaderID}
	for _, id := range enc.voters {
		m.Voters = append(m.Voters, kmsg.LeaderChangeMessageVoter{VoterID: id})
	}
	return m.AppendTo(nil)
}

// decodeEntry turns one parsed batch of the log back into a raft entry.
// The entry's data is copied out of the read buffer.
func decodeEntry(h record.Header, recs []record.Record) (*raftpb.Entry, error) {
	if len(recs) != 1 || h.LastOffsetDelta != 0 || h.BaseOffset < 0 || h.PartitionLeaderEpoch < 0 {
		return nil, fmt.Errorf("%w: batch at offset %d is not one raft entry (%d records, epoch %d)",
			errCorrupt, h.BaseOffset, len(recs), h.PartitionLeaderEpoch)
	}
	e := &raftpb.Entry{
		Index: new(uint64(h.BaseOffset) + 1),
		Term:  new(uint64(h.PartitionLeaderEpoch)),
		Type:  raftpb.EntryNormal.Enum(),
	}
	rec := recs[0]
	if !h.Control() {
		e.Data = append([]byte{}, rec.Value...)
		return e, nil
	}
	typ, err := controlType(rec.Key)
	if err != nil {
		return nil, fmt.Errorf("%w: batch at offset %d: %w", errCorrupt, h.BaseOffset, err)
	}
	switch typ {
	case controlLeaderChange:
		return e, nil
	case controlConfChange:
		e.Type = raftpb.EntryConfChange.Enum()
	case controlConfChangeV2:
		e.Type = raftpb.EntryConfChangeV2.Enum()
	default:
		return nil, fmt.Errorf("%w: batch at offset %d: control type %d is not a raft entry", errCorrupt, h.BaseOffset, typ)
	}
	if len(rec.Value) > 0 {
		e.Data = append([]byte{}, rec.Value...)
	}
	return e, nil
}

// controlType reads a control record key; only version 0 exists.
func controlType(key []byte) (int16, error) {
	var k kmsg.ControlRecordKey
	if len(key) != 4 || k.ReadFrom(key) != nil || k.Version != 0 {
		return 0, fmt.Errorf("bad control record key %x", key)
	}
	return int16(k.Type), nil
}
