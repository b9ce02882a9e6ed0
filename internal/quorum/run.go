package quorum

import (
	"errors"
	"fmt"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// run is the quorum goroutine: the only one that touches the RawNode, the
// log, raft's memory and the state machine after Start.
func (n *Node) run() {
	err := n.loop()
	if err != nil {
		n.logger.Error("metadata quorum stopped", "err", err)
	}
	n.err = err
	n.failPending(err)
	close(n.done)
}

func (n *Node) loop() error {
	if len(n.voters) == 1 {
		if err := n.electSelf(); err != nil {
			return err
		}
	}
	ticker := time.NewTicker(n.cfg.TickInterval)
	defer ticker.Stop()
	for {
		if err := n.processReadies(); err != nil {
			return err
		}
		n.publishStatus()
		if err := n.waitForWork(ticker.C, n.rn.HasReady()); err != nil {
			if errors.Is(err, errStopping) {
				return nil
			}
			return err
		}
	}
}

var errStopping = errors.New("stopping")

// electSelf makes the only voter leader before any proposal is looked at:
// the votes it casts for itself arrive as the Readies are handled.
func (n *Node) electSelf() error {
	if err := n.rn.Campaign(); err != nil {
		return fmt.Errorf("campaign as the only voter: %w", err)
	}
	for n.rn.HasReady() {
		if err := n.handleReady(); err != nil {
			return err
		}
	}
	if n.role != raft.StateLeader {
		return fmt.Errorf("the only voter failed to elect itself (state %v)", n.role)
	}
	return nil
}

// ready is always ready: waitForWork selects on it when raft has work, so
// that it looks at events without blocking.
var ready = func() chan time.Time {
	c := make(chan time.Time)
	close(c)
	return c
}()

// waitForWork takes the next event and feeds it to raft; it blocks for one
// only when raft has no Ready pending (busy false).
func (n *Node) waitForWork(tick <-chan time.Time, busy bool) error {
	var poll <-chan time.Time
	if busy {
		poll = ready
	}
	select {
	case <-n.stop:
		return errStopping
	case <-tick:
		n.rn.Tick()
		return n.maybeSnapshot(time.Now())
	case p := <-n.proposals:
		n.propose(p)
	case m := <-n.inbox:
		n.step(m)
		n.drainInbox()
	case r := <-n.reports:
		n.report(r)
	case res := <-n.snap.done:
		return n.finishSnapshot(res)
	case <-poll:
	}
	return nil
}

// maxReadyRounds bounds the Readies handled in a row, so that a steady
// stream of proposals cannot starve ticks (heartbeats, elections) and the
// followers' messages.
const maxReadyRounds = 8

// processReadies handles Readies while raft has them, up to maxReadyRounds,
// drawing in the proposals that queued meanwhile first, so that everything
// that arrived during one fsync is written by the next: the group commit.
func (n *Node) processReadies() error {
	for range maxReadyRounds {
		n.drainProposals()
		if !n.rn.HasReady() {
			return nil
		}
		if err := n.handleReady(); err != nil {
			return err
		}
	}
	return nil
}

func (n *Node) drainProposals() {
	bytes := 0
	for i := 0; i < maxProposalBatch && bytes < maxProposalBatchBytes; i++ {
		select {
		case p := <-n.proposals:
			n.propose(p)
			bytes += len(p.data)
		default:
			return
		}
	}
}

func (n *Node) drainInbox() {
	for range inboxSize {
		select {
		case m := <-n.inbox:
			n.step(m)
		default:
			return
		}
	}
}

// propose hands p to raft. On success raft has appended the entry to its
// unstable log, and the next Ready's entries end with it; handleReady then
// learns its index and term.
func (n *Node) propose(p *proposal) {
	if n.role != raft.StateLeader {
		n.release(p, 0, &NotLeaderError{LeaderID: NodeIDOf(n.leader)})
		return
	}
	err := n.rn.Propose(p.data)
	switch {
	case err == nil:
		n.proposed = append(n.proposed, p)
	case errors.Is(err, raft.ErrProposalDropped):
		if st := n.rn.BasicStatus(); st.RaftState != raft.StateLeader {
			n.release(p, 0, &NotLeaderError{LeaderID: NodeIDOf(st.Lead)})
		} else {
			n.release(p, 0, ErrBusy)
		}
	default:
		n.release(p, 0, fmt.Errorf("propose: %w", err))
	}
}

// release decides p and frees its in-flight slot.
func (n *Node) release(p *proposal, index uint64, err error) {
	p.finish(index, err)
	<-n.slots
}

// step hands raft a message from another voter. MsgProp is dropped: voters
// never forward proposals (each proposes only as leader), and an entry
// appended from the network would break matchProposals' tail rule.
func (n *Node) step(m *raftpb.Message) {
	from := m.GetFrom()
	if _, ok := n.cfg.Voters[NodeIDOf(from)]; !ok || from == n.raftID || m.GetType() == raftpb.MsgProp {
		n.logger.Debug("dropping raft message", "from", from, "type", m.GetType())
		return
	}
	n.contact[from] = time.Now()
	if err := n.rn.Step(m); err != nil {
		n.logger.Debug("raft rejected message", "from", from, "type", m.GetType(), "err", err)
	}
}

func (n *Node) report(r report) {
	switch {
	case r.snapshot && r.failed:
		n.rn.ReportSnapshot(r.to, raft.SnapshotFailure)
	case r.snapshot:
		n.rn.ReportSnapshot(r.to, raft.SnapshotFinish)
	default:
		n.rn.ReportUnreachable(r.to)
	}
}

// failPending decides every proposal still waiting or queued once the
// goroutine stops.
func (n *Node) failPending(cause error) {
	err := ErrStopped
	if cause != nil {
		err = fmt.Errorf("%w: %w", ErrStopped, cause)
	}
	for _, p := range n.proposed {
		n.release(p, 0, err)
	}
	n.proposed = nil
	n.waiters.failAll(err, n.release)
	for {
		select {
		case p := <-n.proposals:
			n.release(p, 0, err)
		default:
			return
		}
	}
}
