package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// s is seconds, for writing timelines.
func s(x float64) time.Duration { return time.Duration(x * float64(time.Second)) }

func ev(at float64, member int, kind Kind, partitions ...int32) Event {
	return Event{At: s(at), Member: member, Kind: kind, Partitions: partitions}
}

// steady is a group at rest at 1 s: member m holds and has polled
// partitions 2m and 2m+1, for members 0..n-1.
func steady(n int) []Event {
	var events []Event
	for m := range n {
		p := int32(2 * m)
		events = append(events, ev(0.5, m, Assigned, p, p+1), ev(1, m, Polled, p, p+1))
	}
	return events
}

func TestMeasure(t *testing.T) {
	cases := []struct {
		name       string
		partitions int32
		events     []Event
		at, end    float64
		want       Disruption
	}{
		{
			name: "nothing happens", partitions: 4, events: steady(2), at: 10, end: 20,
			want: Disruption{Slowest: -1},
		},
		{
			// Everyone revokes everything; partitions 0-2 come back
			// to their owners, 3 goes to the new member 2.
			name: "eager join pauses every partition", partitions: 4, at: 10, end: 20,
			events: append(steady(2),
				ev(11, 0, Revoked, 0, 1), ev(11, 1, Revoked, 2, 3),
				ev(11.5, 0, Assigned, 0, 1), ev(11.5, 1, Assigned, 2), ev(11.5, 2, Assigned, 3),
				ev(11.6, 0, Polled, 0), ev(11.6, 1, Polled, 2), ev(11.7, 0, Polled, 1), ev(12, 2, Polled, 3)),
			want: Disruption{Recovery: s(2), UnmovedPaused: s(0.6 + 0.7 + 0.6), MovedPaused: s(1), Moved: 1, Slowest: 3},
		},
		{
			name: "cooperative join revokes only what moves", partitions: 4, at: 10, end: 20,
			events: append(steady(2),
				ev(11, 1, Revoked, 3), ev(11.5, 2, Assigned, 3), ev(11.8, 2, Polled, 3)),
			want: Disruption{Recovery: s(1.8), MovedPaused: s(0.8), Moved: 1, Slowest: 3},
		},
		{
			// The killed member's own Lost callback comes after it
			// is gone and changes nothing.
			name: "kill stops the dead member's partitions at once", partitions: 6, at: 10, end: 20,
			events: append(steady(3),
				ev(10, 1, Gone), ev(11, 1, Lost, 2, 3),
				ev(16, 0, Assigned, 2), ev(16, 2, Assigned, 3), ev(16.1, 0, Polled, 2), ev(16.3, 2, Polled, 3)),
			want: Disruption{Recovery: s(6.3), MovedPaused: s(6.1 + 6.3), Moved: 2, Slowest: 3},
		},
		{
			name: "clean leave revokes, then is gone", partitions: 4, at: 10, end: 20,
			events: append(steady(2),
				ev(10.01, 0, Revoked, 0, 1), ev(10.02, 0, Gone),
				ev(12, 1, Assigned, 0, 1), ev(12.1, 1, Polled, 0, 1)),
			want: Disruption{Recovery: s(2.1), MovedPaused: s(2.09 * 2), Moved: 2, Slowest: 0},
		},
		{
			// Owner 0 before and after, so unmoved, but it was not
			// consumed while in transit and until each new holder
			// polled it.
			name: "a partition that moves away and back is unmoved", partitions: 4, at: 10, end: 20,
			events: append(steady(2),
				ev(11, 0, Revoked, 0), ev(11.2, 1, Assigned, 0), ev(11.3, 1, Polled, 0),
				ev(12, 1, Revoked, 0), ev(12.5, 0, Assigned, 0), ev(12.6, 0, Polled, 0)),
			want: Disruption{Recovery: s(2.6), UnmovedPaused: s(0.3 + 0.6), Slowest: 0},
		},
		{
			// The new holder is assigned before the old one lets go:
			// the partition never stops being consumed.
			name: "overlap in the window is no pause", partitions: 4, at: 10, end: 20,
			events: append(steady(2),
				ev(11, 2, Assigned, 3), ev(11.1, 2, Polled, 3), ev(11.2, 1, Revoked, 3)),
			want: Disruption{Moved: 1, Slowest: -1},
		},
		{
			name: "assigning a held partition again is no acquisition", partitions: 4, at: 10, end: 20,
			events: append(steady(2), ev(11, 0, Assigned, 0, 1)),
			want:   Disruption{Slowest: -1},
		},
		{
			// A poll that returned before the revocation but was
			// recorded after it must not count as consumption.
			name: "a poll by a member that no longer holds the partition is ignored", partitions: 4, at: 10, end: 20,
			events: append(steady(2),
				ev(11, 0, Revoked, 0), ev(11.05, 0, Polled, 0), ev(11.5, 1, Assigned, 0), ev(11.6, 1, Polled, 0)),
			want: Disruption{Recovery: s(1.6), MovedPaused: s(0.6), Moved: 1, Slowest: 0},
		},
		{
			name: "events outside the window do not count", partitions: 4, at: 10, end: 20,
			events: append(steady(2),
				ev(5, 0, Revoked, 0), ev(5.5, 0, Assigned, 0), ev(6, 0, Polled, 0),
				ev(21, 1, Revoked, 2, 3)),
			want: Disruption{Slowest: -1},
		},
		{
			name: "requests change nothing", partitions: 4, at: 10, end: 20,
			events: append(steady(2), Event{At: s(11), Member: 0, Kind: Sent, Key: keyHeartbeat},
				Event{At: s(11.1), Member: 0, Kind: Received, Key: keyHeartbeat}),
			want: Disruption{Slowest: -1},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := measure(sorted(c.events), c.partitions, s(c.at), s(c.end))
			if err != nil {
				t.Fatal(err)
			}
			if !closeTo(got, c.want) {
				t.Fatalf("measure = %+v\nwant      %+v", got, c.want)
			}
		})
	}
}

func TestMeasureNeedsRest(t *testing.T) {
	cases := []struct {
		name   string
		events []Event
		want   string
	}{
		{"a partition never polled when the event begins",
			[]Event{ev(0.5, 0, Assigned, 0, 1), ev(1, 0, Polled, 0)},
			"group not at rest when the event began: 1 partitions not consumed by exactly one member: p1 (holders [0])"},
		{"a partition held by two members when the event begins",
			[]Event{ev(0.5, 0, Assigned, 0, 1), ev(0.5, 1, Assigned, 1), ev(1, 0, Polled, 0, 1), ev(1, 1, Polled, 1)},
			"when the event began: 1 partitions not consumed by exactly one member: p1 (holders [0 1])"},
		{"a partition nobody holds when the window ends",
			[]Event{ev(0.5, 0, Assigned, 0, 1), ev(1, 0, Polled, 0, 1), ev(11, 0, Revoked, 1)},
			"group not at rest 10s after the event: 1 partitions not consumed by exactly one member: p1 (holders [])"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := measure(c.events, 2, s(10), s(20))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("measure error = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestUnsettled(t *testing.T) {
	cases := []struct {
		name   string
		events []Event
		live   []int
		want   string
	}{
		{"at rest", steady(3), []int{0, 1, 2}, ""},
		{"a member holds nothing", append(steady(3), ev(2, 2, Revoked, 4, 5), ev(2, 1, Assigned, 4, 5), ev(3, 1, Polled, 4, 5)),
			[]int{0, 1, 2}, "member 1 holds 4 (want 2 to 2); member 2 holds 0 (want 2 to 2)"},
		{"a holder that is not live", steady(3), []int{0, 1}, "p4 held by member 2, not live; p5 held by member 2, not live"},
		{"not yet polled", append(steady(3), ev(2, 2, Revoked, 5), ev(2, 0, Assigned, 5)), []int{0, 2},
			"p2 held by member 1, not live; p3 held by member 1, not live; p5 not yet polled by member 0"},
		{"nobody holds it", append(steady(3), ev(2, 2, Revoked, 5)), []int{0, 1, 2}, "p5 held by []"},
		{"uneven counts allowed within one", append(steady(3), ev(2, 2, Revoked, 5), ev(2, 3, Assigned, 5), ev(3, 3, Polled, 5)),
			[]int{0, 1, 2, 3}, ""},
		{"uneven counts beyond one", append(steady(3), ev(2, 2, Revoked, 5), ev(2, 0, Assigned, 5), ev(3, 0, Polled, 5)),
			[]int{0, 1, 2}, "member 0 holds 3 (want 2 to 2); member 2 holds 1 (want 2 to 2)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHoldings(6)
			for _, e := range c.events {
				h.apply(e)
			}
			if got := h.unsettled(c.live); got != c.want {
				t.Fatalf("unsettled = %q, want %q", got, c.want)
			}
		})
	}
}

// TestRecorderTimeline checks what the live recorder keeps: first polls
// only, no empty callbacks, and a settle check that wants fresh polls and
// quiet.
func TestRecorderTimeline(t *testing.T) {
	r := newRecorder(2)
	r.record(0, Assigned, []int32{0, 1})
	r.record(0, Revoked, nil) // kgo's end-of-session call: nothing to record
	r.polled(0, []int32{0})
	r.polled(0, []int32{0, 1})
	r.polled(0, []int32{0, 1})
	r.polled(1, []int32{0}) // not a holder
	var kinds []string
	for _, e := range r.timeline() {
		kinds = append(kinds, e.Kind.String()+fmt.Sprint(e.Partitions))
	}
	if got, want := strings.Join(kinds, " "), "assigned[0 1] polled[0] polled[1]"; got != want {
		t.Fatalf("timeline %q, want %q", got, want)
	}
	if why := r.settled([]int{0}, time.Minute, time.Hour); !strings.Contains(why, "assignments changed") {
		t.Fatalf("settled without quiet: %q", why)
	}
	if why := r.settled([]int{0}, time.Minute, 0); why != "" {
		t.Fatalf("not settled: %q", why)
	}
	if why := r.settled([]int{0}, 0, 0); !strings.Contains(why, "no records polled lately") {
		t.Fatalf("settled without fresh polls: %q", why)
	}
}

func TestRecoveryVerdict(t *testing.T) {
	cases := []struct {
		a, b summary
		want string
	}{
		{summary{recovery: 1.5}, summary{recovery: 2}, "0.750  (1.500 s / 2.000 s, -500 ms)  met"},
		{summary{recovery: 2, spread: 0.1}, summary{recovery: 1.5, spread: 0.2}, "1.333  (2.000 s / 1.500 s, +500 ms)  MISSED"},
		{summary{recovery: 1.52, spread: 0.1}, summary{recovery: 1.5}, "1.013  (1.520 s / 1.500 s, +20 ms)  MISSED by less than the spread between rounds (100 ms)"},
		{summary{recovery: 1}, summary{}, "n/a (the peer recovered in 0 s; samsa 1.000 s)"},
		{summary{recovery: 1.5}, summary{recovery: 1.5003}, "1.000  (1.500 s / 1.500 s, +0 ms)  met"},
	}
	for _, c := range cases {
		if got := recoveryVerdict(c.a, c.b); got != c.want {
			t.Errorf("recoveryVerdict(%+v, %+v) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}

func sorted(events []Event) []Event {
	out := slices.Clone(events)
	slices.SortStableFunc(out, func(a, b Event) int { return cmp.Compare(a.At, b.At) })
	return out
}

// closeTo compares disruptions allowing for float rounding in the
// durations the cases write in seconds.
func closeTo(a, b Disruption) bool {
	near := func(x, y time.Duration) bool { return (x - y).Abs() < time.Microsecond }
	return near(a.Recovery, b.Recovery) && near(a.UnmovedPaused, b.UnmovedPaused) &&
		near(a.MovedPaused, b.MovedPaused) && a.Moved == b.Moved && a.Slowest == b.Slowest
}
