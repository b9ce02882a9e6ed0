package server

import (
	"context"
	"time"

	"samsa/internal/coordinator"
	"samsa/internal/coordinator/group"
	"samsa/internal/metadata"
	"samsa/internal/replica"
)

// startGroups starts the group coordinator. It follows the metadata image
// after the replica manager does, so the __consumer_offsets replicas it
// loads are open by the time it hears of them.
func (s *Server) startGroups() {
	g := s.cfg.Groups
	s.groups = group.New(group.Config{
		BrokerID:                      s.cfg.NodeID,
		Logger:                        s.log,
		Partitions:                    g.OffsetsTopicPartitions,
		MinSessionTimeout:             g.MinSessionTimeout,
		MaxSessionTimeout:             g.MaxSessionTimeout,
		InitialRebalanceDelay:         g.InitialRebalanceDelay,
		MaxSize:                       int(g.MaxSize),
		ConsumerSessionTimeout:        g.ConsumerSessionTimeout,
		ConsumerMinSessionTimeout:     g.ConsumerMinSessionTimeout,
		ConsumerMaxSessionTimeout:     g.ConsumerMaxSessionTimeout,
		ConsumerHeartbeatInterval:     g.ConsumerHeartbeatInterval,
		ConsumerMinHeartbeatInterval:  g.ConsumerMinHeartbeatInterval,
		ConsumerMaxHeartbeatInterval:  g.ConsumerMaxHeartbeatInterval,
		ConsumerMaxSize:               int(g.ConsumerMaxSize),
		ConsumerAssignors:             g.ConsumerAssignors,
		OffsetMetadataMaxBytes:        int(g.OffsetMetadataMaxBytes),
		OffsetsRetention:              g.OffsetsRetention,
		OffsetsRetentionCheckInterval: g.OffsetsRetentionCheckInterval,
		OffsetCommitTimeout:           g.OffsetCommitTimeout,
		MaxBatchBytes:                 int(s.cfg.LogDefaults.MaxMessageBytes),
	}, s.loader.Current, s.offsetsLog)
	s.groups.OnImage(nil, s.loader.Subscribe(s.groups.OnImage))
}

// offsetsLog returns the local replica of a __consumer_offsets partition.
func (s *Server) offsetsLog(partition int32) (coordinator.Log, bool) {
	p := s.replicas.Partition(replica.ID{Topic: metadata.ConsumerOffsetsTopic, Partition: partition})
	if p == nil {
		return nil, false
	}
	return internalLog{p}, true
}

// internalLog is a replica as the coordinator runtime uses it.
type internalLog struct{ p *replica.Partition }

func (l internalLog) Append(batch []byte) (coordinator.Pending, error) {
	pa, err := l.p.AppendInternal(batch, time.Now())
	if err != nil {
		return nil, err
	}
	return pendingWrite{pa}, nil
}

func (l internalLog) Read(offset int64, maxBytes int) ([][]byte, error) {
	res, err := l.p.Read(offset, maxBytes, replica.ReadUncommitted, true)
	return res.Batches, err
}

func (l internalLog) HighWatermark() int64  { return l.p.HighWatermark() }
func (l internalLog) LogStartOffset() int64 { return l.p.LogStartOffset() }

type pendingWrite struct{ pa *replica.Pending }

func (w pendingWrite) Wait(ctx context.Context, deadline time.Time) error {
	_, err := w.pa.Wait(ctx, deadline)
	return err
}
