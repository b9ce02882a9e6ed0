package storage

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"samsa/internal/record"
)

// cleanShutdownFile is the per-log clean-shutdown marker. Close writes it
// after every segment and index is durable; the first change after Open
// removes it (durably). Its content pins the state it vouches for, so a
// marker that does not match the files is ignored.
const cleanShutdownFile = ".samsa_cleanshutdown"

type shutdownMarker struct {
	logEndOffset int64
	activeBase   int64
	activeSize   int64
}

func (m shutdownMarker) encode() []byte {
	return fmt.Appendf(nil, "version: 0\nlog_end_offset: %d\nactive_base_offset: %d\nactive_size: %d\n",
		m.logEndOffset, m.activeBase, m.activeSize)
}

func readMarker(dir string) (shutdownMarker, bool) {
	data, err := os.ReadFile(filepath.Join(dir, cleanShutdownFile))
	if err != nil {
		return shutdownMarker{}, false
	}
	var m shutdownMarker
	var version int
	_, err = fmt.Sscanf(string(data), "version: %d\nlog_end_offset: %d\nactive_base_offset: %d\nactive_size: %d\n",
		&version, &m.logEndOffset, &m.activeBase, &m.activeSize)
	return m, err == nil && version == 0
}

func removeMarker(dir string) error {
	err := os.Remove(filepath.Join(dir, cleanShutdownFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove clean-shutdown marker: %w", err)
	}
	return syncDir(dir)
}

// Open opens (creating if needed) the log in opts.Dir. After a clean Close
// it trusts the files and checks only the active segment's indexes; after
// an unclean stop it validates every batch from the segment holding
// opts.RecoveryPoint on and truncates at the first invalid one. A directory
// that Open can read always opens: garbage is cut away, never fatal.
func Open(opts Options) (*Log, error) {
	if err := opts.Config.Validate(); err != nil {
		return nil, fmt.Errorf("open log %s: %w", opts.Dir, err)
	}
	l := &Log{dir: opts.Dir, now: opts.Now}
	if l.now == nil {
		l.now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	l.logger = logger.With("dir", opts.Dir)
	l.deleter.logger = l.logger
	l.mu.config = opts.Config
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	if err := l.load(opts); err != nil {
		for _, s := range l.mu.segments {
			s.release()
		}
		return nil, fmt.Errorf("open log %s: %w", opts.Dir, err)
	}
	return l, nil
}

// dirListing is what Open learns from one directory read.
type dirListing struct {
	bases   []int64
	indexes map[string]bool // index file names present
}

// scanDir lists the segments and removes what an interrupted operation
// left: files renamed for deletion, cleaner output, swap and temporary
// files, and index files without a segment.
func (l *Log) scanDir() (dirListing, error) {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return dirListing{}, fmt.Errorf("list: %w", err)
	}
	lst := dirListing{indexes: make(map[string]bool)}
	logs := make(map[string]bool)
	var indexNames []string
	var removed int
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		switch {
		case strings.HasSuffix(name, deletedSuffix), strings.HasSuffix(name, cleanedSuffix),
			strings.HasSuffix(name, swapSuffix), strings.HasSuffix(name, tmpSuffix):
			// No compaction writes .cleaned/.swap yet, so a .swap is never the
			// only copy of its data.
			if err := os.Remove(filepath.Join(l.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return lst, fmt.Errorf("remove leftover: %w", err)
			}
			removed++
		case strings.HasSuffix(name, logSuffix):
			if base, ok := parseSegmentFileName(name); ok {
				lst.bases = append(lst.bases, base)
				logs[strings.TrimSuffix(name, logSuffix)] = true
			}
		case strings.HasSuffix(name, indexSuffix), strings.HasSuffix(name, timeIndexSuffix):
			indexNames = append(indexNames, name)
		}
	}
	for _, name := range indexNames {
		stem := strings.TrimSuffix(strings.TrimSuffix(name, indexSuffix), timeIndexSuffix)
		if len(stem) == 20 && !logs[stem] {
			os.Remove(filepath.Join(l.dir, name))
			removed++
			continue
		}
		lst.indexes[name] = true
	}
	if removed > 0 {
		l.logger.Info("removed leftover files", "count", removed)
	}
	sort.Slice(lst.bases, func(i, j int) bool { return lst.bases[i] < lst.bases[j] })
	return lst, nil
}

func (l *Log) load(opts Options) error {
	lst, err := l.scanDir()
	if err != nil {
		return err
	}
	epochs, epochsOK := l.readEpochs()
	marker, clean := readMarker(l.dir)
	cfg := &l.mu.config
	segs := make([]*segment, 0, len(lst.bases))
	for _, base := range lst.bases {
		s, err := openSegment(l.dir, base, cfg)
		if err != nil {
			l.mu.segments = segs
			return err
		}
		segs = append(segs, s)
	}
	l.mu.segments = segs
	recoveredFrom := int64(-1)
	if len(segs) > 0 {
		if clean {
			clean = l.loadClean(marker, lst)
		}
		if !clean {
			if recoveredFrom, err = l.recoverUnclean(opts.RecoveryPoint, lst, &epochs); err != nil {
				return err
			}
		}
	}
	if len(l.mu.segments) == 0 || l.active().st.nextOffset < opts.LogStartOffset {
		if err := l.startEmptyAt(opts.LogStartOffset); err != nil {
			return err
		}
		epochs = epochCache{}
		epochsOK = false
		recoveredFrom = -1
	}
	return l.finishLoad(opts, epochs, epochsOK, clean, recoveredFrom)
}

func (l *Log) finishLoad(opts Options, epochs epochCache, epochsOK, clean bool, recoveredFrom int64) error {
	segs := l.mu.segments
	act := l.active()
	l.mu.logEndOffset = act.st.nextOffset
	l.mu.logStartOffset = max(opts.LogStartOffset, segs[0].base)
	for _, s := range segs {
		l.mu.size += s.st.size
	}
	changed := epochs.truncateFromEnd(l.mu.logEndOffset)
	changed = epochs.truncateFromStart(l.mu.logStartOffset) || changed
	l.mu.epochs = epochs
	if changed || !epochsOK {
		if err := l.writeEpochsLocked(); err != nil {
			return err
		}
	}
	l.mu.durable = l.mu.logEndOffset
	if recoveredFrom >= 0 {
		// The recovered tail may sit in the page cache only (the process
		// died, the machine did not): the first Sync makes it durable.
		l.mu.durable = recoveredFrom
		for _, s := range segs {
			if s.base >= recoveredFrom {
				l.markDirtyLocked(s)
			}
		}
		l.mu.dirDirty = true
	}
	l.markerPresent = clean
	if !clean {
		// A marker that did not match is stale; it needs no fsync to go, a
		// resurrected one would not match again.
		os.Remove(filepath.Join(l.dir, cleanShutdownFile))
	}
	return nil
}

// startEmptyAt replaces all segments with one empty segment at offset: the
// directory was empty, or everything in it lies below the checkpointed log
// start offset (Kafka's LogLoader does the same).
func (l *Log) startEmptyAt(offset int64) error {
	if len(l.mu.segments) > 0 {
		l.logger.Warn("log ends below the log start offset; starting empty",
			"log_end_offset", l.active().st.nextOffset, "log_start_offset", offset)
		l.removeSegmentsNow(l.mu.segments)
	}
	s, err := createSegment(l.dir, offset, l.now(), &l.mu.config)
	if err != nil {
		return err
	}
	l.mu.segments = []*segment{s}
	return syncDir(l.dir)
}

// removeSegmentsNow closes and removes segments during Open, when no
// reader can hold them.
func (l *Log) removeSegmentsNow(segs []*segment) {
	for _, s := range segs {
		l.mu.Lock()
		l.removeDirtyLocked(s)
		l.mu.Unlock()
		s.release()
		for _, suffix := range []string{logSuffix, indexSuffix, timeIndexSuffix} {
			if err := os.Remove(s.path(suffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
				l.logger.Warn("cannot remove segment file", "file", s.path(suffix), "err", err)
			}
		}
	}
}

func (l *Log) readEpochs() (epochCache, bool) {
	path := filepath.Join(l.dir, LeaderEpochCheckpointFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return epochCache{}, true
	}
	if err == nil {
		var entries []EpochEntry
		if entries, err = parseEpochCheckpoint(data); err == nil {
			return epochCache{entries: entries}, true
		}
	}
	// Recovery re-learns the epochs of the batches it scans; older ones are
	// lost, which only makes OffsetForLeaderEpoch answers coarser.
	l.logger.Warn("ignoring unreadable leader-epoch checkpoint", "file", path, "err", err)
	return epochCache{}, false
}

// writeEpochsLocked writes the leader-epoch checkpoint; the caller holds
// appendMu (or is Open).
func (l *Log) writeEpochsLocked() error {
	l.mu.Lock()
	data := encodeEpochCheckpoint(l.mu.epochs.entries)
	l.mu.Unlock()
	return writeFileAtomic(filepath.Join(l.dir, LeaderEpochCheckpointFile), data)
}

// loadClean loads the segments after a clean shutdown: sealed segments are
// trusted (missing indexes are rebuilt), the active one is checked against
// the marker and its indexes sanity-checked. It reports false when the
// files do not match the marker, and the caller recovers as after a crash.
func (l *Log) loadClean(m shutdownMarker, lst dirListing) bool {
	segs := l.mu.segments
	act := segs[len(segs)-1]
	if act.base != m.activeBase || act.st.size != m.activeSize {
		l.logger.Warn("clean-shutdown marker does not match the active segment; recovering",
			"marker_base", m.activeBase, "marker_size", m.activeSize, "base", act.base, "size", act.st.size)
		return false
	}
	if err := l.loadActive(act); err != nil {
		l.logger.Warn("active segment failed its checks after a clean shutdown; recovering", "err", err)
		return false
	}
	if act.st.nextOffset != m.logEndOffset {
		l.logger.Warn("log end offset does not match the clean-shutdown marker; recovering",
			"marker", m.logEndOffset, "found", act.st.nextOffset)
		return false
	}
	for i, s := range segs[:len(segs)-1] {
		s.st.nextOffset = segs[i+1].base
		s.st.sealed = true
		if !lst.indexes[segmentFileName(s.base, indexSuffix)] || !lst.indexes[segmentFileName(s.base, timeIndexSuffix)] {
			if _, err := l.rebuildIndexes(s, s.base, false, nil); err != nil {
				l.logger.Warn("cannot rebuild missing index", "segment", s.path(logSuffix), "err", err)
			}
		}
	}
	return true
}

// loadActive fills in the active segment's state after a clean shutdown:
// it checks both indexes and reads the batch headers after the last offset
// index entry. Any inconsistency is an error (the caller recovers).
func (l *Log) loadActive(s *segment) error {
	off, tim, err := s.indexFiles(true)
	if err != nil {
		return err
	}
	ov := indexView{f: off, entrySize: offsetEntrySize}
	tv := indexView{f: tim, entrySize: timeEntrySize}
	if err := checkIndexFile(&ov, s.base, s.st.size, true); err != nil {
		return fmt.Errorf("offset index %s: %w", off.Name(), err)
	}
	if err := checkIndexFile(&tv, s.base, s.st.size, false); err != nil {
		return fmt.Errorf("time index %s: %w", tim.Name(), err)
	}
	st := emptyState(s.base, l.now())
	st.size = s.st.size
	st.offsets = indexState{flushed: ov.flushed}
	st.times = indexState{flushed: tv.flushed}
	var sc scanner
	sc.init(s.log, st.size, readChunkBytes)
	defer sc.close()
	var pos int64
	if ov.flushed > 0 {
		var e [offsetEntrySize]byte
		if err := ov.entry(ov.flushed-1, e[:]); err != nil {
			return err
		}
		rel, p := offsetEntry(e[:])
		h, err := sc.header(int64(p))
		if err != nil || h.LastOffset() != s.base+int64(rel) {
			return fmt.Errorf("last offset index entry (%d, %d) does not point at its batch", rel, p)
		}
		pos = int64(p)
	}
	if tv.flushed > 0 {
		var e [timeEntrySize]byte
		if err := tv.entry(tv.flushed-1, e[:]); err != nil {
			return err
		}
		ts, rel := timeEntry(e[:])
		st.maxTimestamp, st.offsetOfMaxTimestamp, st.lastTimeEntry = ts, s.base+int64(rel), ts
	}
	st.bytesSinceIndex = st.size - pos
	prev := s.base
	for {
		h, err := sc.header(pos)
		if err == errEndOfSegment {
			break
		}
		if err != nil {
			return err
		}
		if reason := checkBatchOffsets(s.base, prev, h.BaseOffset, h.LastOffset()); reason != "" {
			return fmt.Errorf("batch at %d: %s", pos, reason)
		}
		prev = h.NextOffset()
		if h.MaxTimestamp > st.maxTimestamp {
			st.maxTimestamp, st.offsetOfMaxTimestamp = h.MaxTimestamp, h.LastOffset()
		}
		st.nextOffset = h.NextOffset()
		pos += int64(h.Size())
	}
	if st.offsetOfMaxTimestamp >= st.nextOffset {
		return fmt.Errorf("time index points at offset %d past the end %d", st.offsetOfMaxTimestamp, st.nextOffset)
	}
	if st.size > 0 {
		h, err := sc.header(0)
		if err != nil {
			return err
		}
		st.firstTimestamp = h.MaxTimestamp
	}
	s.st = st
	return nil
}

// recoverUnclean validates the log after a crash: segments from the one
// holding recoveryPoint on are read batch by batch (header, length, CRC,
// increasing offsets) and cut at the first invalid batch; the segments
// after a cut are removed. Earlier segments are trusted, but indexes that
// are missing or fail the sanity checks are rebuilt. It returns the offset
// from which data was recovered (not known to be durable).
func (l *Log) recoverUnclean(recoveryPoint int64, lst dirListing, epochs *epochCache) (int64, error) {
	segs := l.mu.segments
	start := min(l.floorSegmentLocked(recoveryPoint), len(segs)-1)
	for i, s := range segs[:start] {
		s.st.nextOffset = segs[i+1].base
		s.st.sealed = true
		l.checkSealedIndexes(s, lst)
	}
	expect := segs[start].base
	for i := start; i < len(segs); i++ {
		s := segs[i]
		if s.base < expect {
			l.logger.Warn("segment overlaps the previous one; removing it and those after it",
				"file", s.path(logSuffix), "base_offset", s.base, "previous_end_offset", expect)
			l.removeSegmentsNow(segs[i:])
			segs = segs[:i]
			break
		}
		cut, err := l.rebuildIndexes(s, expect, true, epochs)
		if err != nil {
			return 0, err
		}
		expect = s.st.nextOffset
		if cut && i+1 < len(segs) {
			l.logger.Warn("removing segments after a truncated one", "count", len(segs)-i-1)
			l.removeSegmentsNow(segs[i+1:])
			segs = segs[:i+1]
			break
		}
	}
	for _, s := range segs[start : len(segs)-1] {
		s.st.sealed = true
		s.setSealed(&s.st)
		l.markIndexesRebuilt(s)
	}
	act := segs[len(segs)-1]
	act.st.sealed = false
	act.st.created = l.now()
	l.mu.segments = segs
	return segs[min(start, len(segs)-1)].base, nil
}

// checkSealedIndexes rebuilds a trusted segment's indexes when they are
// missing or fail the O(1) sanity checks.
func (l *Log) checkSealedIndexes(s *segment, lst dirListing) {
	ok := lst.indexes[segmentFileName(s.base, indexSuffix)] && lst.indexes[segmentFileName(s.base, timeIndexSuffix)]
	if ok {
		off, tim, err := s.indexFiles(false)
		if err == nil {
			ov := indexView{f: off, entrySize: offsetEntrySize}
			tv := indexView{f: tim, entrySize: timeEntrySize}
			err = errors.Join(checkIndexFile(&ov, s.base, s.st.size, true), checkIndexFile(&tv, s.base, s.st.size, false))
		}
		if err == nil {
			return
		}
		l.logger.Warn("rebuilding index that fails its sanity check", "segment", s.path(logSuffix), "err", err)
	}
	next := s.st.nextOffset
	if _, err := l.rebuildIndexes(s, s.base, false, nil); err != nil {
		l.logger.Warn("cannot rebuild index", "segment", s.path(logSuffix), "err", err)
	}
	s.st.nextOffset = max(s.st.nextOffset, next)
	s.st.sealed = true
}

// rebuildIndexes reads a segment's batches from the start, rebuilds its
// state and both index files, and, when verify is set, checks every batch's
// CRC and offsets and truncates the file at the first invalid one (logging
// the cut). It reports whether it cut. Epochs of verified batches are
// assigned in epochs.
func (l *Log) rebuildIndexes(s *segment, expect int64, verify bool, epochs *epochCache) (bool, error) {
	cfg := &l.mu.config
	res := scanSegment(s.log, s.base, s.st.size, expect, verify, cfg, epochs)
	if res.err != nil {
		return false, res.err
	}
	if res.invalid != nil {
		dropped := s.st.size - res.st.size
		l.logger.Warn("truncating invalid or torn log tail", "file", s.path(logSuffix),
			"position", res.st.size, "bytes_dropped", dropped, "reason", res.invalid.reason)
		if err := s.log.Truncate(res.st.size); err != nil {
			return false, fmt.Errorf("truncate %s: %w", s.path(logSuffix), err)
		}
	}
	res.st.created = s.st.created
	res.st.sealed = s.st.sealed
	s.st = res.st
	if err := writeIndexFiles(s, res.offsets, res.times); err != nil {
		return false, err
	}
	s.st.offsets = indexState{flushed: len(res.offsets) / offsetEntrySize}
	s.st.times = indexState{flushed: len(res.times) / timeEntrySize}
	if s.st.sealed {
		s.setSealed(&s.st)
		l.markIndexesRebuilt(s)
	}
	return res.invalid != nil, nil
}

// markIndexesRebuilt queues a sealed segment whose index files Open
// rewrote, so that the first Sync makes them durable before the recovery
// point moves past it.
func (l *Log) markIndexesRebuilt(s *segment) {
	l.mu.Lock()
	s.needIndexSync = true
	l.markDirtyLocked(s)
	l.mu.Unlock()
}

func writeIndexFiles(s *segment, offsets, times []byte) error {
	off, tim, err := s.indexFiles(true)
	if err != nil {
		return err
	}
	for _, w := range []struct {
		f *os.File
		b []byte
	}{{off, offsets}, {tim, times}} {
		if _, err := w.f.WriteAt(w.b, 0); err != nil {
			return fmt.Errorf("write index: %w", err)
		}
		if err := w.f.Truncate(int64(len(w.b))); err != nil {
			return fmt.Errorf("truncate index: %w", err)
		}
	}
	return nil
}

type scanResult struct {
	st             segState
	offsets, times []byte
	invalid        *invalidBatchError
	err            error // an I/O error: nothing is known about the data
}

// scanSegment reads a whole segment and computes its state and indexes the
// way appends would have built them (Kafka's LogSegment.recover).
func scanSegment(f *os.File, base, size, expect int64, verify bool, cfg *Config, epochs *epochCache) scanResult {
	var sc scanner
	sc.init(f, size, recoverChunkBytes)
	defer sc.close()
	res := scanResult{st: emptyState(base, time.Time{})}
	st := &res.st
	st.nextOffset = expect
	var pos, lastIndexPos int64
	for {
		h, err := sc.header(pos)
		if err == errEndOfSegment {
			break
		}
		if err != nil {
			res.invalid = asInvalid(err, pos)
			if res.invalid == nil {
				res.err = err
			}
			break
		}
		if reason := checkBatchOffsets(base, st.nextOffset, h.BaseOffset, h.LastOffset()); reason != "" {
			res.invalid = &invalidBatchError{pos, reason}
			break
		}
		if verify {
			b, err := sc.bytes(pos, h.Size())
			if err != nil {
				res.err = err
				break
			}
			if !record.CheckCRC(b) {
				res.invalid = &invalidBatchError{pos, "crc mismatch"}
				break
			}
			if epochs != nil && h.PartitionLeaderEpoch >= 0 {
				if last, ok := epochs.latest(); !ok || h.PartitionLeaderEpoch > last.Epoch {
					epochs.assign(h.PartitionLeaderEpoch, h.BaseOffset)
				}
			}
		}
		if h.MaxTimestamp > st.maxTimestamp {
			st.maxTimestamp, st.offsetOfMaxTimestamp = h.MaxTimestamp, h.LastOffset()
		}
		if pos == 0 {
			st.firstTimestamp = h.MaxTimestamp
		}
		if pos-lastIndexPos > cfg.IndexIntervalBytes && len(res.offsets)/offsetEntrySize < cfg.maxOffsetEntries() {
			res.offsets = appendOffsetEntry(res.offsets, int32(h.LastOffset()-base), int32(pos))
			if st.maxTimestamp > st.lastTimeEntry && len(res.times)/timeEntrySize < cfg.maxTimeEntries()-1 {
				res.times = appendTimeEntry(res.times, st.maxTimestamp, int32(st.offsetOfMaxTimestamp-base))
				st.lastTimeEntry = st.maxTimestamp
			}
			lastIndexPos = pos
		}
		pos += int64(h.Size())
		st.nextOffset = h.NextOffset()
	}
	st.size = pos
	st.bytesSinceIndex = pos - lastIndexPos
	// The entry a roll or a close would have written last.
	if st.maxTimestamp > st.lastTimeEntry {
		res.times = appendTimeEntry(res.times, st.maxTimestamp, int32(st.offsetOfMaxTimestamp-base))
		st.lastTimeEntry = st.maxTimestamp
	}
	return res
}

func asInvalid(err error, pos int64) *invalidBatchError {
	var ib *invalidBatchError
	if errors.As(err, &ib) {
		return ib
	}
	return nil
}

// checkBatchOffsets checks that a batch continues the segment: offsets
// increase, and the last one fits the int32 relative offsets of the indexes.
func checkBatchOffsets(base, next, batchBase, batchLast int64) string {
	if batchBase < next {
		return "base offset " + strconv.FormatInt(batchBase, 10) + " below the expected " + strconv.FormatInt(next, 10)
	}
	if batchLast-base > 1<<31-1 {
		return "offset " + strconv.FormatInt(batchLast, 10) + " too far from the segment base"
	}
	return ""
}
