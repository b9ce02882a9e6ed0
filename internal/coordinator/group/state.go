package group

import (
	"fmt"
	"sort"

	"samsa/internal/coordinator"
)

// topicPartition names a partition in committed offsets.
type topicPartition struct {
	topic     string
	partition int32
}

// committedOffset is one committed offset as the record stores it.
type committedOffset struct {
	offset          int64
	leaderEpoch     int32
	metadata        string
	commitTimestamp int64 // ms
}

// group is what every group type (classic, consumer) offers the APIs that
// span them: listing, describing in general, deleting, and checking
// offset commits and fetches against membership.
type group interface {
	// Type is "classic" or "consumer" (ListGroups v5 group types).
	Type() string
	// ProtocolType is the classic protocol type ("consumer", "connect",
	// …), "consumer" for KIP-848 groups, "" for a group known only by
	// its offsets.
	ProtocolType() string
	// StateName is Kafka's name of the group's state.
	StateName() string
	// IsEmpty reports a group without members, which may be deleted and
	// whose offsets may expire.
	IsEmpty() bool
	// ValidateOffsetCommit checks a commit from a member at a generation
	// (classic) or member epoch (consumer); memberID "" and generation -1
	// is a commit from outside the group (admin tools, simple consumers).
	ValidateOffsetCommit(memberID string, instanceID *string, generation int32) error
	// ValidateOffsetFetch checks a fetch that names a member (OffsetFetch
	// v9+); memberID nil means the fetch names none.
	ValidateOffsetFetch(memberID *string, memberEpoch int32) error
	// DeleteRecords returns the tombstones that remove the group's own
	// records (not its offsets).
	DeleteRecords(groupID string) []coordinator.Record
	// EmptySince is when the group last became empty (ms); 0 when it
	// never had members. Offsets of an empty group expire
	// offsets.retention.minutes after it.
	EmptySince() int64
}

// State is one __consumer_offsets partition's groups and offsets. It is
// owned by the partition's shard goroutine.
type State struct {
	cfg       *Config
	partition int32
	sh        *coordinator.Shard

	offsets map[string]map[topicPartition]committedOffset
	groups  map[string]group
}

func newState(cfg *Config, partition int32, sh *coordinator.Shard) *State {
	st := &State{cfg: cfg, partition: partition, sh: sh,
		offsets: map[string]map[topicPartition]committedOffset{}, groups: map[string]group{}}
	return st
}

// Replay implements coordinator.State.
func (st *State) Replay(r coordinator.Record) error {
	typ, err := keyType(r.Key)
	if err != nil {
		return err
	}
	fn, ok := replayers[typ]
	if !ok {
		// A record type this version does not know (a newer Kafka's
		// share or streams groups): keep loading.
		st.sh.Logger().Warn("skipping unknown __consumer_offsets record type", "type", typ, "partition", st.partition)
		return nil
	}
	if err := fn(st, r.Key, r.Value); err != nil {
		return fmt.Errorf("record type %d: %w", typ, err)
	}
	return nil
}

// loadHooks run, in registration order, once a partition has loaded: each
// group type starts what its replayed groups need that records do not
// hold (session timers). Files register theirs in init.
var loadHooks []func(st *State, op *coordinator.Op)

func registerLoadHook(fn func(st *State, op *coordinator.Op)) { loadHooks = append(loadHooks, fn) }

// onLoaded is the first operation of a loaded shard.
func (st *State) onLoaded(op *coordinator.Op) {
	st.scheduleExpiry(op)
	for _, fn := range loadHooks {
		fn(st, op)
	}
}

// groupIDs returns every group the partition knows, by membership records
// or by offsets, sorted.
func (st *State) groupIDs() []string {
	seen := map[string]bool{}
	var ids []string
	for id := range st.groups {
		seen[id] = true
		ids = append(ids, id)
	}
	for id := range st.offsets {
		if !seen[id] {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}
