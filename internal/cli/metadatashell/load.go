package metadatashell

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"samsa/internal/metadata"
	"samsa/internal/record"
)

// replay rebuilds the metadata image from files, reading them only: a
// running server may be appending to the log meanwhile, and a batch it has
// not finished writing is simply not read.
type replay struct {
	image    *metadata.Image
	features map[int32][]metadata.FeatureRange // broker -> supported features
	timeMs   int64
	applied  int
}

func newReplay() *replay {
	return &replay{image: metadata.Empty(), features: map[int32][]metadata.FeatureRange{}, timeMs: -1}
}

// loadDirectory replays a metadata log directory (…/__cluster_metadata-0):
// the newest checkpoint that decodes, then the log entries after it.
func loadDirectory(dir string) (*state, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the metadata log directory: %w", err)
	}
	var checkpoints, segments []string
	for _, de := range des {
		switch name := de.Name(); {
		case strings.HasSuffix(name, ".checkpoint") && len(name) == len("00000000000000000000-0000000000.checkpoint"):
			checkpoints = append(checkpoints, name)
		case strings.HasSuffix(name, ".log") && len(name) == len("00000000000000000000.log"):
			segments = append(segments, name)
		}
	}
	if len(checkpoints) == 0 && len(segments) == 0 {
		return nil, fmt.Errorf("%s holds no metadata log segments or snapshots; is it a __cluster_metadata-0 directory?", dir)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(checkpoints)))
	sort.Strings(segments)
	r := newReplay()
	for _, cp := range checkpoints {
		if err := r.snapshot(filepath.Join(dir, cp)); err == nil {
			break
		}
		r = newReplay() // an unreadable checkpoint: try the one before
	}
	for _, seg := range segments {
		if err := r.log(filepath.Join(dir, seg)); err != nil {
			return nil, err
		}
	}
	return r.state(), nil
}

// loadSnapshot reads one file: a checkpoint, or a log segment, which
// Kafka's shell also accepts as --snapshot.
func loadSnapshot(path string) (*state, error) {
	r := newReplay()
	var err error
	if strings.HasSuffix(path, ".checkpoint") {
		err = r.snapshot(path)
	} else {
		err = r.log(path)
	}
	if err != nil {
		return nil, err
	}
	return r.state(), nil
}

// batches calls fn for each complete batch of the file, in order.
func batches(path string, fn func(b record.Batch) error) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	for b, err := range record.Batches(data) {
		if errors.Is(err, record.ErrTruncated) {
			return nil // the writer's tail, or a torn write
		}
		if err == nil {
			err = b.Check()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	return nil
}

// snapshot restores the image a checkpoint holds.
func (r *replay) snapshot(path string) error {
	var data []byte
	var epoch int32
	err := batches(path, func(b record.Batch) error {
		epoch = b.PartitionLeaderEpoch
		r.timeMs = max(r.timeMs, b.MaxTimestamp)
		if b.Control() {
			return nil
		}
		for rec, err := range b.Records() {
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			data = append(data, rec.Value...)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var s struct {
		Offset  int64           `json:"offset"`
		Records json.RawMessage `json:"records"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("%s: decoding the snapshot: %w", path, err)
	}
	recs, err := metadata.DecodeRecords(s.Records)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return r.apply(s.Offset, epoch, recs)
}

// log applies the entries of a log segment past the image's offset.
func (r *replay) log(path string) error {
	return batches(path, func(b record.Batch) error {
		if b.Control() || b.BaseOffset <= r.image.Offset() {
			return nil
		}
		r.timeMs = b.MaxTimestamp
		for rec, err := range b.Records() {
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			recs, err := metadata.DecodeRecords(rec.Value)
			if err != nil {
				return fmt.Errorf("%s at offset %d: %w", path, rec.Offset, err)
			}
			if err := r.apply(rec.Offset, b.PartitionLeaderEpoch, recs); err != nil {
				return err
			}
		}
		return nil
	})
}

func (r *replay) apply(offset int64, epoch int32, recs []metadata.Record) error {
	next, err := r.image.Apply(offset, epoch, recs)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if reg, ok := rec.(*metadata.RegisterBrokerRecord); ok {
			r.features[reg.BrokerID] = reg.Features
		}
	}
	r.image = next
	r.applied++
	return nil
}

// state converts the replayed image.
func (r *replay) state() *state {
	im := r.image
	st := &state{offset: im.Offset(), epoch: im.Epoch(), timeMs: r.timeMs, configs: map[configKey]map[string]string{},
		features: map[string]int16{}, nextPID: im.NextProducerID(), hasPIDs: true}
	for k, v := range im.Features() {
		st.features[k] = v
	}
	for _, b := range im.Brokers() {
		st.brokers = append(st.brokers, brokerState{id: b.ID, epoch: b.Epoch, incarnation: b.IncarnationID,
			endpoints: b.Endpoints, features: r.features[b.ID], rack: b.Rack, fenced: b.Fenced, logDirs: b.LogDirs})
	}
	for _, t := range im.Topics() {
		ts := topicState{name: t.Name, id: t.ID}
		for _, p := range t.Partitions {
			if p == nil {
				continue
			}
			ts.partitions = append(ts.partitions, partitionState{id: p.ID, replicas: p.Replicas, isr: p.ISR,
				removing: p.RemovingReplicas, adding: p.AddingReplicas, leader: p.Leader,
				leaderEpoch: p.LeaderEpoch, partitionEpoch: p.PartitionEpoch})
		}
		st.topics = append(st.topics, ts)
	}
	// The image lists its configs only as records.
	for _, rec := range im.Records() {
		c, ok := rec.(*metadata.ConfigRecord)
		if !ok || c.Value == nil {
			continue
		}
		k := configKey{typ: configTypeName(c.ResourceType), name: c.ResourceName}
		if st.configs[k] == nil {
			st.configs[k] = map[string]string{}
		}
		st.configs[k][c.Name] = *c.Value
	}
	return st
}

// configTypeName is Kafka's ConfigResource.Type name.
func configTypeName(t int8) string {
	switch t {
	case metadata.ConfigResourceTopic:
		return "TOPIC"
	case metadata.ConfigResourceBroker:
		return "BROKER"
	case 8:
		return "BROKER_LOGGER"
	case 16:
		return "CLIENT_METRICS"
	case 32:
		return "GROUP"
	}
	return "UNKNOWN"
}
