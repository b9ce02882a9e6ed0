package quorum

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// StateMachine is what the quorum replicates into. All three methods are
// called on the quorum goroutine, one at a time, so the state machine needs
// no locking against them; they must not call Propose (which waits for the
// same goroutine) and should be quick, since ticks and heartbeats wait for
// them.
type StateMachine interface {
	// Apply applies one committed entry. It is called once per entry
	// carrying data, in index order, on every node. data must not be
	// modified. An error is fatal: the node stops, since replicas that
	// skip an entry diverge.
	Apply(index, term uint64, data []byte) error
	// Snapshot returns the state as of the last applied index, and that
	// index.
	Snapshot() (data []byte, index uint64, err error)
	// Restore replaces the state with a snapshot's, taken at index/term.
	Restore(data []byte, index, term uint64) error
}

// LeaderListener may be implemented by a StateMachine to learn who leads,
// as Kafka's RaftClient.Listener does. It is called on the quorum
// goroutine, between Apply calls. When this node itself becomes leader the
// call waits until the first entry of its term is applied, so every entry
// of earlier terms is in the state machine before it acts as the active
// controller: being elected does not mean being caught up.
type LeaderListener interface {
	// LeaderChange reports the leader's node.id (-1 when none is known)
	// and the leader epoch (raft term).
	LeaderChange(leaderID, epoch int32)
}

// Transport carries raft messages between voters. Send must not block on
// the network: it queues or drops (raft retransmits). Messages address
// voters by raft ID (RaftID). The receiving side calls Node.Step; a
// transport that fails to deliver reports it with Node.ReportUnreachable,
// and must report the outcome of every MsgSnap with Node.ReportSnapshot.
type Transport interface {
	Send(msgs []*raftpb.Message)
}

// Node is one voter of the metadata quorum. Its methods are safe for
// concurrent use. Open recovers it, Start runs it, Close stops it.
type Node struct {
	cfg    Config
	sm     StateMachine
	logger *slog.Logger
	dir    string // the partition directory
	raftID uint64
	voters []int32 // sorted

	// Owned by the quorum goroutine once Start has run; before that, by
	// Open.
	rn      *raft.RawNode
	mem     *raftMemory
	log     partitionLog
	encoder entryEncoder
	persist quorumState // as last written
	commit  uint64      // raft's commit index as of the last Ready
	applied uint64
	// lastDataIndex is the last entry applied to the state machine.
	lastDataIndex uint64
	lastIdx       uint64 // the last entry in the log, durable

	role     raft.StateType
	leader   uint64 // raft ID, 0 when unknown
	notify   leaderNotice
	snap     snapshotState
	waiters  waiterQueue
	proposed []*proposal // appended by raft, not yet matched to entries
	contact  map[uint64]time.Time
	caughtUp map[uint64]time.Time

	proposals chan *proposal
	inbox     chan *raftpb.Message
	reports   chan report
	slots     chan struct{} // one per proposal in flight

	snapWriter sync.WaitGroup
	stop       chan struct{}
	done       chan struct{}
	startOnce  sync.Once
	closeOnce  sync.Once
	started    atomic.Bool
	err        error // set before done is closed
	closeErr   error

	status atomic.Pointer[Status]
	syncs  atomic.Uint64 // log fsyncs, for benchmarks
}

// report is a transport's delivery outcome for the quorum goroutine.
type report struct {
	to       uint64
	snapshot bool
	failed   bool
}

// Open recovers the node from cfg.Dir: it loads the newest valid
// checkpoint into sm, replays the log entries known to be committed after
// it, and returns a node ready to Start. A fresh directory starts empty.
func Open(cfg Config, sm StateMachine) (*Node, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("metadata quorum config: %w", err)
	}
	n := newNode(cfg, sm)
	if err := n.recover(); err != nil {
		if n.log != nil {
			_ = n.log.Close()
		}
		return nil, fmt.Errorf("open metadata quorum in %s: %w", n.dir, err)
	}
	n.publishStatus()
	return n, nil
}

func newNode(cfg Config, sm StateMachine) *Node {
	n := &Node{
		cfg:       cfg,
		sm:        sm,
		logger:    cfg.Logger.With("component", "quorum", "node", cfg.NodeID),
		dir:       partitionDir(cfg.Dir),
		raftID:    RaftID(cfg.NodeID),
		voters:    voterIDs(cfg.Voters),
		contact:   make(map[uint64]time.Time),
		caughtUp:  make(map[uint64]time.Time),
		proposals: make(chan *proposal, maxProposalBatch),
		inbox:     make(chan *raftpb.Message, inboxSize),
		reports:   make(chan report, inboxSize),
		slots:     make(chan struct{}, cfg.MaxInflightProposals),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
		leader:    raft.None,
	}
	n.encoder = entryEncoder{voters: n.voters}
	n.snap.done = make(chan snapshotResult, 1)
	return n
}

// Start runs the quorum goroutine. A node whose only voter is itself
// elects itself at once, without waiting for an election timeout.
func (n *Node) Start() {
	n.startOnce.Do(func() {
		n.started.Store(true)
		go n.run()
	})
}

// Close stops the quorum goroutine, waits for it and for a snapshot being
// written, records the commit index and closes the log. Proposals still
// waiting fail with ErrStopped. It returns the fatal error that stopped the
// node, if any, or the first error of closing.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		n.halt()
		n.closeErr = n.Err()
		if n.closeErr == nil {
			n.closeErr = n.finishPendingSnapshot()
		}
		if n.closeErr == nil {
			n.persist.CommitIndex = n.commit
			n.closeErr = writeQuorumState(n.dir, n.persist)
		}
		if err := n.log.Close(); err != nil && n.closeErr == nil {
			n.closeErr = fmt.Errorf("close metadata log: %w", err)
		}
	})
	return n.closeErr
}

// halt stops the quorum goroutine and waits for it and the snapshot
// writer, writing nothing more: what stays on disk is what a kill -9 at
// this point would leave.
func (n *Node) halt() {
	if n.started.Load() {
		select {
		case <-n.stop:
		default:
			close(n.stop)
		}
		<-n.done
	}
	n.snapWriter.Wait()
}

// finishPendingSnapshot completes a checkpoint that was written while the
// goroutine stopped; the goroutine is gone, so Close owns the state.
func (n *Node) finishPendingSnapshot() error {
	select {
	case res := <-n.snap.done:
		return n.finishSnapshot(res)
	default:
		return nil
	}
}

// Done is closed when the quorum goroutine has exited.
func (n *Node) Done() <-chan struct{} { return n.done }

// Err returns the fatal error that stopped the node, or nil.
func (n *Node) Err() error {
	select {
	case <-n.done:
		return n.err
	default:
		return nil
	}
}

// Propose replicates data as one entry and returns its raft index (Kafka
// offset index-1) once the entry is committed and applied on this node, so
// the caller reads its own write. It fails with a *NotLeaderError on a
// follower, ErrProposalLost or ErrProposalUnknown when leadership changes
// under it, ErrBusy, ErrProposalTooLarge, ErrStopped, or ctx's error (the
// entry may still commit after that).
func (n *Node) Propose(ctx context.Context, data []byte) (uint64, error) {
	switch {
	case len(data) == 0:
		return 0, errors.New("empty proposal: empty entries are raft's own")
	case len(data) > n.cfg.MaxEntryBytes:
		return 0, fmt.Errorf("%w: %d bytes, at most %d", ErrProposalTooLarge, len(data), n.cfg.MaxEntryBytes)
	}
	select {
	case n.slots <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-n.done:
		return 0, n.stoppedErr()
	}
	p := &proposal{data: data, done: make(chan proposalResult, 1)}
	select {
	case n.proposals <- p:
	case <-ctx.Done():
		<-n.slots
		return 0, ctx.Err()
	case <-n.done:
		<-n.slots
		return 0, n.stoppedErr()
	}
	return n.await(ctx, p)
}

func (n *Node) await(ctx context.Context, p *proposal) (uint64, error) {
	select {
	case r := <-p.done:
		return r.index, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-n.done:
		// The goroutine may have decided p just before exiting.
		select {
		case r := <-p.done:
			return r.index, r.err
		default:
			return 0, n.stoppedErr()
		}
	}
}

func (n *Node) stoppedErr() error {
	if err := n.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrStopped, err)
	}
	return ErrStopped
}

// Step hands a raft message from another voter to the quorum goroutine,
// waiting while the inbox is full.
func (n *Node) Step(ctx context.Context, m *raftpb.Message) error {
	if m.GetTo() != n.raftID {
		return fmt.Errorf("raft message for %d delivered to %d", m.GetTo(), n.raftID)
	}
	if raft.IsLocalMsg(m.GetType()) {
		return fmt.Errorf("raft message of local type %v from the network", m.GetType())
	}
	select {
	case n.inbox <- m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-n.done:
		return ErrStopped
	}
}

// ReportUnreachable tells raft that a message to the voter with raft ID
// to was not delivered, so the leader probes it instead of streaming.
func (n *Node) ReportUnreachable(to uint64) {
	select {
	case n.reports <- report{to: to, failed: true}:
	default: // raft recovers without it
	}
}

// ReportSnapshot tells raft whether a MsgSnap to the voter with raft ID to
// was delivered.
func (n *Node) ReportSnapshot(to uint64, delivered bool) {
	select {
	case n.reports <- report{to: to, snapshot: true, failed: !delivered}:
	case <-n.done:
	}
}

// partitionDir is the metadata log's directory inside metadata.log.dir.
func partitionDir(metadataLogDir string) string {
	return filepath.Join(metadataLogDir, PartitionDirName)
}
