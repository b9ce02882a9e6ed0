package quorum

import "samsa/internal/storage"

// openStorageLog opens the metadata log as a storage.Log. Retention is off:
// the quorum deletes what snapshots cover. Only the quorum goroutine reads
// the log, so deleted segments may go at once.
func openStorageLog(opts logOptions) (partitionLog, error) {
	cfg := storage.DefaultConfig()
	cfg.SegmentBytes = opts.segmentBytes
	cfg.RetentionMs = -1
	cfg.RetentionBytes = -1
	cfg.FileDeleteDelay = 0
	l, err := storage.Open(storage.Options{
		Dir:            opts.dir,
		Config:         cfg,
		Logger:         opts.logger,
		LogStartOffset: opts.logStartOffset,
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}
