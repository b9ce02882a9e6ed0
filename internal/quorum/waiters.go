package quorum

// proposal is one Propose call in flight. The quorum goroutine fills index
// and term when raft appends the entry and sends exactly one result on done
// (buffered, so it never blocks on a caller that gave up).
type proposal struct {
	data        []byte
	index, term uint64
	done        chan proposalResult
}

type proposalResult struct {
	index uint64
	err   error
}

func (p *proposal) finish(index uint64, err error) {
	p.done <- proposalResult{index: index, err: err}
}

// waiterQueue holds the proposals appended to the log and not yet decided,
// in the order raft appended them, which is ascending (term, index): a
// node's term never decreases and a leader's indexes grow within its term.
//
// A proposal's identity is the (index, term) raft gave its entry: an entry
// at an index with a term is never replaced, so the proposal succeeded
// exactly when the entry applied at its index has its term. Once an entry
// of a higher term is applied, every waiting proposal of a lower term is
// lost, because terms never decrease along the log. A new leader always
// commits an entry of its own term, so no proposal outlives a leader change
// by more than that entry's commit.
//
// Owned by the quorum goroutine.
type waiterQueue struct {
	items []*proposal
	head  int
}

func (q *waiterQueue) push(p *proposal) { q.items = append(q.items, p) }

func (q *waiterQueue) len() int { return len(q.items) - q.head }

func (q *waiterQueue) front() *proposal {
	if q.head == len(q.items) {
		return nil
	}
	return q.items[q.head]
}

func (q *waiterQueue) pop() *proposal {
	p := q.items[q.head]
	q.items[q.head] = nil
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	}
	return p
}

// applied decides the proposals that the entry (index, term), just applied,
// settles; release is called for each decided proposal.
func (q *waiterQueue) applied(index, term uint64, release func(*proposal, uint64, error)) {
	for p := q.front(); p != nil; p = q.front() {
		switch {
		case p.term == term && p.index == index:
			release(q.pop(), index, nil)
		case p.term < term || (p.term == term && p.index < index):
			// Its index went by with another term's entry, or a
			// higher term reached the log: it was replaced.
			release(q.pop(), 0, ErrProposalLost)
		default:
			return
		}
	}
}

// snapshotInstalled decides the proposals that a snapshot at (index, term)
// from the leader settles: those at or below index may be inside it; those
// above it of a lower term were replaced.
func (q *waiterQueue) snapshotInstalled(index, term uint64, release func(*proposal, uint64, error)) {
	for p := q.front(); p != nil; p = q.front() {
		switch {
		case p.index <= index:
			release(q.pop(), 0, ErrProposalUnknown)
		case p.term < term:
			release(q.pop(), 0, ErrProposalLost)
		default:
			return
		}
	}
}

// failAll decides every waiting proposal with err.
func (q *waiterQueue) failAll(err error, release func(*proposal, uint64, error)) {
	for q.len() > 0 {
		release(q.pop(), 0, err)
	}
}
