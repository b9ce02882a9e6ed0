package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Kind is what happened to a member's partitions.
type Kind int

const (
	// Assigned: OnPartitionsAssigned began with these partitions.
	Assigned Kind = iota
	// Revoked: OnPartitionsRevoked began with these partitions.
	Revoked
	// Lost: OnPartitionsLost began with these partitions.
	Lost
	// Polled: a poll returned records of these partitions, the first
	// since the member acquired each (later polls are not recorded).
	Polled
	// Gone: the member was killed or has left; it holds nothing from
	// now on and whatever it reports later is ignored.
	Gone
	// Sent: the member wrote a group request (Key) to the broker. It
	// changes no holdings; it is there to explain a timeline.
	Sent
	// Received: the member read the response to a group request (Key).
	// Like Sent, it changes no holdings.
	Received
)

var kindNames = [...]string{"assigned", "revoked", "lost", "polled", "gone", "sent", "received"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// MarshalText writes the kind's name, so that dumped timelines read.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Event is one entry of a run's timeline. At is the time since the run
// began; a timeline is sorted by At.
type Event struct {
	At         time.Duration `json:"at"`
	Member     int           `json:"member"`
	Kind       Kind          `json:"kind"`
	Partitions []int32       `json:"partitions,omitempty"`
	Key        int16         `json:"key,omitempty"` // request key of a Sent or Received event
}

// holdings is the group as the members see it: who holds each partition
// and whether each holder has polled it since acquiring it. It is the
// replay of a timeline; the zero value is not usable (see newHoldings).
type holdings struct {
	// holders[p] maps each member holding p to whether it has polled
	// p since it acquired it.
	holders []map[int]bool
	gone    map[int]bool
}

func newHoldings(partitions int32) *holdings {
	h := &holdings{holders: make([]map[int]bool, partitions), gone: map[int]bool{}}
	for p := range h.holders {
		h.holders[p] = map[int]bool{}
	}
	return h
}

// apply replays e and reports whether it changed anything. An assignment
// of a partition the member already holds changes nothing: the member
// goes on consuming it, so it is not an acquisition. Events naming
// partitions outside the topic are ignored, like those of gone members.
func (h *holdings) apply(e Event) bool {
	if h.gone[e.Member] || e.Kind == Sent || e.Kind == Received {
		return false
	}
	if e.Kind == Gone {
		h.gone[e.Member] = true
		changed := false
		for _, m := range h.holders {
			if _, ok := m[e.Member]; ok {
				delete(m, e.Member)
				changed = true
			}
		}
		return changed
	}
	changed := false
	for _, p := range e.Partitions {
		if p < 0 || int(p) >= len(h.holders) {
			continue
		}
		changed = h.applyOne(e.Kind, e.Member, h.holders[p]) || changed
	}
	return changed
}

func (h *holdings) applyOne(kind Kind, member int, holders map[int]bool) bool {
	polled, held := holders[member]
	switch kind {
	case Assigned:
		if !held {
			holders[member] = false
			return true
		}
	case Revoked, Lost:
		if held {
			delete(holders, member)
			return true
		}
	case Polled:
		if held && !polled {
			holders[member] = true
			return true
		}
	}
	return false
}

// consumed reports whether partition p is being consumed: some member
// holds it and has polled it since acquiring it.
func (h *holdings) consumed(p int32) bool {
	for _, polled := range h.holders[p] {
		if polled {
			return true
		}
	}
	return false
}

// owner is the single member holding p, or -1 when none or several do.
func (h *holdings) owner(p int32) int {
	if len(h.holders[p]) != 1 {
		return -1
	}
	for m := range h.holders[p] {
		return m
	}
	return -1
}

// unsettled says why the group is not at rest with exactly the members
// in live, or returns "" when it is: every partition has exactly one
// holder, a live member that has polled it, and the partitions are spread
// evenly (each live member holds ⌊n/m⌋ or ⌈n/m⌉), as every assignor of
// one topic used here leaves them.
func (h *holdings) unsettled(live []int) string {
	if len(live) == 0 {
		return "no live members"
	}
	isLive := map[int]bool{}
	for _, m := range live {
		isLive[m] = true
	}
	counts := map[int]int{}
	var problems []string
	for p := range h.holders {
		owner := h.owner(int32(p))
		switch {
		case owner < 0:
			problems = append(problems, fmt.Sprintf("p%d held by %v", p, sortedKeys(h.holders[p])))
		case !isLive[owner]:
			problems = append(problems, fmt.Sprintf("p%d held by member %d, not live", p, owner))
		case !h.holders[p][owner]:
			problems = append(problems, fmt.Sprintf("p%d not yet polled by member %d", p, owner))
		default:
			counts[owner]++
		}
	}
	if len(problems) > 0 {
		return summarize(problems)
	}
	low := len(h.holders) / len(live)
	high := low
	if len(h.holders)%len(live) != 0 {
		high++
	}
	for _, m := range live {
		if counts[m] < low || counts[m] > high {
			problems = append(problems, fmt.Sprintf("member %d holds %d (want %d to %d)", m, counts[m], low, high))
		}
	}
	return summarize(problems)
}

func summarize(problems []string) string {
	const max = 8
	if len(problems) > max {
		return strings.Join(problems[:max], "; ") + fmt.Sprintf("; and %d more", len(problems)-max)
	}
	return strings.Join(problems, "; ")
}

func sortedKeys(m map[int]bool) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Disruption is what one event did to the group.
type Disruption struct {
	// Recovery is the time from the event until every partition was
	// being consumed again: the latest end, over all partitions, of a
	// stretch in the window during which the partition was not being
	// consumed; zero when no partition stopped.
	Recovery time.Duration
	// UnmovedPaused is the partition-time, summed over the partitions
	// whose owner was the same before the event and at the window's end,
	// during which such a partition was not being consumed in the window.
	UnmovedPaused time.Duration
	// MovedPaused is the same sum over the partitions that changed owner.
	MovedPaused time.Duration
	// Moved is the number of partitions that changed owner.
	Moved int
	// Slowest is the partition that recovered last (-1 when none stopped).
	Slowest int32
}

// measure computes the disruption of the event at time at, over the
// window [at, end), from a run's timeline. The group must be at rest
// when the window opens (every partition consumed by one member) and
// again when it closes; otherwise the event cannot be measured and the
// error says which partitions were not.
func measure(events []Event, partitions int32, at, end time.Duration) (Disruption, error) {
	h := newHoldings(partitions)
	i := 0
	for ; i < len(events) && events[i].At < at; i++ {
		h.apply(events[i])
	}
	before, err := restingOwners(h, "when the event began")
	if err != nil {
		return Disruption{}, err
	}
	stoppedAt := make([]time.Duration, partitions)
	paused := make([]time.Duration, partitions)
	resumedAt := make([]time.Duration, partitions)
	for p := range stoppedAt {
		stoppedAt[p] = -1
	}
	for ; i < len(events) && events[i].At < end; i++ {
		e := events[i]
		if !h.apply(e) {
			continue
		}
		for p := range partitions {
			switch consumed := h.consumed(p); {
			case !consumed && stoppedAt[p] < 0:
				stoppedAt[p] = e.At
			case consumed && stoppedAt[p] >= 0:
				paused[p] += e.At - stoppedAt[p]
				resumedAt[p] = e.At
				stoppedAt[p] = -1
			}
		}
	}
	after, err := restingOwners(h, fmt.Sprintf("%v after the event", end-at))
	if err != nil {
		return Disruption{}, err
	}
	d := Disruption{Slowest: -1}
	for p := range partitions {
		if before[p] == after[p] {
			d.UnmovedPaused += paused[p]
		} else {
			d.MovedPaused += paused[p]
			d.Moved++
		}
		if resumedAt[p]-at > d.Recovery {
			d.Recovery, d.Slowest = resumedAt[p]-at, p
		}
	}
	return d, nil
}

// restingOwners is each partition's single consuming owner, or an error
// naming the partitions that have none.
func restingOwners(h *holdings, when string) ([]int, error) {
	owners := make([]int, len(h.holders))
	var bad []string
	for p := range h.holders {
		owners[p] = h.owner(int32(p))
		if owners[p] < 0 || !h.consumed(int32(p)) {
			bad = append(bad, fmt.Sprintf("p%d (holders %v)", p, sortedKeys(h.holders[p])))
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("group not at rest %s: %d partitions not consumed by exactly one member: %s", when, len(bad), summarize(bad))
	}
	return owners, nil
}
