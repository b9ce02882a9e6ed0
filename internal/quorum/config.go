package quorum

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"time"
)

// PartitionDirName is the directory of the metadata log inside
// metadata.log.dir, named as Kafka names it so that its tools find it.
const PartitionDirName = "__cluster_metadata-0"

// Defaults, each Kafka's where Kafka has the setting.
const (
	DefaultTickInterval   = 100 * time.Millisecond
	DefaultElectionTicks  = 10 // 1 s: Kafka's controller.quorum.election.timeout.ms is 1000
	DefaultHeartbeatTicks = 1
	// DefaultSnapshotMaxBytes is metadata.log.max.record.bytes.between.snapshots.
	DefaultSnapshotMaxBytes = 20 << 20
	// DefaultSnapshotInterval is metadata.log.max.snapshot.interval.ms.
	DefaultSnapshotInterval = time.Hour
	// DefaultSegmentBytes is metadata.log.segment.bytes.
	DefaultSegmentBytes = 1 << 30
	// DefaultMaxEntryBytes bounds one proposal: Kafka's message.max.bytes
	// (1 MiB) is the largest batch a broker accepts, and a metadata record
	// is far smaller.
	DefaultMaxEntryBytes = 1 << 20
	// DefaultMaxInflightProposals bounds the proposals waiting for commit.
	DefaultMaxInflightProposals = 4096
	// DefaultSnapshotCatchUpEntries is how many entries before the newest
	// snapshot stay in memory so that a follower a little behind gets
	// entries rather than a whole snapshot.
	DefaultSnapshotCatchUpEntries = 1024
)

// Fixed raft limits. They are not settings because nothing needs to vary
// them; each says why it has its value.
const (
	// maxSizePerMsg bounds one MsgApp: a lagging follower catches up in
	// 1 MiB steps, big enough to amortise round trips, small enough that a
	// lost message costs little.
	maxSizePerMsg = 1 << 20
	// maxInflightMsgs bounds the MsgApps in flight to one follower.
	maxInflightMsgs = 256
	// maxCommittedSizePerReady bounds the entries applied in one Ready so
	// that the quorum goroutine returns to ticking and heartbeats.
	maxCommittedSizePerReady = 8 << 20
	// maxUncommittedBytes bounds the leader's log beyond the commit index;
	// past it proposals fail fast instead of queueing without limit while
	// followers are away.
	maxUncommittedBytes = 64 << 20
	// maxProposalBatch bounds the proposals drained into one Ready, and so
	// the bytes written by one group commit.
	maxProposalBatch      = 1024
	maxProposalBatchBytes = 8 << 20
	// inboxSize bounds the raft messages queued for the quorum goroutine.
	inboxSize = 1024
)

// Config configures a Node. Zero fields take the defaults above; NodeID,
// Voters, Dir and Transport are required.
type Config struct {
	// NodeID is this node's Kafka node.id (>= 0). Raft's IDs are these
	// plus one, because raft reserves 0 for "none"; see RaftID.
	NodeID int32
	// Voters maps each voter's node.id to its CONTROLLER endpoint
	// (controller.quorum.voters). It must contain NodeID. The voter set
	// is static: it must be the same on every start.
	Voters map[int32]string
	// Dir is metadata.log.dir; the log lives in Dir/__cluster_metadata-0.
	Dir string
	// ClusterID is recorded in quorum-state and checked on every start.
	ClusterID string

	TickInterval   time.Duration
	ElectionTicks  int
	HeartbeatTicks int

	// SnapshotMaxBytes: take a snapshot after this many bytes of entry
	// data have been applied since the last one.
	SnapshotMaxBytes int64
	// SnapshotInterval: take a snapshot when this much time has passed
	// since the last one and entries have been applied since.
	SnapshotInterval time.Duration
	// SnapshotCatchUpEntries: entries kept in memory below a new snapshot.
	SnapshotCatchUpEntries uint64
	// SegmentBytes is the segment size of the metadata log.
	SegmentBytes int64

	MaxEntryBytes        int
	MaxInflightProposals int

	Logger    *slog.Logger // nil: discard
	Transport Transport

	// openLog replaces the partition log in tests.
	openLog logOpener
}

// RaftID is the raft ID of a Kafka node.id.
func RaftID(nodeID int32) uint64 { return uint64(nodeID) + 1 }

// NodeIDOf is the Kafka node.id of a raft ID; -1 for raft's "none".
func NodeIDOf(raftID uint64) int32 {
	if raftID == 0 || raftID > math.MaxInt32+1 {
		return -1
	}
	return int32(raftID - 1)
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	c.Voters = maps.Clone(c.Voters) // the caller may reuse its map
	setDefault(&c.TickInterval, DefaultTickInterval)
	setDefault(&c.ElectionTicks, DefaultElectionTicks)
	setDefault(&c.HeartbeatTicks, DefaultHeartbeatTicks)
	setDefault(&c.SnapshotMaxBytes, DefaultSnapshotMaxBytes)
	setDefault(&c.SnapshotInterval, DefaultSnapshotInterval)
	setDefault(&c.SnapshotCatchUpEntries, DefaultSnapshotCatchUpEntries)
	setDefault(&c.SegmentBytes, DefaultSegmentBytes)
	setDefault(&c.MaxEntryBytes, DefaultMaxEntryBytes)
	setDefault(&c.MaxInflightProposals, DefaultMaxInflightProposals)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.openLog == nil {
		c.openLog = openStorageLog
	}
	return c
}

func setDefault[T comparable](field *T, value T) {
	var zero T
	if *field == zero {
		*field = value
	}
}

// validate checks each setting against its bounds; the reason for a bound
// is in its message.
func (c Config) validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.NodeID >= 0, "node id %d: must be >= 0", c.NodeID)
	_, isVoter := c.Voters[c.NodeID]
	check(isVoter, "node id %d is not among the voters %v: observers are not supported yet", c.NodeID, voterIDs(c.Voters))
	for id := range c.Voters {
		check(id >= 0, "voter id %d: must be >= 0", id)
	}
	check(c.Dir != "", "metadata log directory not set")
	check(c.Transport != nil, "transport not set")
	check(c.TickInterval >= time.Millisecond, "tick interval %v below 1ms: ticks would swamp the quorum goroutine", c.TickInterval)
	check(c.HeartbeatTicks >= 1, "heartbeat ticks %d: must be >= 1", c.HeartbeatTicks)
	check(c.ElectionTicks > c.HeartbeatTicks, "election ticks %d must exceed heartbeat ticks %d, or followers time out between heartbeats", c.ElectionTicks, c.HeartbeatTicks)
	check(c.SnapshotMaxBytes >= 1, "snapshot max bytes %d: must be >= 1", c.SnapshotMaxBytes)
	check(c.SnapshotInterval >= time.Millisecond, "snapshot interval %v: must be >= 1ms", c.SnapshotInterval)
	check(c.SegmentBytes >= 1024 && c.SegmentBytes <= math.MaxInt32, "segment bytes %d: must be in [1 KiB, 2 GiB) so that a segment holds a batch and positions fit 32 bits", c.SegmentBytes)
	check(c.MaxEntryBytes >= 1 && c.MaxEntryBytes <= maxSizePerMsg, "max entry bytes %d: must be in [1, %d] so that every entry fits one raft message", c.MaxEntryBytes, maxSizePerMsg)
	check(c.MaxInflightProposals >= 1 && c.MaxInflightProposals <= 1<<20, "max in-flight proposals %d: must be in [1, 1048576]", c.MaxInflightProposals)
	return errors.Join(errs...)
}

// voterIDs returns the voter IDs in ascending order.
func voterIDs(voters map[int32]string) []int32 {
	return slices.Sorted(maps.Keys(voters))
}
