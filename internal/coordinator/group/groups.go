package group

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/coordinator"
)

const expiryTimer = "offset-expiry"

// scheduleExpiry runs offset expiry every
// offsets.retention.check.interval.ms on the shard.
func (st *State) scheduleExpiry(op *coordinator.Op) {
	op.Schedule(expiryTimer, st.cfg.OffsetsRetentionCheckInterval, func(op *coordinator.Op) {
		st.expireOffsets(op)
		st.scheduleExpiry(op)
	})
}

// simpleGroup is a group known only by its committed offsets: consumers
// that commit without joining (assign + commit), and admin tools.
type simpleGroup struct{}

func (simpleGroup) Type() string         { return "classic" }
func (simpleGroup) ProtocolType() string { return "" }
func (simpleGroup) StateName() string    { return "Empty" }

// groupSummary is a group as ListGroups reports it.
type groupSummary struct {
	id, protocolType, state, typ string
}

func (st *State) summary(id string) groupSummary {
	if g, ok := st.groups[id]; ok {
		return groupSummary{id: id, protocolType: g.ProtocolType(), state: g.StateName(), typ: g.Type()}
	}
	var s simpleGroup
	return groupSummary{id: id, protocolType: s.ProtocolType(), state: s.StateName(), typ: s.Type()}
}

// ListGroups lists the groups of every partition this broker coordinates,
// filtered by state (v4+) and type (v5+), case-insensitively as Kafka.
func (c *Coordinator) ListGroups(ctx context.Context, req *kmsg.ListGroupsRequest) *kmsg.ListGroupsResponse {
	resp := req.ResponseKind().(*kmsg.ListGroupsResponse)
	partitions, loading := c.rt.Partitions()
	if loading {
		resp.ErrorCode = kerr.CoordinatorLoadInProgress.Code
	}
	var mu sync.Mutex
	var all []groupSummary
	var wg sync.WaitGroup
	for _, p := range partitions {
		done := make(chan struct{})
		stopped, err := c.rt.Submit(ctx, p, func(op *coordinator.Op) {
			st := op.State().(*State)
			var found []groupSummary
			for _, id := range st.groupIDs() {
				found = append(found, st.summary(id))
			}
			mu.Lock()
			all = append(all, found...)
			mu.Unlock()
			close(done)
		})
		if err != nil {
			continue // the shard moved or stopped meanwhile
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-done:
			case <-stopped:
			case <-ctx.Done():
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	slices.SortFunc(all, func(a, b groupSummary) int { return strings.Compare(a.id, b.id) })
	for _, g := range all {
		if !matchesFilter(req.StatesFilter, g.state) || !matchesFilter(req.TypesFilter, g.typ) {
			continue
		}
		rg := kmsg.NewListGroupsResponseGroup()
		rg.Group, rg.ProtocolType, rg.GroupState, rg.GroupType = g.id, g.protocolType, g.state, g.typ
		resp.Groups = append(resp.Groups, rg)
	}
	return resp
}

func matchesFilter(filter []string, v string) bool {
	if len(filter) == 0 {
		return true
	}
	for _, f := range filter {
		if strings.EqualFold(f, v) {
			return true
		}
	}
	return false
}

// DeleteGroups deletes groups without members, with their offsets.
func (c *Coordinator) DeleteGroups(ctx context.Context, req *kmsg.DeleteGroupsRequest) *kmsg.DeleteGroupsResponse {
	resp := req.ResponseKind().(*kmsg.DeleteGroupsResponse)
	for _, id := range req.Groups {
		rg := kmsg.NewDeleteGroupsResponseGroup()
		rg.Group = id
		if err := validateGroupID(id); err != nil {
			rg.ErrorCode = errorCode(err)
			resp.Groups = append(resp.Groups, rg)
			continue
		}
		code, err := run(ctx, c, id, func(op *coordinator.Op, st *State, reply func(int16)) {
			st.deleteGroup(op, id, reply)
		})
		if err != nil {
			code = errorCode(err)
		}
		rg.ErrorCode = code
		resp.Groups = append(resp.Groups, rg)
	}
	return resp
}

func (st *State) deleteGroup(op *coordinator.Op, id string, reply func(int16)) {
	g, known := st.groups[id]
	if !known && st.offsets[id] == nil {
		reply(kerr.GroupIDNotFound.Code)
		return
	}
	if known && !g.IsEmpty() {
		reply(kerr.NonEmptyGroup.Code)
		return
	}
	for tp := range st.offsets[id] {
		op.Write(offsetCommitRecord(id, tp.topic, tp.partition, nil))
	}
	if known {
		for _, r := range g.DeleteRecords(id) {
			op.Write(r)
		}
	}
	op.AfterCommit(func(err error) { reply(errorCode(err)) })
}
