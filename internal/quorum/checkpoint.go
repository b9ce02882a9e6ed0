package quorum

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"samsa/internal/record"
)

// Checkpoint chunking: the state machine's snapshot is split into records
// of at most checkpointChunkBytes, checkpointChunksPerBatch to a batch, so
// that no batch exceeds 1 MiB and a reader never needs more than that.
const (
	checkpointChunkBytes     = 32 << 10
	checkpointChunksPerBatch = 32
	checkpointSuffix         = ".checkpoint"
	partSuffix               = ".part"
)

// checkpointName is Kafka's snapshot file name: the end offset (the raft
// index of the last entry included, which is the offset after it) and the
// epoch (its term).
func checkpointName(index, term uint64) string {
	return fmt.Sprintf("%020d-%010d%s", index, term, checkpointSuffix)
}

// checkpointFile is a checkpoint found on disk.
type checkpointFile struct {
	index, term uint64
	name        string
}

func parseCheckpointName(name string) (checkpointFile, bool) {
	stem, ok := strings.CutSuffix(name, checkpointSuffix)
	if !ok || len(stem) != 31 || stem[20] != '-' {
		return checkpointFile{}, false
	}
	var cp checkpointFile
	if _, err := fmt.Sscanf(stem, "%020d-%010d", &cp.index, &cp.term); err != nil {
		return checkpointFile{}, false
	}
	cp.name = name
	return cp, checkpointName(cp.index, cp.term) == name
}

// listCheckpoints returns the checkpoints in dir, newest (highest index)
// first.
func listCheckpoints(dir string) ([]checkpointFile, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	var cps []checkpointFile
	for _, de := range des {
		if cp, ok := parseCheckpointName(de.Name()); ok {
			cps = append(cps, cp)
		}
	}
	slices.SortFunc(cps, func(a, b checkpointFile) int {
		if a.index != b.index {
			return compareUint(b.index, a.index)
		}
		return compareUint(b.term, a.term)
	})
	return cps, nil
}

// removePartialCheckpoints removes the .part files that a crash while
// writing a checkpoint left behind. Only Open calls it: later a writer may
// be using one.
func removePartialCheckpoints(dir string) error {
	des, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list checkpoints: %w", err)
	}
	for _, de := range des {
		if name := de.Name(); strings.HasSuffix(name, checkpointSuffix+partSuffix) {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("remove partial checkpoint: %w", err)
			}
		}
	}
	return nil
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// encodeCheckpoint lays out a snapshot as Kafka does: a control batch with
// the SnapshotHeader record, batches of data records, a control batch with
// the SnapshotFooter record; offsets count records from 0 and every batch
// carries the snapshot's epoch.
func encodeCheckpoint(payload []byte, term uint64, timestamp int64) ([]byte, error) {
	epoch, err := epochOf(term)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(payload)+len(payload)/checkpointChunkBytes*16+256)
	header := record.Record{Key: controlKey(controlSnapshotHeader), Value: snapshotHeaderValue(timestamp)}
	out, err = appendBuilt(out, 0, epoch, true, timestamp, []record.Record{header})
	offset := int64(1)
	for len(payload) > 0 && err == nil {
		var recs []record.Record
		for len(payload) > 0 && len(recs) < checkpointChunksPerBatch {
			n := min(len(payload), checkpointChunkBytes)
			recs = append(recs, record.Record{Value: payload[:n]})
			payload = payload[n:]
		}
		out, err = appendBuilt(out, offset, epoch, false, timestamp, recs)
		offset += int64(len(recs))
	}
	footer := record.Record{Key: controlKey(controlSnapshotFooter), Value: []byte{0, 0, 0}}
	if err == nil {
		out, err = appendBuilt(out, offset, epoch, true, timestamp, []record.Record{footer})
	}
	return out, err
}

func appendBuilt(dst []byte, baseOffset int64, epoch int32, control bool, timestamp int64, recs []record.Record) ([]byte, error) {
	b, err := buildBatch(baseOffset, epoch, control, timestamp, recs)
	return append(dst, b...), err
}

// snapshotHeaderValue is Kafka's SnapshotHeaderRecord v0: version,
// lastContainedLogTimestamp, and an empty tagged-field section.
func snapshotHeaderValue(timestamp int64) []byte {
	b := binary.BigEndian.AppendUint16(nil, 0)
	b = binary.BigEndian.AppendUint64(b, uint64(timestamp))
	return append(b, 0)
}

// decodeCheckpoint checks a checkpoint's framing, CRCs, offsets, epochs,
// header and footer, and returns the snapshot bytes it holds.
func decodeCheckpoint(b []byte, term uint64) ([]byte, error) {
	d := checkpointDecoder{epoch: int64(term)}
	if err := eachBatch(b, d.batch); err != nil {
		return nil, err
	}
	if !d.sawFooter {
		return nil, fmt.Errorf("%w: checkpoint has no footer: the file is incomplete", errCorrupt)
	}
	return d.payload, nil
}

// checkpointDecoder checks the batches of a checkpoint one by one.
type checkpointDecoder struct {
	epoch     int64
	next      int64
	sawHeader bool
	sawFooter bool
	payload   []byte
}

func (d *checkpointDecoder) batch(h record.Header, recs []record.Record) error {
	if d.sawFooter {
		return d.fail("data after the footer")
	}
	if h.BaseOffset != d.next || int64(h.PartitionLeaderEpoch) != d.epoch || int(h.LastOffsetDelta) != len(recs)-1 {
		return d.fail("batch at offset %d (epoch %d) where %d (epoch %d) was due", h.BaseOffset, h.PartitionLeaderEpoch, d.next, d.epoch)
	}
	d.next += int64(len(recs))
	if !h.Control() {
		if !d.sawHeader {
			return d.fail("data before the header")
		}
		for _, r := range recs {
			d.payload = append(d.payload, r.Value...)
		}
		return nil
	}
	if len(recs) != 1 {
		return d.fail("control batch with %d records", len(recs))
	}
	typ, err := controlType(recs[0].Key)
	switch {
	case err != nil:
		return d.fail("%v", err)
	case typ == controlSnapshotHeader && !d.sawHeader && h.BaseOffset == 0:
		d.sawHeader = true
	case typ == controlSnapshotFooter && d.sawHeader:
		d.sawFooter = true
	default:
		return d.fail("unexpected control record type %d at offset %d", typ, h.BaseOffset)
	}
	return nil
}

func (d *checkpointDecoder) fail(format string, args ...any) error {
	return fmt.Errorf("%w: checkpoint: %s", errCorrupt, fmt.Sprintf(format, args...))
}

// writeFileAtomic writes content to dir/name through dir/name+tmpSuffix:
// write, fsync, rename, fsync the directory, so that a crash leaves either
// the old file or the whole new one.
func writeFileAtomic(dir, name, tmpSuffix string, content []byte) error {
	target := filepath.Join(dir, name)
	tmp := target + tmpSuffix
	if err := writeAndSync(tmp, content); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, target); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	return syncDir(dir)
}

func writeAndSync(path string, content []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	_, werr := f.Write(content)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	serr := d.Sync()
	cerr := d.Close()
	if err := errors.Join(serr, cerr); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// removeCheckpointsBelow deletes every checkpoint in dir whose index is
// below keepFrom.
func removeCheckpointsBelow(dir string, keepFrom uint64) error {
	cps, err := listCheckpoints(dir)
	if err != nil {
		return err
	}
	for _, cp := range cps {
		if cp.index < keepFrom {
			if err := os.Remove(filepath.Join(dir, cp.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove old checkpoint: %w", err)
			}
		}
	}
	return nil
}
