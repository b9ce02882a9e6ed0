package storage

import (
	"encoding/binary"
	"fmt"
	"os"
	"sort"
	"sync"
)

// Index entry sizes, as in Kafka's OffsetIndex and TimeIndex.
const (
	offsetEntrySize = 8  // int32 offset relative to the segment base, int32 file position
	timeEntrySize   = 12 // int64 timestamp, int32 offset relative to the segment base

	// indexTailFlushBytes bounds the unwritten index entries kept in memory
	// for the active segment; past it the appender writes them out (about
	// one extra write per 2 MiB of data at the default interval).
	indexTailFlushBytes = 4096

	// indexWindowBytes is the span below which a file search stops bisecting
	// with one read per probe and reads the rest at once.
	indexWindowBytes = 4096
)

// indexState is the appender's view of one index of a segment: entries
// [0, flushed) are in the file, the tail follows them in memory.
//
// Readers copy an indexState under Log.mu and search it without locks: the
// appender only ever writes past the published tail (or into a fresh slice),
// never inside bytes a reader may hold.
type indexState struct {
	flushed int
	tail    []byte
}

func (s indexState) count(entrySize int) int { return s.flushed + len(s.tail)/entrySize }

// indexView is a searchable index: a file prefix and a memory tail.
type indexView struct {
	f         *os.File
	entrySize int
	flushed   int
	tail      []byte
}

func (v indexView) count() int { return v.flushed + len(v.tail)/v.entrySize }

var indexBufPool = sync.Pool{New: func() any { b := make([]byte, indexWindowBytes+timeEntrySize); return &b }}

// floor returns the largest entry i for which le holds (le must hold for a
// prefix of the entries), copied into out, or -1 when le holds for none.
func (v indexView) floor(le func(e []byte) bool, out []byte) (int, error) {
	size := v.entrySize
	tailN := len(v.tail) / size
	// A reader at the log end usually lands in the tail: try it first.
	if tailN > 0 && le(v.tail[:size]) {
		i := sort.Search(tailN, func(i int) bool { return !le(v.tail[i*size : (i+1)*size]) }) - 1
		copy(out, v.tail[i*size:(i+1)*size])
		return v.flushed + i, nil
	}
	if v.flushed == 0 || v.f == nil {
		return -1, nil
	}
	bp := indexBufPool.Get().(*[]byte)
	defer indexBufPool.Put(bp)
	buf := *bp
	// Invariant: le holds below lo and fails at hi and above.
	lo, hi := 0, v.flushed
	for (hi-lo)*size > indexWindowBytes {
		mid := int(uint(lo+hi) >> 1)
		if err := readFull(v.f, buf[:size], int64(mid*size)); err != nil {
			return -1, err
		}
		if le(buf[:size]) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	first := max(lo-1, 0)
	window := buf[:(hi-first)*size]
	if err := readFull(v.f, window, int64(first*size)); err != nil {
		return -1, err
	}
	n := len(window) / size
	j := sort.Search(n, func(i int) bool { return !le(window[i*size : (i+1)*size]) }) - 1
	if j < 0 {
		return -1, nil
	}
	copy(out, window[j*size:(j+1)*size])
	return first + j, nil
}

// entry reads entry i into out.
func (v indexView) entry(i int, out []byte) error {
	size := v.entrySize
	if i >= v.flushed {
		k := i - v.flushed
		copy(out, v.tail[k*size:(k+1)*size])
		return nil
	}
	return readFull(v.f, out[:size], int64(i*size))
}

// readAll returns all entries in one slice (for rare whole-index work:
// truncation, sanity checks).
func (v indexView) readAll() ([]byte, error) {
	b := make([]byte, v.flushed*v.entrySize, v.count()*v.entrySize)
	if len(b) > 0 {
		if err := readFull(v.f, b, 0); err != nil {
			return nil, err
		}
	}
	return append(b, v.tail...), nil
}

func readFull(f *os.File, b []byte, off int64) error {
	n, err := f.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil {
		err = fmt.Errorf("short read of %d of %d bytes", n, len(b))
	}
	return fmt.Errorf("read %s at %d: %w", f.Name(), off, err)
}

// Offset index entries.

func appendOffsetEntry(b []byte, relOffset int32, position int32) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(relOffset))
	return binary.BigEndian.AppendUint32(b, uint32(position))
}

func offsetEntry(e []byte) (relOffset int32, position int32) {
	return int32(binary.BigEndian.Uint32(e)), int32(binary.BigEndian.Uint32(e[4:]))
}

// Time index entries.

func appendTimeEntry(b []byte, timestamp int64, relOffset int32) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(timestamp))
	return binary.BigEndian.AppendUint32(b, uint32(relOffset))
}

func timeEntry(e []byte) (timestamp int64, relOffset int32) {
	return int64(binary.BigEndian.Uint64(e)), int32(binary.BigEndian.Uint32(e[8:]))
}

// lookupPosition returns the file position from which a scan for offset
// must start: that of the last indexed batch whose last offset is <= offset,
// with that last offset (-1 when the scan starts at the segment start).
func lookupPosition(v indexView, base, offset int64) (pos, lastOffset int64, err error) {
	if offset <= base {
		return 0, -1, nil
	}
	var out [offsetEntrySize]byte
	rel := offset - base
	i, err := v.floor(func(e []byte) bool { r, _ := offsetEntry(e); return int64(r) <= rel }, out[:])
	if err != nil || i < 0 {
		return 0, -1, err
	}
	r, p := offsetEntry(out[:])
	return int64(p), base + int64(r), nil
}

// lookupTime returns the entry with the largest timestamp <= ts, as an
// absolute offset, or ok=false.
func lookupTime(v indexView, base, ts int64) (timestamp, offset int64, ok bool, err error) {
	var out [timeEntrySize]byte
	i, err := v.floor(func(e []byte) bool { t, _ := timeEntry(e); return t <= ts }, out[:])
	if err != nil || i < 0 {
		return 0, 0, false, err
	}
	t, rel := timeEntry(out[:])
	return t, base + int64(rel), true, nil
}

// writeIndexTail writes the in-memory entries of an index to its file and
// returns the state with an empty tail.
func writeIndexTail(f *os.File, s indexState, entrySize int) (indexState, error) {
	if len(s.tail) == 0 {
		return s, nil
	}
	if _, err := f.WriteAt(s.tail, int64(s.flushed*entrySize)); err != nil {
		return s, fmt.Errorf("write index %s: %w", f.Name(), err)
	}
	return indexState{flushed: s.flushed + len(s.tail)/entrySize}, nil
}
