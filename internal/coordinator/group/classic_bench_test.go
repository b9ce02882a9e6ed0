package group

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// BenchmarkClassicRebalance measures one whole rebalance of a group of 50
// members through the runtime: every member rejoins, the join phase
// completes, the leader's assignment is stored and every member syncs.
func BenchmarkClassicRebalance(b *testing.B) {
	const members = 50
	h := newClassicHarness(b, nil)
	templates := make([]*kmsg.JoinGroupRequest, members)
	for i := range templates {
		templates[i] = joinReq("g", "", 5, "range", fmt.Sprintf("metadata-%d", i))
	}
	ids, _ := h.stableOf(templates)
	rebalance := func() {
		answers := make([]<-chan *kmsg.JoinGroupResponse, len(ids))
		for i, id := range ids {
			req := *templates[i]
			req.MemberID = id
			answers[i] = h.joinAsync(&req, "c")
			if i == 0 {
				// The first member leads; its join starts the
				// rebalance the others then join.
				for h.describeOne("g").State != "PreparingRebalance" {
				}
			}
		}
		var leader string
		var generation int32
		for _, ch := range answers {
			r := h.await(ch)
			leader, generation = r.LeaderID, r.Generation
		}
		h.syncAll("g", ids, leader, generation)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// The leader rejoining starts a rebalance of everyone.
		rebalance()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/members, "µs/member")
}
