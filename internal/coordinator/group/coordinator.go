// Package group is the group coordinator: consumer groups of the classic
// protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) and of KIP-848
// (ConsumerGroupHeartbeat), and the committed offsets of every group.
//
// Groups live in the partitions of __consumer_offsets; a group's partition
// is the Java hash of its id modulo the partition count, as in Kafka, and
// the broker leading that partition is its coordinator. Each partition is
// a coordinator.Shard: its State holds the groups and offsets of the
// partition, changed only by replaying records (the record formats are
// Kafka's, records.go), so a new leader rebuilds exactly what the old one
// had made durable.
//
// File map: coordinator.go (this: configuration, routing), state.go (the
// shard state and record dispatch), records.go (keys and values),
// offsets.go (OffsetCommit, OffsetFetch, OffsetDelete, expiry), groups.go
// (ListGroups, DeleteGroups, what every group type offers), classic*.go
// (the classic protocol), consumer*.go (KIP-848).
package group

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"samsa/internal/coordinator"
	"samsa/internal/metadata"
)

// Config holds the group coordinator's settings (Kafka's group.* and
// offsets.* broker configs).
type Config struct {
	BrokerID int32
	Logger   *slog.Logger
	// Partitions is offsets.topic.num.partitions.
	Partitions int32
	// Classic protocol.
	MinSessionTimeout     time.Duration // group.min.session.timeout.ms
	MaxSessionTimeout     time.Duration // group.max.session.timeout.ms
	InitialRebalanceDelay time.Duration // group.initial.rebalance.delay.ms
	MaxSize               int           // group.max.size
	// KIP-848 consumer protocol.
	ConsumerSessionTimeout       time.Duration // group.consumer.session.timeout.ms
	ConsumerMinSessionTimeout    time.Duration
	ConsumerMaxSessionTimeout    time.Duration
	ConsumerHeartbeatInterval    time.Duration // group.consumer.heartbeat.interval.ms
	ConsumerMinHeartbeatInterval time.Duration
	ConsumerMaxHeartbeatInterval time.Duration
	ConsumerMaxSize              int      // group.consumer.max.size
	ConsumerAssignors            []string // group.consumer.assignors, the first is the default
	// Offsets.
	OffsetMetadataMaxBytes        int           // offset.metadata.max.bytes
	OffsetsRetention              time.Duration // offsets.retention.minutes
	OffsetsRetentionCheckInterval time.Duration // offsets.retention.check.interval.ms
	OffsetCommitTimeout           time.Duration // offsets.commit.timeout.ms
	// MaxBatchBytes is the largest batch __consumer_offsets takes
	// (message.max.bytes).
	MaxBatchBytes int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Coordinator routes group requests to the shard of each group's
// partition. It is safe for concurrent use.
type Coordinator struct {
	cfg    Config
	log    *slog.Logger
	rt     *coordinator.Runtime
	images func() *metadata.Image
}

// New returns a coordinator over the partitions of __consumer_offsets that
// logs returns.
func New(cfg Config, images func() *metadata.Image, logs func(partition int32) (coordinator.Log, bool)) *Coordinator {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBatchBytes <= 0 {
		cfg.MaxBatchBytes = 1048588
	}
	c := &Coordinator{cfg: cfg, log: cfg.Logger, images: images}
	c.rt = coordinator.New(coordinator.Config{
		Topic:        metadata.ConsumerOffsetsTopic,
		BrokerID:     cfg.BrokerID,
		Logger:       cfg.Logger,
		NewState:     func(partition int32, sh *coordinator.Shard) coordinator.State { return newState(&c.cfg, partition, sh) },
		Log:          logs,
		Images:       images,
		Now:          cfg.Now,
		WriteTimeout: cfg.OffsetCommitTimeout,
		OnLoad:       func(op *coordinator.Op) { op.State().(*State).onLoaded(op) },
	})
	return c
}

// OnImage follows leadership of __consumer_offsets; see
// coordinator.Runtime.OnImage.
func (c *Coordinator) OnImage(prev, next *metadata.Image) { c.rt.OnImage(prev, next) }

// Close stops every shard.
func (c *Coordinator) Close() { c.rt.Close() }

// PartitionFor returns the partition of __consumer_offsets that holds a
// group: Kafka's Utils.abs(groupId.hashCode()) % partitions.
func (c *Coordinator) PartitionFor(groupID string) int32 {
	return int32(javaStringHash(groupID)&0x7fffffff) % c.cfg.Partitions
}

// javaStringHash is Java's String.hashCode: s[0]*31^(n-1) + … over UTF-16
// code units.
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16Surrogates(r)
			h = 31*h + int32(r1)
			h = 31*h + int32(r2)
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}

func utf16Surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// run submits fn to the group's shard and waits for the result it sends on
// the returned channel, or for ctx. fn must send exactly once, possibly
// later (from AfterCommit or another operation).
func run[T any](ctx context.Context, c *Coordinator, groupID string, fn func(op *coordinator.Op, st *State, reply func(T))) (T, error) {
	var zero T
	ch := make(chan T, 1)
	reply := func(v T) {
		select {
		case ch <- v:
		default: // already answered
		}
	}
	stopped, err := c.rt.Submit(ctx, c.PartitionFor(groupID), func(op *coordinator.Op) {
		fn(op, op.State().(*State), reply)
	})
	if err != nil {
		return zero, err
	}
	select {
	case v := <-ch:
		return v, nil
	case <-stopped:
		select {
		case v := <-ch: // answered just before the shard stopped
			return v, nil
		default:
			return zero, coordinator.ErrShardStopped
		}
	case <-ctx.Done():
		return zero, kerr.RequestTimedOut
	}
}

// errorCode maps an error to a Kafka error code; an operation error that
// is not Kafka's is reported as the coordinator being unavailable, which
// clients retry.
func errorCode(err error) int16 {
	if err == nil {
		return 0
	}
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Code
	}
	return kerr.CoordinatorNotAvailable.Code
}
