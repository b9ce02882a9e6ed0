// Package quorum replicates Samsa's metadata log among the controller
// voters with etcd's Raft library (go.etcd.io/raft/v3, driven through a
// RawNode). Entries are opaque bytes here: the metadata package encodes the
// records, the controller proposes them, every node applies them to its
// StateMachine. A single `samsa server` is the one-voter case of the same
// code.
//
// # Threading
//
// One goroutine, started by Node.Start and stopped by Node.Close, owns the
// RawNode, raft's in-memory log, the partition log, the quorum-state file
// and the state machine. It ticks raft, hands it proposals and messages
// from the other voters, and handles every Ready in the order raft's safety
// needs:
//
//  1. install a snapshot received from the leader (checkpoint file written
//     and fsynced, log reset to continue after it);
//  2. apply committed entries that earlier Readies already made durable
//     (so that their proposers return during this Ready's fsync);
//  3. write quorum-state (fsynced, atomically) if the term, vote or known
//     leader changed; then append the new entries and fsync the log;
//  4. send the messages: nothing, no vote nor append acknowledgement, leaves
//     before the state it depends on is on disk;
//  5. restore the state machine from an installed snapshot, apply the
//     remaining committed entries, decide the proposals they settle;
//  6. Advance, and start a snapshot if one is due.
//
// Apply, Snapshot and Restore run on that goroutine too: the state machine
// needs no locks against them, a snapshot is taken exactly at the applied
// index, and Kafka's controller likewise applies on its one event thread.
// They must be quick and must not call Propose. Encoding and writing a
// checkpoint happens on a writer goroutine (one at a time) so that a large
// snapshot does not delay heartbeats.
//
// A state machine that implements LeaderListener hears of leader changes
// on the same goroutine; its own election is reported only once the first
// entry of its term is applied, so the active controller never acts on a
// state missing earlier terms' entries.
//
// Proposals queue on a channel; the goroutine drains up to 1024 of them
// (8 MiB) into each Ready, so proposals that arrive during one fsync share
// the next: the group commit. Propose returns once the entry is applied on
// this node, so the caller reads its own write.
//
// # Proposal identity
//
// A proposal is matched to its entry by the (index, term) raft assigns when
// it appends it on the leader: the entry is the last one of the next Ready.
// An entry at an index with a term is never replaced, so the proposal
// succeeded exactly when the entry applied at its index has its term; once
// an entry of a higher term is applied, every waiting proposal of a lower
// term was replaced (terms never decrease along the log) and fails with
// ErrProposalLost. A new leader always commits an entry of its own term, so
// no proposal outlives a leader change by more than that entry's commit. No
// identifier is added to the entry, so the log holds the controller's
// records exactly.
//
// # On-disk layout
//
// Everything lives in <metadata.log.dir>/__cluster_metadata-0/, laid out so
// that Kafka's tools recognise it (kafka-dump-log reads the segments; the
// checkpoints have Kafka's snapshot framing, but their records carry the
// state machine's bytes in chunks, not one metadata record each):
//
//   - Segment files (00000000000000000000.log, .index, .timeindex) of the
//     partition log (samsa/internal/storage), holding the entries as
//     described below.
//   - quorum-state: one line of JSON with Kafka's QuorumStateData v0 fields
//     (clusterId, leaderId, leaderEpoch = raft term, votedId = raft vote,
//     appliedOffset = 0, currentVoters, data_version = 0) plus commitIndex.
//     Written through quorum-state.tmp with fsync of file and directory.
//     The term and vote are always current; commitIndex may lag between
//     term changes (raft relearns it from the leader) and is exact after
//     Close.
//   - Checkpoints, Kafka's snapshot files: %020d-%010d.checkpoint named by
//     end offset (the raft index of the last entry included) and epoch (its
//     term). Content: a control batch with Kafka's SNAPSHOT_HEADER record,
//     the state machine's snapshot bytes chunked into records of at most
//     32 KiB, 32 to a batch, then a control batch with SNAPSHOT_FOOTER;
//     offsets count records from 0, every batch carries the epoch. Written
//     as .checkpoint.part, fsynced, renamed, directory fsynced. The same
//     bytes travel to a lagging follower as the data of raft's MsgSnap.
//
// Raft entry index i is Kafka offset i-1, and the entry's term is the
// batch's partitionLeaderEpoch. Each entry is one uncompressed v2 batch of
// one record, producer fields -1, timestamped with the local append time:
//
//   - An entry with data is a plain batch whose record has a null key and
//     the data as value.
//   - An empty entry (the one a new leader appends) is a control batch
//     (attribute bit 5) holding Kafka's LEADER_CHANGE control record (key
//     version 0, type 2; value LeaderChangeMessage v0 naming the leader and
//     the voters), as Kafka's own leaders write one.
//   - A raft configuration change is a control batch whose key has type
//     32000 (ConfChange) or 32001 (ConfChangeV2), Samsa's types far above
//     Kafka's, which Kafka's tools skip as UNKNOWN, with the raft protobuf
//     as value. Membership is static for now, so a committed one stops the
//     node.
//
// Node IDs are Kafka's node.id; raft's IDs are node.id+1 because raft
// reserves 0, so node.id 0 (common in container setups) works. Raft terms
// must fit Kafka's int32 epoch.
//
// # Snapshots and compaction
//
// A snapshot is taken when SnapshotMaxBytes of entry data
// (metadata.log.max.record.bytes.between.snapshots, 20 MiB) or
// SnapshotInterval (metadata.log.max.snapshot.interval.ms, 1 h) with new
// entries have gone by. Once its checkpoint is durable, raft's memory drops
// entries below it except SnapshotCatchUpEntries, and the disk keeps the
// newest checkpoint, the one before it and the log from the one before on:
// the log start offset is the previous checkpoint's end offset. So if the
// newest checkpoint proves unreadable at the next start, the previous one
// plus the log rebuild the same state; older checkpoints are deleted only
// once a newer one is durable.
//
// # Recovery
//
// Open reads quorum-state (refusing another cluster or voter set), removes
// partial checkpoints, loads the newest checkpoint that decodes (corrupt
// ones are logged and deleted), opens the log, restores the state machine,
// loads the entries after the checkpoint into raft's memory and replays
// those known to be committed: up to quorum-state's commitIndex, or all of
// them for a single voter, whose durable entries are committed by
// definition. Raft starts with Applied at that point.
//
// # Bounds
//
// A proposal holds at most MaxEntryBytes (1 MiB, Kafka's message.max.bytes);
// at most MaxInflightProposals (4096) wait for commit; a raft message
// carries at most 1 MiB of entries with 256 in flight per follower; one
// Ready applies at most 8 MiB; the leader's uncommitted tail is capped at
// 64 MiB, past which proposals fail with ErrBusy; raft's memory holds the
// entries since the newest snapshot plus the catch-up tail.
//
// # Transport
//
// Transport.Send carries messages to other voters without blocking;
// Node.Step delivers them. MemoryNetwork (memtransport.go) connects nodes
// in one process for tests, with partitions; the network transport between
// processes plugs into the same seam.
//
// # Files
//
//   - node.go: Node, Open, Start, Close, Propose, Step; StateMachine and
//     Transport.
//   - run.go: the quorum goroutine's loop, proposals and messages.
//   - ready.go: handling one Ready.
//   - recover.go: Open's recovery; raft's memory.
//   - snapshot.go: taking, writing, installing snapshots; compaction.
//   - waiters.go: deciding proposals.
//   - leader.go: LeaderListener notices.
//   - codec.go, checkpoint.go, quorumstate.go, disklog.go, storagelog.go:
//     the on-disk formats and the partition log seam.
//   - status.go: Status for DescribeQuorum.
//   - memtransport.go: the in-process transport.
package quorum
