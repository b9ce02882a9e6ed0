package quorum

import (
	"fmt"
	"log/slog"

	"go.etcd.io/raft/v3/raftpb"

	"samsa/internal/record"
	"samsa/internal/storage"
)

// partitionLog is what the quorum needs of the partition log; storage.Log
// provides it, and the tests substitute a stand-in that can lose unsynced
// writes.
type partitionLog interface {
	AppendWithOffsets(batches []byte) (storage.AppendInfo, error)
	Read(offset int64, maxBytes int, maxOffset int64, minOneBatch bool) (storage.ReadResult, error)
	Sync() (int64, error)
	TruncateTo(offset int64) error
	DeleteRecordsBefore(offset int64) error
	LogStartOffset() int64
	LogEndOffset() int64
	Close() error
}

// logOptions are what a logOpener needs.
type logOptions struct {
	dir            string
	logStartOffset int64
	segmentBytes   int64
	logger         *slog.Logger
}

// logOpener opens the partition log of the metadata log directory. A log
// that ends below logStartOffset is emptied and restarts there, as Kafka's
// log loader does; that is how a follower that installed a snapshot beyond
// its log end continues after it.
type logOpener func(opts logOptions) (partitionLog, error)

// readChunkBytes is how much of the log one Read returns during recovery.
const readChunkBytes = 1 << 20

// readEntries reads the raft entries at offsets [from, LogEndOffset) and
// checks that they are contiguous.
func readEntries(l partitionLog, from int64) ([]*raftpb.Entry, error) {
	var ents []*raftpb.Entry
	next := from
	for next < l.LogEndOffset() {
		res, err := l.Read(next, readChunkBytes, l.LogEndOffset(), true)
		if err != nil {
			return nil, fmt.Errorf("read metadata log at offset %d: %w", next, err)
		}
		if len(res.Batches) == 0 {
			return nil, fmt.Errorf("read metadata log at offset %d: no data below the log end %d", next, l.LogEndOffset())
		}
		before := next
		err = eachBatch(res.Batches, func(h record.Header, recs []record.Record) error {
			if h.BaseOffset < next {
				return nil // the batch before the requested offset
			}
			if h.BaseOffset != next {
				return fmt.Errorf("%w: metadata log jumps from offset %d to %d", errCorrupt, next, h.BaseOffset)
			}
			e, err := decodeEntry(h, recs)
			if err != nil {
				return err
			}
			ents = append(ents, e)
			next++
			return nil
		})
		if err != nil {
			return nil, err
		}
		if next == before {
			return nil, fmt.Errorf("%w: metadata log read at offset %d returned no batch at it", errCorrupt, next)
		}
	}
	return ents, nil
}
