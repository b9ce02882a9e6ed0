package main

import (
	"slices"
	"strconv"
	"sync"
	"time"
)

// recorder collects one run's timeline from the members' callbacks and
// poll loops. It is safe for concurrent use. Times are taken under its
// lock from the monotonic clock, so the timeline is sorted by At.
type recorder struct {
	start time.Time

	mu struct {
		sync.Mutex
		events   []Event
		holdings *holdings
		// lastPoll[member][partition] is when a poll last returned
		// records of the partition to the member.
		lastPoll map[int]map[int32]time.Duration
		// lastChange is when the holdings last changed by a callback
		// or a departure (first polls do not count).
		lastChange time.Duration
		// lastSent[member][key] is when the member last wrote a
		// request with that key.
		lastSent map[int]map[int16]time.Duration
	}
}

func newRecorder(partitions int32) *recorder {
	r := &recorder{start: time.Now()}
	r.mu.holdings = newHoldings(partitions)
	r.mu.lastPoll = map[int]map[int32]time.Duration{}
	r.mu.lastSent = map[int]map[int16]time.Duration{}
	return r
}

// now is the time since the run began.
func (r *recorder) now() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return time.Since(r.start)
}

// record appends an event of kind for member, stamped now, and returns
// its time. Callbacks with no partitions are not recorded: kgo calls
// them at the end of every session, and they change nothing.
func (r *recorder) record(member int, kind Kind, partitions []int32) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	at := time.Since(r.start)
	if kind != Gone && len(partitions) == 0 {
		return at
	}
	e := Event{At: at, Member: member, Kind: kind, Partitions: slices.Clone(partitions)}
	r.mu.events = append(r.mu.events, e)
	if r.mu.holdings.apply(e) {
		r.mu.lastChange = at
	}
	return at
}

// polled notes that a poll returned records of partitions to member; only
// a member's first poll of a partition since acquiring it goes into the
// timeline.
func (r *recorder) polled(member int, partitions []int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	at := time.Since(r.start)
	last := r.mu.lastPoll[member]
	if last == nil {
		last = map[int32]time.Duration{}
		r.mu.lastPoll[member] = last
	}
	for _, p := range partitions {
		last[p] = at
	}
	var first []int32
	for _, p := range partitions {
		if r.mu.holdings.apply(Event{Member: member, Kind: Polled, Partitions: []int32{p}}) {
			first = append(first, p)
		}
	}
	if len(first) > 0 {
		r.mu.events = append(r.mu.events, Event{At: at, Member: member, Kind: Polled, Partitions: first})
	}
}

// request notes that member wrote a group request with key (kind Sent)
// or read its response (kind Received).
func (r *recorder) request(member int, kind Kind, key int16) {
	r.mu.Lock()
	defer r.mu.Unlock()
	at := time.Since(r.start)
	r.mu.events = append(r.mu.events, Event{At: at, Member: member, Kind: kind, Key: key})
	if kind != Sent {
		return
	}
	last := r.mu.lastSent[member]
	if last == nil {
		last = map[int16]time.Duration{}
		r.mu.lastSent[member] = last
	}
	last[key] = at
}

// lastSent is when member last wrote a request with key, or -1.
func (r *recorder) lastSent(member int, key int16) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if at, ok := r.mu.lastSent[member][key]; ok {
		return at
	}
	return -1
}

// settled returns "" when the group is at rest with exactly the members
// in live (see holdings.unsettled), every partition has been polled by
// its owner within fresh, and nothing has changed hands for quiet;
// otherwise it says what is missing.
func (r *recorder) settled(live []int, fresh, quiet time.Duration) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if why := r.mu.holdings.unsettled(live); why != "" {
		return why
	}
	now := time.Since(r.start)
	var stale []string
	for p := range int32(len(r.mu.holdings.holders)) {
		owner := r.mu.holdings.owner(p)
		if now-r.mu.lastPoll[owner][p] > fresh {
			stale = append(stale, "p"+strconv.Itoa(int(p)))
		}
	}
	if len(stale) > 0 {
		return "no records polled lately from " + summarize(stale)
	}
	if idle := now - r.mu.lastChange; idle < quiet {
		return "assignments changed " + idle.Round(time.Millisecond).String() + " ago"
	}
	return ""
}

// timeline is a copy of the events recorded so far.
func (r *recorder) timeline() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.mu.events)
}
