// Package storage is the partition log: Kafka's on-disk layout of segments
// (<base offset>.log), sparse offset indexes (.index), time indexes
// (.timeindex) and the leader-epoch checkpoint, with roll, retention and
// crash recovery.
//
// This file fixes the API that the replica manager and the metadata quorum
// build on. The implementation is in the other files of the package.
//
// # On disk
//
// A partition directory holds, as Kafka's does:
//
//	00000000000000000000.log        record batches, exactly as appended
//	00000000000000000000.index      8-byte entries: int32 offset - base, int32 position
//	00000000000000000000.timeindex  12-byte entries: int64 timestamp, int32 offset - base
//	leader-epoch-checkpoint         "0", count, "epoch startOffset" lines
//	.samsa_cleanshutdown            present only between a clean Close and the next change
//
// An offset index entry is added for a batch when more than
// index.interval.bytes were appended since the last entry; it maps the
// batch's last offset to its position. A time index entry is added at the
// same moments when the largest timestamp so far grew, mapping it to the
// last offset of the first batch that carried it; a roll and a Close add
// the final one, so a sealed segment's largest timestamp is its time
// index's last entry. segment.index.bytes bounds both indexes: a full
// index rolls the segment.
//
// # Appends and reads
//
// Appends are serialised by Log.appendMu and write each batch with one
// pwrite at the end of the active segment; no fsync. The active segment's
// new index entries stay in memory (the file lags, flushed every 4 KiB of
// entries, on roll and on Close: recovery rebuilds the active segment's
// indexes anyway). The new end is then published under Log.mu, a lock held
// only for copies. A reader copies the segment's state under Log.mu, takes
// a reference on the segment and reads with pread, never past the copied
// end: bytes below it are never rewritten (truncation aside), so reads need
// no other lock. Segments that retention or truncation removes are renamed
// .deleted at once and closed when the last reader drops its reference;
// the files go after file.delete.delay.
//
// # Durability
//
// Sync fdatasyncs the segments written since the previous Sync (a sealed
// one with its index files, and the directory when segments were created)
// without holding appendMu, and returns the log end offset it covered. The
// replica manager runs group commit on top of it. A failed write or fsync
// fails the log until it is reopened.
//
// # Recovery
//
// Close syncs everything and writes the clean-shutdown marker, which pins
// the log end offset and the active segment's base and size; the first
// change after Open removes it durably. Open with a matching marker trusts
// the files: it checks the active segment's indexes and reads only the
// batch headers after its last index entry. Otherwise it validates every
// batch from the segment holding Options.RecoveryPoint on (header, length,
// CRC-32C, increasing offsets), truncates at the first invalid or torn
// batch, removes the segments after it and rebuilds the indexes of what it
// read. A sealed segment's indexes are rebuilt when missing (by Open) or
// when they fail Kafka's O(1) sanity checks (by Open after an unclean stop,
// on first use after a clean one); a reader never follows an index entry
// that does not name the batch it points at, it scans the segment instead.
// Leftover .deleted, .cleaned, .swap and .tmp files are removed. Open never
// refuses a log because of its content.
package storage

import (
	"errors"
	"log/slog"
	"time"
)

// ErrOffsetOutOfRange reports a read or truncation outside
// [LogStartOffset, LogEndOffset].
var ErrOffsetOutOfRange = errors.New("offset out of range")

// ErrClosed reports use of a closed log.
var ErrClosed = errors.New("log closed")

// Config holds the per-log settings, already resolved from topic and broker
// configuration. The zero value is not valid; start from DefaultConfig.
type Config struct {
	SegmentBytes       int64         // segment.bytes: roll when the active segment would exceed it
	SegmentMs          time.Duration // segment.ms: roll when the active segment is older
	SegmentJitterMs    time.Duration // segment.jitter.ms
	SegmentIndexBytes  int64         // segment.index.bytes: maximum index file size
	IndexIntervalBytes int64         // index.interval.bytes: bytes between index entries
	RetentionMs        time.Duration // retention.ms; negative: keep forever
	RetentionBytes     int64         // retention.bytes; negative: no size limit
	FileDeleteDelay    time.Duration // file.delete.delay.ms
	Preallocate        bool          // preallocate
}

// DefaultConfig returns Kafka's defaults.
func DefaultConfig() Config {
	return Config{
		SegmentBytes:       1 << 30,
		SegmentMs:          7 * 24 * time.Hour,
		SegmentIndexBytes:  10 << 20,
		IndexIntervalBytes: 4096,
		RetentionMs:        7 * 24 * time.Hour,
		RetentionBytes:     -1,
		FileDeleteDelay:    time.Minute,
	}
}

// Options are what Open needs besides the Config.
type Options struct {
	Dir    string // the partition directory, e.g. <log.dir>/orders-0
	Config Config
	Logger *slog.Logger
	// RecoveryPoint is the offset below which the log is known to be
	// durable (from the log directory's recovery-point checkpoint); Open
	// validates and, if needed, truncates everything from there on.
	// Zero means: validate everything.
	RecoveryPoint int64
	// LogStartOffset is the checkpointed log start offset (from DeleteRecords
	// or retention), or 0.
	LogStartOffset int64
	Now            func() time.Time // nil: time.Now
}

// AppendInfo describes one appended batch.
type AppendInfo struct {
	BaseOffset   int64
	LastOffset   int64
	MaxTimestamp int64
	Position     int64 // byte position of the batch in its segment
}

// ReadResult is the outcome of Read.
type ReadResult struct {
	// Batches holds whole record batches, in offset order. It may begin
	// with a batch whose base offset is below the requested offset (the
	// batch that contains it); readers skip the records below.
	Batches        []byte
	LogStartOffset int64
	LogEndOffset   int64
}

// TimestampOffset is an offset and the timestamp of the record at it.
type TimestampOffset struct {
	Offset    int64
	Timestamp int64
	// LeaderEpoch is the partition leader epoch of the record's batch
	// (ListOffsets v4+ returns it), -1 when the batch has none.
	LeaderEpoch int32
}

// EpochEntry is one line of the leader-epoch checkpoint: the first offset
// written under a leader epoch.
type EpochEntry struct {
	Epoch       int32
	StartOffset int64
}

// Log is one partition's log on disk. It is safe for concurrent use: appends
// are serialised, reads run concurrently with appends and with each other,
// and Sync does not block appends while it waits for the disk.
//
// The method set below is the contract; see the implementation files.
type LogAPI interface {
	// Append writes one already-validated v2 batch (exactly one batch in
	// batch) at the log end: it sets the base offset to LogEndOffset and
	// the partition leader epoch to epoch, in place, then writes it. It
	// does not fsync. It rolls the segment first when size, age or index
	// space require it.
	Append(batch []byte, epoch int32) (AppendInfo, error)

	// AppendWithOffsets writes batches that already carry their offsets and
	// leader epochs (replication, the metadata log). The first base offset
	// must not be below LogEndOffset and offsets must increase; gaps are
	// allowed, because a compacted leader's log has them (Kafka rejects
	// only offsets going back). Callers that need contiguity check
	// BaseOffset == LogEndOffset themselves. A batch larger than
	// segment.bytes is rejected with ErrRecordBatchTooLarge.
	AppendWithOffsets(batches []byte) (AppendInfo, error)

	// Read returns whole batches starting with the one that contains
	// offset, at most maxBytes bytes, and none at or past maxOffset
	// (the high watermark, or LogEndOffset). If minOneBatch is set the first
	// batch is returned even when larger than maxBytes. Reading at
	// LogEndOffset (or maxOffset) returns no batches and no error; below
	// LogStartOffset or above LogEndOffset returns ErrOffsetOutOfRange.
	Read(offset int64, maxBytes int, maxOffset int64, minOneBatch bool) (ReadResult, error)

	// Sync makes everything appended so far durable (fdatasync of the
	// segments written since the last Sync) and returns the offset below
	// which all data is durable. Appends proceed while it waits.
	Sync() (int64, error)

	LogStartOffset() int64
	LogEndOffset() int64
	// Size is the total bytes of all segments.
	Size() int64
	// SegmentCount is the number of segments.
	SegmentCount() int

	// OffsetForTimestamp returns the first offset whose record timestamp
	// is >= ts, with that timestamp; found is false when no record is.
	OffsetForTimestamp(ts int64) (result TimestampOffset, found bool, err error)
	// MaxTimestamp returns the offset and timestamp of the record with
	// the largest timestamp (the first such record); found is false for an
	// empty log.
	MaxTimestamp() (result TimestampOffset, found bool, err error)

	// EndOffsetForEpoch answers OffsetForLeaderEpoch as Kafka's
	// LeaderEpochFileCache.endOffsetFor: for the latest epoch, (epoch,
	// LogEndOffset); otherwise the largest epoch <= epoch present in the log
	// and the start offset of the epoch after it. An epoch older than every
	// cached one gives (epoch, start offset of the first cached epoch), so
	// that a follower truncates to where the leader's history starts; an
	// epoch above the latest, a negative one or an empty cache give (-1, -1).
	EndOffsetForEpoch(epoch int32) (leaderEpoch int32, endOffset int64)
	// Epochs returns a copy of the leader-epoch cache.
	Epochs() []EpochEntry

	// DeleteRecordsBefore raises the log start offset to offset (not
	// beyond LogEndOffset) and removes segments wholly below it.
	DeleteRecordsBefore(offset int64) error
	// ApplyRetention deletes segments wholly below the log start offset or
	// past retention.ms / retention.bytes (never data at or above limit, the
	// high watermark) and returns how many segments it removed. It also
	// rolls an idle active segment whose age exceeds segment.ms, and rolls
	// the active segment when all data qualifies for deletion.
	ApplyRetention(limit int64) (int, error)
	// TruncateTo removes everything at and after offset; the log end
	// becomes offset (a truncation inside a batch removes the whole batch).
	// Offsets above LogEndOffset are ErrOffsetOutOfRange. As in Kafka, an
	// offset below the first segment empties the log and restarts it at
	// offset, and a log start offset above offset comes down to it. It is
	// durable when it returns.
	TruncateTo(offset int64) error
	// SetConfig replaces the configuration (dynamic topic configs).
	SetConfig(Config)

	// Close syncs and closes the files and leaves the clean-shutdown
	// marker. Delete closes the log without syncing and removes its
	// directory (renamed to <topic>-<partition>.<id>-delete first).
	Close() error
	Delete() error
}
