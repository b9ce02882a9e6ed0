package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// File name suffixes of a segment and of files being removed or replaced.
const (
	logSuffix       = ".log"
	indexSuffix     = ".index"
	timeIndexSuffix = ".timeindex"
	deletedSuffix   = ".deleted"
	cleanedSuffix   = ".cleaned"
	swapSuffix      = ".swap"
	tmpSuffix       = ".tmp"
)

// segmentFileName is Kafka's name for a segment file: the base offset in 20
// digits, then the suffix.
func segmentFileName(base int64, suffix string) string {
	s := strconv.FormatInt(base, 10)
	const width = 20
	var b [width + 16]byte
	n := copy(b[:], "00000000000000000000"[:max(width-len(s), 0)])
	n += copy(b[n:], s)
	return string(b[:n]) + suffix
}

// parseSegmentFileName returns the base offset of a "<20 digits>.log" name.
func parseSegmentFileName(name string) (int64, bool) {
	stem, ok := cutSuffix(name, logSuffix)
	if !ok || len(stem) != 20 {
		return 0, false
	}
	base, err := strconv.ParseInt(stem, 10, 64)
	return base, err == nil && base >= 0
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) < len(suffix) || s[len(s)-len(suffix):] != suffix {
		return s, false
	}
	return s[:len(s)-len(suffix)], true
}

// segState is the appender's state of a segment. The holder of
// Log.appendMu reads it freely and replaces it under Log.mu; every other
// goroutine copies it under Log.mu.
type segState struct {
	size       int64 // bytes of whole batches in the file
	nextOffset int64 // offset after the last batch (the base when empty)

	maxTimestamp         int64 // largest batch max timestamp; -1 when none
	offsetOfMaxTimestamp int64 // last offset of the first batch with it
	firstTimestamp       int64 // max timestamp of the first batch; -1 when none
	created              time.Time

	bytesSinceIndex int64 // bytes appended since the last offset index entry
	lastTimeEntry   int64 // timestamp of the last time index entry; -1 when none

	offsets, times indexState
	sealed         bool
}

// timeWaitedForRoll follows Kafka's LogSegment: the age of a segment is the
// new batch's timestamp minus the first batch's, or wall time since the
// segment was created when the first batch carries no timestamp.
func (st *segState) timeWaitedForRoll(now time.Time, batchMaxTimestamp int64) time.Duration {
	if st.firstTimestamp >= 0 {
		return time.Duration(batchMaxTimestamp-st.firstTimestamp) * time.Millisecond
	}
	return now.Sub(st.created)
}

// segment is one <base>.log file with its two indexes. Readers hold a
// reference while they use its files, so that retention or truncation can
// drop it from the log at any time: the files are closed when the last
// reference goes.
type segment struct {
	dir        string
	base       int64
	log        *os.File
	refs       atomic.Int32
	rollJitter time.Duration

	st segState // see segState

	// Guarded by Log.mu.
	dirty         bool // written since the last Sync
	needIndexSync bool // sealed since the last Sync: its index files need an fsync too

	files struct {
		sync.Mutex
		offsets, times *os.File
		suffix         string // "" or ".deleted" once renamed for deletion
		retired        []*os.File
		closed         bool
		sealed         *sealedInfo // loaded lazily by readers of a sealed segment
	}
}

// sealedInfo is what readers learn about a sealed segment's indexes on first
// use: the entry counts and the largest timestamp.
type sealedInfo struct {
	offsets, times       indexView
	maxTimestamp         int64
	offsetOfMaxTimestamp int64
	maxLoaded            bool
}

func (s *segment) path(suffix string) string {
	return filepath.Join(s.dir, segmentFileName(s.base, suffix))
}

// createSegment creates the files of an empty segment. Leftovers with the
// same name (from a roll that failed half way) are replaced.
func createSegment(dir string, base int64, now time.Time, cfg *Config) (*segment, error) {
	s := &segment{dir: dir, base: base, rollJitter: randomJitter(cfg)}
	s.st = emptyState(base, now)
	f, err := os.OpenFile(s.path(logSuffix), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create segment: %w", err)
	}
	s.log = f
	if cfg.Preallocate {
		preallocate(f, cfg.SegmentBytes)
	}
	for _, p := range []struct {
		suffix string
		dst    **os.File
	}{{indexSuffix, &s.files.offsets}, {timeIndexSuffix, &s.files.times}} {
		g, err := os.OpenFile(s.path(p.suffix), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			s.closeFiles()
			return nil, fmt.Errorf("create segment index: %w", err)
		}
		*p.dst = g
	}
	s.refs.Store(1)
	return s, nil
}

func emptyState(base int64, now time.Time) segState {
	return segState{
		nextOffset:           base,
		maxTimestamp:         -1,
		offsetOfMaxTimestamp: -1,
		firstTimestamp:       -1,
		created:              now,
		lastTimeEntry:        -1,
	}
}

// openSegment opens an existing segment file; its state is filled in by
// the caller (recovery or the clean-shutdown load).
func openSegment(dir string, base int64, cfg *Config) (*segment, error) {
	s := &segment{dir: dir, base: base, rollJitter: randomJitter(cfg)}
	f, err := os.OpenFile(s.path(logSuffix), os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("open segment: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat segment: %w", err)
	}
	s.log = f
	s.st = emptyState(base, time.Time{})
	s.st.size = fi.Size()
	s.refs.Store(1)
	return s, nil
}

func (s *segment) acquire() { s.refs.Add(1) }

func (s *segment) release() {
	if s.refs.Add(-1) == 0 {
		s.closeFiles()
	}
}

func (s *segment) closeFiles() {
	s.files.Lock()
	defer s.files.Unlock()
	s.files.closed = true
	for _, f := range append([]*os.File{s.log, s.files.offsets, s.files.times}, s.files.retired...) {
		if f != nil {
			f.Close()
		}
	}
}

// indexFiles returns the index files, opening them on first use.
func (s *segment) indexFiles(create bool) (offsets, times *os.File, err error) {
	s.files.Lock()
	defer s.files.Unlock()
	return s.indexFilesLocked(create)
}

func (s *segment) indexFilesLocked(create bool) (offsets, times *os.File, err error) {
	if s.files.closed {
		return nil, nil, ErrClosed
	}
	// Readers never create a missing index (Open rebuilt the missing ones;
	// one removed since belongs to a deleted segment).
	flags := os.O_RDWR
	if create && s.files.suffix == "" {
		flags |= os.O_CREATE
	}
	if s.files.offsets == nil {
		f, err := os.OpenFile(s.path(indexSuffix+s.files.suffix), flags, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("open offset index: %w", err)
		}
		s.files.offsets = f
	}
	if s.files.times == nil {
		f, err := os.OpenFile(s.path(timeIndexSuffix+s.files.suffix), flags, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("open time index: %w", err)
		}
		s.files.times = f
	}
	return s.files.offsets, s.files.times, nil
}

// setSealed records what a reader needs of a segment that was just sealed,
// so that readers do not read it back from the files.
func (s *segment) setSealed(st *segState) {
	s.files.Lock()
	defer s.files.Unlock()
	s.files.sealed = &sealedInfo{
		offsets:              indexView{f: s.files.offsets, entrySize: offsetEntrySize, flushed: st.offsets.flushed},
		times:                indexView{f: s.files.times, entrySize: timeEntrySize, flushed: st.times.flushed},
		maxTimestamp:         st.maxTimestamp,
		offsetOfMaxTimestamp: st.offsetOfMaxTimestamp,
		maxLoaded:            true,
	}
}

// unseal drops the cached reader view of a segment that truncation made
// active again.
func (s *segment) unseal() {
	s.files.Lock()
	s.files.sealed = nil
	s.files.Unlock()
}

// sealedIndexes returns the index views of a sealed segment of size bytes,
// loading them on first use. An index that fails the sanity checks is not
// used: lookups then scan the segment from its start.
func (s *segment) sealedIndexes(size int64, l *Log) (*sealedInfo, error) {
	s.files.Lock()
	sealed := s.files.sealed
	s.files.Unlock()
	if sealed != nil {
		return sealed, nil
	}
	cfg := l.Config() // Log.mu comes before the files lock
	s.files.Lock()
	defer s.files.Unlock()
	if s.files.sealed != nil {
		return s.files.sealed, nil
	}
	off, tim, err := s.indexFilesLocked(false)
	if err != nil {
		return nil, err
	}
	info := &sealedInfo{
		offsets: indexView{f: off, entrySize: offsetEntrySize},
		times:   indexView{f: tim, entrySize: timeEntrySize},
	}
	err = errors.Join(checkIndexFile(&info.offsets, s.base, size, true), checkIndexFile(&info.times, s.base, size, false))
	if err != nil {
		l.logger.Warn("rebuilding corrupt index", "segment", s.log.Name(), "err", err)
		if info, err = s.rebuildSealedLocked(size, &cfg); err != nil {
			// Unusable and not rebuilt: lookups scan from the start.
			l.logger.Warn("cannot rebuild index", "segment", s.log.Name(), "err", err)
			info = &sealedInfo{
				offsets: indexView{f: off, entrySize: offsetEntrySize},
				times:   indexView{f: tim, entrySize: timeEntrySize},
			}
		}
	}
	s.files.sealed = info
	return info, nil
}

// rebuildSealedLocked rebuilds a sealed segment's index files from its
// batches. The new files replace the old ones by rename; the old
// descriptors stay open until the segment closes, for readers that still
// search them.
func (s *segment) rebuildSealedLocked(size int64, cfg *Config) (*sealedInfo, error) {
	if s.files.suffix != "" {
		return nil, errors.New("segment is being deleted")
	}
	res := scanSegment(s.log, s.base, size, s.base, false, cfg, nil)
	if res.err != nil {
		return nil, res.err
	}
	if res.invalid != nil {
		return nil, res.invalid
	}
	files := make([]*os.File, 2)
	for i, w := range []struct {
		suffix string
		data   []byte
	}{{indexSuffix, res.offsets}, {timeIndexSuffix, res.times}} {
		path := s.path(w.suffix)
		if err := os.WriteFile(path+tmpSuffix, w.data, 0o644); err != nil {
			return nil, err
		}
		if err := os.Rename(path+tmpSuffix, path); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return nil, err
		}
		files[i] = f
	}
	s.files.retired = append(s.files.retired, s.files.offsets, s.files.times)
	s.files.offsets, s.files.times = files[0], files[1]
	return &sealedInfo{
		offsets:              indexView{f: files[0], entrySize: offsetEntrySize, flushed: len(res.offsets) / offsetEntrySize},
		times:                indexView{f: files[1], entrySize: timeEntrySize, flushed: len(res.times) / timeEntrySize},
		maxTimestamp:         res.st.maxTimestamp,
		offsetOfMaxTimestamp: res.st.offsetOfMaxTimestamp,
		maxLoaded:            true,
	}, nil
}

// checkIndexFile sets v.flushed from the file size and checks, in O(1), what
// Kafka's sanity checks check: whole entries, and first and last entries
// that fit the segment.
func checkIndexFile(v *indexView, base, segSize int64, offsets bool) error {
	fi, err := v.f.Stat()
	if err != nil {
		return err
	}
	if fi.Size()%int64(v.entrySize) != 0 {
		return fmt.Errorf("size %d is not a multiple of %d", fi.Size(), v.entrySize)
	}
	v.flushed = int(fi.Size() / int64(v.entrySize))
	if v.flushed == 0 {
		if !offsets && segSize > 0 {
			return errors.New("empty time index for a non-empty segment")
		}
		return nil
	}
	var first, last [timeEntrySize]byte
	if err := v.entry(0, first[:]); err != nil {
		return err
	}
	if err := v.entry(v.flushed-1, last[:]); err != nil {
		return err
	}
	if offsets {
		r0, p0 := offsetEntry(first[:])
		r1, p1 := offsetEntry(last[:])
		if r0 < 0 || r1 < r0 || p0 < 0 || p1 < p0 || int64(p1) >= segSize {
			return fmt.Errorf("entries (%d,%d)..(%d,%d) do not fit a segment of %d bytes", r0, p0, r1, p1, segSize)
		}
		return nil
	}
	t0, r0 := timeEntry(first[:])
	t1, r1 := timeEntry(last[:])
	if r0 < 0 || r1 < r0 || t1 < t0 {
		return fmt.Errorf("entries (%d,%d)..(%d,%d) are not increasing", t0, r0, t1, r1)
	}
	return nil
}

// renameDeleted renames the segment's files to <name>.deleted, as Kafka does
// before removing them, and returns the new paths.
func (s *segment) renameDeleted() ([]string, error) {
	s.files.Lock()
	defer s.files.Unlock()
	var paths []string
	var errs []error
	for _, suffix := range []string{logSuffix, indexSuffix, timeIndexSuffix} {
		from, to := s.path(suffix), s.path(suffix+deletedSuffix)
		if err := os.Rename(from, to); err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		paths = append(paths, to)
	}
	s.files.suffix = deletedSuffix
	return paths, errors.Join(errs...)
}

// sealedMaxTimestamp returns a sealed segment's largest timestamp and the
// last offset of the first batch with it: the last time index entry (a
// roll or close always writes it), or, when the index is unusable, a scan
// of the batch headers. The answer is cached.
func (s *segment) sealedMaxTimestamp(size int64, l *Log) (int64, int64, error) {
	info, err := s.sealedIndexes(size, l)
	if err != nil {
		return s.scanMaxTimestamp(size)
	}
	s.files.Lock()
	defer s.files.Unlock()
	if info.maxLoaded {
		return info.maxTimestamp, info.offsetOfMaxTimestamp, nil
	}
	ts, off := int64(-1), int64(-1)
	if n := info.times.flushed; n > 0 {
		var e [timeEntrySize]byte
		if err := info.times.entry(n-1, e[:]); err != nil {
			return 0, 0, err
		}
		t, rel := timeEntry(e[:])
		ts, off = t, s.base+int64(rel)
	} else if size > 0 {
		if ts, off, err = s.scanMaxTimestamp(size); err != nil {
			return 0, 0, err
		}
	}
	info.maxTimestamp, info.offsetOfMaxTimestamp, info.maxLoaded = ts, off, true
	return ts, off, nil
}

func (s *segment) scanMaxTimestamp(size int64) (int64, int64, error) {
	var sc scanner
	sc.init(s.log, size, recoverChunkBytes)
	defer sc.close()
	ts, off := int64(-1), int64(-1)
	for pos := int64(0); ; {
		h, err := sc.header(pos)
		if err == errEndOfSegment {
			return ts, off, nil
		}
		if err != nil {
			return 0, 0, err
		}
		if h.MaxTimestamp > ts {
			ts, off = h.MaxTimestamp, h.LastOffset()
		}
		pos += int64(h.Size())
	}
}
