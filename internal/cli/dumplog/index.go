package dumplog

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"samsa/internal/record"
)

const (
	offsetEntrySize = 8  // int32 relative offset, int32 position
	timeEntrySize   = 12 // int64 timestamp, int32 relative offset
)

// indexFile is an offset or time index read whole (they are small: 10 MiB
// at most by default).
type indexFile struct {
	path       string
	abs        string
	baseOffset int64
	data       []byte
	entrySize  int
}

func readIndex(path string, entrySize int) (*indexFile, error) {
	base := filepath.Base(path)
	stem := strings.Split(base, ".")[0]
	baseOffset, err := strconv.ParseInt(stem, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("For input string: %q: an index file is named by its segment's base offset", stem)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, openError(path, err)
	}
	abs, _ := filepath.Abs(path)
	return &indexFile{path: path, abs: abs, baseOffset: baseOffset, data: data, entrySize: entrySize}, nil
}

func (x *indexFile) entries() int { return len(x.data) / x.entrySize }

// offsetEntry returns entry i of an offset index.
func (x *indexFile) offsetEntry(i int) (offset int64, position int64) {
	e := x.data[i*offsetEntrySize:]
	return x.baseOffset + int64(int32(binary.BigEndian.Uint32(e))), int64(int32(binary.BigEndian.Uint32(e[4:])))
}

// timeEntry returns entry i of a time index.
func (x *indexFile) timeEntry(i int) (timestamp, offset int64) {
	e := x.data[i*timeEntrySize:]
	return int64(binary.BigEndian.Uint64(e)), x.baseOffset + int64(int32(binary.BigEndian.Uint32(e[8:])))
}

// siblingLog is the segment file an index belongs to.
func siblingLog(path string) string {
	dir, base := filepath.Split(path)
	return filepath.Join(dir, strings.Split(base, ".")[0]+".log")
}

// dumpIndex prints an offset index, checking each entry against the
// segment: the batch at the entry's position must end at the entry's
// offset.
func (d *dumper) dumpIndex(path string) error {
	x, err := readIndex(path, offsetEntrySize)
	if err != nil {
		return err
	}
	log, err := openSegment(siblingLog(path), math.MaxInt64)
	if err != nil {
		return err
	}
	defer log.f.Close()
	n := x.entries()
	if n == 0 {
		fmt.Fprintf(d.out, "%s is empty.\n", path)
		return nil
	}
	if d.opts.indexSanityOnly {
		if last, _ := x.offsetEntry(n - 1); last < x.baseOffset {
			return fmt.Errorf("Corrupt index found, index file %s has non-zero size but the last offset is %d which is less than the base offset %d", x.abs, last, x.baseOffset)
		}
		if len(x.data)%offsetEntrySize != 0 {
			return fmt.Errorf("Index file %s is corrupt, found %d bytes which is neither positive nor a multiple of %d", x.abs, len(x.data), offsetEntrySize)
		}
		fmt.Fprintf(d.out, "%s passed sanity check.\n", path)
		return nil
	}
	for i := range n {
		offset, position := x.offsetEntry(i)
		// A crash can leave zeroed entries at the end of a
		// preallocated index; the first repeat of the base ends it.
		if offset == x.baseOffset && i > 0 {
			return nil
		}
		b, err := log.batchAt(position)
		if err != nil {
			return err
		}
		if b == nil {
			return fmt.Errorf("index entry %d of %s points at position %d, past the last batch of %s", i, path, position, log.name)
		}
		h, err := record.ParseHeader(b)
		if err != nil {
			return fmt.Errorf("batch at position %d of %s: %w", position, log.name, err)
		}
		if h.LastOffset() != offset {
			d.note(&d.indexMismatches, x.abs, offset, h.LastOffset())
		}
		if !d.opts.verifyOnly {
			fmt.Fprintf(d.out, "offset: %d position: %d\n", offset, position)
		}
	}
	return nil
}

// dumpTimeIndex prints a time index, checking each entry against the
// largest timestamp of the batch holding its offset.
func (d *dumper) dumpTimeIndex(path string) error {
	x, err := readIndex(path, timeEntrySize)
	if err != nil {
		return err
	}
	log, err := openSegment(siblingLog(path), math.MaxInt64)
	if err != nil {
		return err
	}
	defer log.f.Close()
	offsets, err := readIndex(strings.TrimSuffix(path, ".timeindex")+".index", offsetEntrySize)
	if err != nil {
		return err
	}
	n := x.entries()
	if d.opts.indexSanityOnly {
		if n > 0 {
			lastTs, lastOffset := x.timeEntry(n - 1)
			firstTs, _ := x.timeEntry(0)
			if lastTs < firstTs {
				return fmt.Errorf("Corrupt time index found, time index file (%s) has non-zero size but the last timestamp is %d which is less than the first timestamp %d", x.abs, lastTs, firstTs)
			}
			if lastOffset < x.baseOffset {
				return fmt.Errorf("Corrupt time index found, time index file (%s) has non-zero size but the last offset is %d which is less than the first offset %d", x.abs, lastOffset, x.baseOffset)
			}
		}
		if len(x.data)%timeEntrySize != 0 {
			return fmt.Errorf("Time index file %s is corrupt, found %d bytes which is neither positive nor a multiple of %d", x.abs, len(x.data), timeEntrySize)
		}
		fmt.Fprintf(d.out, "%s passed sanity check.\n", path)
		return nil
	}
	prev := int64(-1) // Kafka's NO_TIMESTAMP
	for i := range n {
		ts, offset := x.timeEntry(i)
		if offset == x.baseOffset && i > 0 {
			return nil
		}
		found, err := d.batchEnding(log, offsets.lookup(offset), offset)
		if err != nil {
			return err
		}
		switch {
		case found == nil:
			d.note(&d.timeNotFound, x.abs, offset, -1)
		case found.LastOffset() != offset:
			d.note(&d.timeNotFound, x.abs, offset, found.LastOffset())
		default:
			if found.MaxTimestamp != ts {
				d.note(&d.timeMismatches, x.abs, ts, found.MaxTimestamp)
			}
			if prev >= ts {
				d.note(&d.timeOutOfOrder, x.abs, ts, prev)
			}
		}
		if !d.opts.verifyOnly {
			fmt.Fprintf(d.out, "timestamp: %d offset: %d\n", ts, offset)
		}
		prev = ts
	}
	return nil
}

// lookup is the position of the last offset-index entry at or below
// target, 0 when none.
func (x *indexFile) lookup(target int64) int64 {
	pos := int64(0)
	for i := range x.entries() {
		o, p := x.offsetEntry(i)
		if o > target || (o == x.baseOffset && i > 0) {
			break
		}
		pos = p
	}
	return pos
}

// batchEnding finds the first batch from pos whose last offset is at least
// offset, nil when there is none.
func (d *dumper) batchEnding(log *segmentFile, pos, offset int64) (*record.Header, error) {
	for {
		b, err := log.batchAt(pos)
		if err != nil || b == nil {
			return nil, err
		}
		h, err := record.ParseHeader(b)
		if err != nil {
			return nil, fmt.Errorf("batch at position %d of %s: %w", pos, log.name, err)
		}
		if h.LastOffset() >= offset {
			return &h, nil
		}
		pos += int64(len(b))
	}
}
