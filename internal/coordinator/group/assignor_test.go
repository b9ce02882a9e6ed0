package group

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"samsa/internal/metadata"
)

var (
	cgtT1 = metadata.Uuid{1}
	cgtT2 = metadata.Uuid{2}
	cgtT3 = metadata.Uuid{3}
)

// cgtSpec builds an assignor input: members "id:topics" with their
// current assignments.
func cgtSpec(partitions map[metadata.Uuid]int32, members ...cgAssignMember) *cgAssignSpec {
	spec := &cgAssignSpec{partitions: partitions, members: members}
	for i := range spec.members {
		slices.SortFunc(spec.members[i].topics, compareUuid)
	}
	slices.SortFunc(spec.members, func(a, b cgAssignMember) int {
		if a.id < b.id {
			return -1
		}
		return 1
	})
	return spec
}

func cgtShow(a map[string]cgAssignment) string {
	out := ""
	for _, id := range sortedKeys(a) {
		out += id + ":"
		for _, t := range sortedTopicIDs(a[id]) {
			out += fmt.Sprintf("t%d%v", t[0], a[id][t])
		}
		out += " "
	}
	return out
}

func TestRangeAssignor(t *testing.T) {
	cases := []struct {
		name string
		spec *cgAssignSpec
		want string
	}{
		{"co-partitioned ranges, extras to the first",
			cgtSpec(map[metadata.Uuid]int32{cgtT1: 5, cgtT2: 5},
				cgAssignMember{id: "a", topics: []metadata.Uuid{cgtT1, cgtT2}},
				cgAssignMember{id: "b", topics: []metadata.Uuid{cgtT1, cgtT2}}),
			"a:t1[0 1 2]t2[0 1 2] b:t1[3 4]t2[3 4] "},
		{"static members first by instance id",
			cgtSpec(map[metadata.Uuid]int32{cgtT1: 3},
				cgAssignMember{id: "a", topics: []metadata.Uuid{cgtT1}},
				cgAssignMember{id: "b", instanceID: "z", topics: []metadata.Uuid{cgtT1}},
				cgAssignMember{id: "c", instanceID: "y", topics: []metadata.Uuid{cgtT1}}),
			"a:t1[2] b:t1[1] c:t1[0] "},
		{"heterogeneous: each topic over its own subscribers",
			cgtSpec(map[metadata.Uuid]int32{cgtT1: 4, cgtT2: 2},
				cgAssignMember{id: "a", topics: []metadata.Uuid{cgtT1}},
				cgAssignMember{id: "b", topics: []metadata.Uuid{cgtT1, cgtT2}},
				cgAssignMember{id: "c", topics: []metadata.Uuid{cgtT2}}),
			"a:t1[0 1] b:t1[2 3]t2[0] c:t2[1] "},
		{"more members than partitions",
			cgtSpec(map[metadata.Uuid]int32{cgtT1: 1},
				cgAssignMember{id: "a", topics: []metadata.Uuid{cgtT1}},
				cgAssignMember{id: "b", topics: []metadata.Uuid{cgtT1}}),
			"a:t1[0] b: "},
	}
	for _, c := range cases {
		out := rangeAssignor{}.assign(c.spec)
		if err := checkAssignment(c.spec, out); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := cgtShow(out); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestUniformAssignor(t *testing.T) {
	cur := func(pairs ...any) cgAssignment {
		a := cgAssignment{}
		for i := 0; i < len(pairs); i += 2 {
			a[pairs[i].(metadata.Uuid)] = pairs[i+1].([]int32)
		}
		return a
	}
	both := []metadata.Uuid{cgtT1, cgtT2}
	cases := []struct {
		name string
		spec *cgAssignSpec
		want string
	}{
		{"fresh group splits evenly",
			cgtSpec(map[metadata.Uuid]int32{cgtT1: 3, cgtT2: 3},
				cgAssignMember{id: "a", topics: both}, cgAssignMember{id: "b", topics: both}),
			"a:t1[0 1 2] b:t2[0 1 2] "},
		{"a joining member takes one partition from the fullest",
			cgtSpec(map[metadata.Uuid]int32{cgtT1: 4},
				cgAssignMember{id: "a", topics: []metadata.Uuid{cgtT1}, current: cur(cgtT1, []int32{0, 1})},
				cgAssignMember{id: "b", topics: []metadata.Uuid{cgtT1}, current: cur(cgtT1, []int32{2, 3})},
				cgAssignMember{id: "c", topics: []metadata.Uuid{cgtT1}}),
			"a:t1[0 1] b:t1[2] c:t1[3] "},
		{"a departed member's partitions go to the others, the rest stay",
			cgtSpec(map[metadata.Uuid]int32{cgtT1: 4},
				cgAssignMember{id: "a", topics: []metadata.Uuid{cgtT1}, current: cur(cgtT1, []int32{0})},
				cgAssignMember{id: "c", topics: []metadata.Uuid{cgtT1}, current: cur(cgtT1, []int32{3})}),
			"a:t1[0 1] c:t1[2 3] "},
		{"an unchanged group keeps its assignment",
			cgtSpec(map[metadata.Uuid]int32{cgtT1: 3},
				cgAssignMember{id: "a", topics: []metadata.Uuid{cgtT1}, current: cur(cgtT1, []int32{2})},
				cgAssignMember{id: "b", topics: []metadata.Uuid{cgtT1}, current: cur(cgtT1, []int32{0, 1})}),
			"a:t1[2] b:t1[0 1] "},
		{"heterogeneous: each member keeps its subscribed partitions and balances",
			cgtSpec(map[metadata.Uuid]int32{cgtT1: 4, cgtT2: 2},
				cgAssignMember{id: "a", topics: []metadata.Uuid{cgtT1}, current: cur(cgtT1, []int32{0, 1, 2, 3})},
				cgAssignMember{id: "b", topics: both},
				cgAssignMember{id: "c", topics: []metadata.Uuid{cgtT2}, current: cur(cgtT2, []int32{0, 1})}),
			"a:t1[0 1] b:t1[2 3] c:t2[0 1] "},
		{"heterogeneous: an unsubscribed topic is dropped",
			cgtSpec(map[metadata.Uuid]int32{cgtT1: 2, cgtT2: 2},
				cgAssignMember{id: "a", topics: []metadata.Uuid{cgtT1}, current: cur(cgtT1, []int32{0, 1}, cgtT2, []int32{0, 1})},
				cgAssignMember{id: "b", topics: both}),
			"a:t1[0 1] b:t2[0 1] "},
	}
	for _, c := range cases {
		out := uniformAssignor{}.assign(c.spec)
		if err := checkAssignment(c.spec, out); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := cgtShow(out); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

// TestAssignorsRandomGroups runs both assignors over random groups and
// checks what holds for every input: every partition assigned once to a
// subscriber; uniform balanced within one partition among members of
// identical subscriptions; uniform sticky (running it again on its own
// output changes nothing, and a member joining a homogeneous group moves
// no more partitions than the newcomer's share).
func TestAssignorsRandomGroups(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	topics := []metadata.Uuid{cgtT1, cgtT2, cgtT3}
	for iter := 0; iter < 500; iter++ {
		partitions := map[metadata.Uuid]int32{}
		for _, tp := range topics {
			partitions[tp] = int32(rng.IntN(12))
		}
		homogeneous := rng.IntN(2) == 0
		n := 1 + rng.IntN(7)
		var members []cgAssignMember
		for i := 0; i < n; i++ {
			m := cgAssignMember{id: fmt.Sprintf("m%02d", i)}
			for _, tp := range topics {
				if homogeneous || rng.IntN(2) == 0 {
					m.topics = append(m.topics, tp)
				}
			}
			members = append(members, m)
		}
		spec := cgtSpec(partitions, members...)
		for _, a := range []consumerAssignor{uniformAssignor{}, rangeAssignor{}} {
			out := a.assign(spec)
			if err := checkAssignment(spec, out); err != nil {
				t.Fatalf("iteration %d %s: %v", iter, a.name(), err)
			}
		}
		out := uniformAssignor{}.assign(spec)
		if spec.homogeneous() {
			sizes := make([]int, 0, n)
			for _, m := range spec.members {
				sizes = append(sizes, out[m.id].size())
			}
			if slices.Max(sizes)-slices.Min(sizes) > 1 {
				t.Fatalf("iteration %d: unbalanced %v", iter, sizes)
			}
		}
		// Sticky: the assignment is a fixed point.
		again := cgtWithCurrent(spec, out)
		if second := (uniformAssignor{}).assign(again); cgtShow(second) != cgtShow(out) {
			t.Fatalf("iteration %d: reassigning a stable group moved partitions:\n%s\n%s", iter, cgtShow(out), cgtShow(second))
		}
		if !spec.homogeneous() {
			continue
		}
		joined := cgtWithCurrent(spec, out)
		joined.members = append(joined.members, cgAssignMember{id: "zz", topics: slices.Clone(spec.members[0].topics)})
		after := uniformAssignor{}.assign(joined)
		moved := 0
		for _, m := range spec.members {
			for tp, parts := range out[m.id] {
				for _, p := range parts {
					if !slices.Contains(after[m.id][tp], p) {
						moved++
					}
				}
			}
		}
		total := 0
		for _, tp := range spec.members[0].topics {
			total += int(partitions[tp])
		}
		if share := (total + n) / (n + 1); moved > share {
			t.Fatalf("iteration %d: a member joining moved %d partitions, its share is %d", iter, moved, share)
		}
	}
}

func cgtWithCurrent(spec *cgAssignSpec, current map[string]cgAssignment) *cgAssignSpec {
	next := &cgAssignSpec{partitions: spec.partitions}
	for _, m := range spec.members {
		m.current = current[m.id]
		next.members = append(next.members, m)
	}
	return next
}

// BenchmarkAssignors assigns 10 topics of 100 partitions to 100 members,
// sticky from the previous assignment with one member replaced, as a
// rebalance after a member leaves and another joins.
func BenchmarkAssignors(b *testing.B) {
	partitions := map[metadata.Uuid]int32{}
	var topics []metadata.Uuid
	for i := 0; i < 10; i++ {
		id := metadata.Uuid{byte(i + 1)}
		partitions[id], topics = 100, append(topics, id)
	}
	var members []cgAssignMember
	for i := 0; i < 100; i++ {
		members = append(members, cgAssignMember{id: fmt.Sprintf("m%03d", i), topics: topics})
	}
	for _, a := range []consumerAssignor{uniformAssignor{}, rangeAssignor{}} {
		spec := cgtSpec(partitions, members...)
		next := cgtWithCurrent(spec, a.assign(spec))
		next.members[0].id, next.members[0].current = "new", nil
		b.Run(a.name(), func(b *testing.B) {
			for b.Loop() {
				a.assign(next)
			}
		})
	}
}
