package group

import (
	"sort"

	"samsa/internal/metadata"
)

// rangeAssignor is Kafka's server-side "range" assignor (RangeAssignor of
// the group coordinator): for each topic, its subscribers, in a fixed
// order, take consecutive ranges of partitions, the first
// partitions%subscribers of them one partition more. Members subscribed
// to topics with the same partition count get the same partition numbers
// of each (co-partitioning, which joins of keyed topics rely on). It is
// not sticky: a member joining shifts the ranges after it.
//
// The order is Kafka's: static members first by instance id, then dynamic
// members by member id, so static members keep their ranges across
// restarts.
type rangeAssignor struct{}

func (rangeAssignor) name() string { return "range" }

func (rangeAssignor) assign(spec *cgAssignSpec) map[string]cgAssignment {
	order := make([]int, len(spec.members))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ma, mb := &spec.members[order[a]], &spec.members[order[b]]
		switch {
		case ma.instanceID != "" && mb.instanceID != "":
			return ma.instanceID < mb.instanceID
		case ma.instanceID != "" || mb.instanceID != "":
			return ma.instanceID != ""
		}
		return ma.id < mb.id
	})
	subscribers := map[metadata.Uuid][]int{}
	for _, i := range order {
		for _, t := range spec.members[i].topics {
			subscribers[t] = append(subscribers[t], i)
		}
	}
	out := make(map[string]cgAssignment, len(spec.members))
	for _, m := range spec.members {
		out[m.id] = cgAssignment{}
	}
	for topic, subs := range subscribers {
		count := spec.partitions[topic]
		quota, extra := count/int32(len(subs)), count%int32(len(subs))
		start := int32(0)
		for k, i := range subs {
			n := quota
			if int32(k) < extra {
				n++
			}
			if n == 0 {
				continue
			}
			parts := make([]int32, 0, n)
			for p := start; p < start+n; p++ {
				parts = append(parts, p)
			}
			out[spec.members[i].id][topic] = parts
			start += n
		}
	}
	return out
}
