package group

import (
	"slices"
	"sort"

	"samsa/internal/metadata"
)

// uniformAssignor is Kafka's server-side "uniform" assignor, the default
// (UniformAssignor with its homogeneous and heterogeneous builders). Its
// goals, in order:
//
//  1. Balance: the partition counts of two members subscribed to the same
//     topics differ by at most one.
//  2. Stickiness: a partition stays with the member that has it in the
//     current target assignment unless balance needs it elsewhere.
//
// When every member subscribes to the same topics, the total is divided
// into quotas (total/members, the first total%members members one more,
// those holding most first so fewest partitions move); each member keeps
// what it holds up to its quota and the rest go to members below theirs.
// Otherwise each member keeps the partitions of topics it still
// subscribes to, the free partitions go one by one to the least loaded
// subscriber of their topic (topics with fewest subscribers per partition
// last, so constrained topics are placed first), and then partitions move
// from the most to the least loaded subscribers of each topic until no
// topic can improve. Racks are not considered, as in Kafka 4's uniform
// assignor.
type uniformAssignor struct{}

func (uniformAssignor) name() string { return "uniform" }

func (uniformAssignor) assign(spec *cgAssignSpec) map[string]cgAssignment {
	if len(spec.members) == 0 {
		return map[string]cgAssignment{}
	}
	if spec.homogeneous() {
		return uniformHomogeneous(spec)
	}
	return uniformHeterogeneous(spec)
}

// validCurrent returns the partitions a member may keep: of topics it
// subscribes to, that exist, and that no member before it claimed.
func validCurrent(spec *cgAssignSpec, m *cgAssignMember, claimed map[cgPartition]bool) []cgPartition {
	var out []cgPartition
	for _, topic := range sortedTopicIDs(m.current) {
		if _, ok := slices.BinarySearchFunc(m.topics, topic, compareUuid); !ok {
			continue
		}
		for _, p := range m.current[topic] {
			key := cgPartition{topic, p}
			if p < spec.partitions[topic] && !claimed[key] {
				claimed[key] = true
				out = append(out, key)
			}
		}
	}
	return out
}

func uniformHomogeneous(spec *cgAssignSpec) map[string]cgAssignment {
	topics := spec.members[0].topics
	total := 0
	for _, t := range topics {
		total += int(spec.partitions[t])
	}
	n := len(spec.members)
	claimed := map[cgPartition]bool{}
	held := make([][]cgPartition, n)
	for i := range spec.members {
		held[i] = validCurrent(spec, &spec.members[i], claimed)
	}
	// The extra partitions go to the members holding most, so the
	// fewest partitions change hands; ties by member order.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(held[order[a]]) > len(held[order[b]]) })
	quota := make([]int, n)
	for rank, i := range order {
		quota[i] = total / n
		if rank < total%n {
			quota[i]++
		}
	}
	out := make(map[string]cgAssignment, n)
	kept := map[cgPartition]bool{}
	for i, m := range spec.members {
		a := cgAssignment{}
		for _, key := range held[i][:min(len(held[i]), quota[i])] {
			a[key.topic] = append(a[key.topic], key.partition)
			kept[key] = true
		}
		quota[i] -= min(len(held[i]), quota[i])
		out[m.id] = a
	}
	free := freePartitions(spec, topics, kept)
	for _, i := range order {
		a := out[spec.members[i].id]
		for ; quota[i] > 0 && len(free) > 0; quota[i]-- {
			a[free[0].topic] = append(a[free[0].topic], free[0].partition)
			free = free[1:]
		}
	}
	for _, a := range out {
		sortAssignment(a)
	}
	return out
}

// freePartitions lists the partitions of topics not in taken, by topic id
// and partition.
func freePartitions(spec *cgAssignSpec, topics []metadata.Uuid, taken map[cgPartition]bool) []cgPartition {
	var free []cgPartition
	for _, t := range topics {
		for p := int32(0); p < spec.partitions[t]; p++ {
			if key := (cgPartition{t, p}); !taken[key] {
				free = append(free, key)
			}
		}
	}
	return free
}

// uniformBalancer holds the heterogeneous assignment while it is built.
type uniformBalancer struct {
	spec        *cgAssignSpec
	owner       map[metadata.Uuid][]int // partition → member index, -1 free
	load        []int
	subscribers map[metadata.Uuid][]int
	topics      []metadata.Uuid // by partitions per subscriber, descending
}

// uniformMaxRounds bounds the balancing passes; overlapping
// subscriptions converge slowly and a near balance is good enough (Kafka
// stops after 16 as well).
const uniformMaxRounds = 16

func uniformHeterogeneous(spec *cgAssignSpec) map[string]cgAssignment {
	b := &uniformBalancer{spec: spec, owner: map[metadata.Uuid][]int{}, load: make([]int, len(spec.members)),
		subscribers: map[metadata.Uuid][]int{}}
	for i, m := range spec.members {
		for _, t := range m.topics {
			b.subscribers[t] = append(b.subscribers[t], i)
		}
	}
	for t := range b.subscribers {
		owners := make([]int, spec.partitions[t])
		for p := range owners {
			owners[p] = -1
		}
		b.owner[t] = owners
		b.topics = append(b.topics, t)
	}
	b.sortTopics()
	claimed := map[cgPartition]bool{}
	for i := range spec.members {
		for _, key := range validCurrent(spec, &spec.members[i], claimed) {
			b.owner[key.topic][key.partition] = i
			b.load[i]++
		}
	}
	for _, t := range b.topics {
		for p, o := range b.owner[t] {
			if o == -1 {
				b.move(t, int32(p), b.leastLoaded(t))
			}
		}
	}
	for round := 0; round < uniformMaxRounds; round++ {
		moved := false
		for _, t := range b.topics {
			if len(b.subscribers[t]) > 1 && b.balanceTopic(t) {
				moved = true
			}
		}
		if !moved {
			break
		}
	}
	return b.result()
}

// sortTopics orders topics by partitions per subscriber, descending, then
// subscribers ascending, then id: topics that are hardest to spread go
// first.
func (b *uniformBalancer) sortTopics() {
	sort.Slice(b.topics, func(i, j int) bool {
		ti, tj := b.topics[i], b.topics[j]
		pi, pj := int64(b.spec.partitions[ti]), int64(b.spec.partitions[tj])
		si, sj := int64(len(b.subscribers[ti])), int64(len(b.subscribers[tj]))
		if pi*sj != pj*si {
			return pi*sj > pj*si
		}
		if si != sj {
			return si < sj
		}
		return compareUuid(ti, tj) < 0
	})
}

func (b *uniformBalancer) move(t metadata.Uuid, p int32, to int) {
	if from := b.owner[t][p]; from >= 0 {
		b.load[from]--
	}
	b.owner[t][p] = to
	b.load[to]++
}

// leastLoaded is the subscriber of t with fewest partitions, the first
// one on ties.
func (b *uniformBalancer) leastLoaded(t metadata.Uuid) int {
	best := -1
	for _, i := range b.subscribers[t] {
		if best == -1 || b.load[i] < b.load[best] {
			best = i
		}
	}
	return best
}

// balanceTopic moves partitions of t from its most loaded holders to its
// least loaded subscribers while that narrows the gap, and reports
// whether it moved any.
func (b *uniformBalancer) balanceTopic(t metadata.Uuid) bool {
	moved := false
	for {
		to := b.leastLoaded(t)
		from, part := -1, int32(-1)
		for p := len(b.owner[t]) - 1; p >= 0; p-- {
			if o := b.owner[t][p]; o >= 0 && (from == -1 || b.load[o] > b.load[from]) {
				from, part = o, int32(p)
			}
		}
		if from == -1 || b.load[from]-b.load[to] <= 1 {
			return moved
		}
		b.move(t, part, to)
		moved = true
	}
}

func (b *uniformBalancer) result() map[string]cgAssignment {
	out := make(map[string]cgAssignment, len(b.spec.members))
	for _, m := range b.spec.members {
		out[m.id] = cgAssignment{}
	}
	for t, owners := range b.owner {
		for p, o := range owners {
			a := out[b.spec.members[o].id]
			a[t] = append(a[t], int32(p))
		}
	}
	return out
}

func sortAssignment(a cgAssignment) {
	for t, parts := range a {
		if len(parts) == 0 {
			delete(a, t)
			continue
		}
		slices.Sort(parts)
	}
}
