package console

import (
	"context"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// positions makes a group member commit like the Java consumer, which
// commits its position in every assigned partition, not only in those it
// printed records from: a partition that was empty under
// auto.offset.reset=latest must not skip, on the next run, the records
// written to it meanwhile. franz-go commits only partitions with marked
// records, so each assigned partition without a committed offset gets a
// floor, listed when it is assigned (never after where consumption
// starts), committed unless a mark supersedes it.
type positions struct {
	earliest bool // auto.offset.reset=earliest

	mu     sync.Mutex
	floors map[string]map[int32]kgo.EpochOffset
}

func (p *positions) opts() []kgo.Opt {
	return []kgo.Opt{
		kgo.OnPartitionsAssigned(p.assigned),
		kgo.OnPartitionsRevoked(p.revoked),
		kgo.OnPartitionsLost(p.lost),
	}
}

func (p *positions) assigned(ctx context.Context, cl *kgo.Client, assigned map[string][]int32) {
	committed := cl.CommittedOffsets()
	var topics []string
	for t := range assigned {
		topics = append(topics, t)
	}
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	adm := kadm.NewClient(cl)
	list := adm.ListEndOffsets
	if p.earliest {
		list = adm.ListStartOffsets
	}
	listed, err := list(lctx, topics...)
	if err != nil {
		return // no floor: such partitions stay uncommitted, as with franz-go alone
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.floors == nil {
		p.floors = map[string]map[int32]kgo.EpochOffset{}
	}
	for t, parts := range assigned {
		for _, part := range parts {
			if _, ok := committed[t][part]; ok {
				continue
			}
			lo, ok := listed.Lookup(t, part)
			if !ok || lo.Err != nil {
				continue
			}
			if p.floors[t] == nil {
				p.floors[t] = map[int32]kgo.EpochOffset{}
			}
			p.floors[t][part] = kgo.EpochOffset{Epoch: -1, Offset: lo.Offset}
		}
	}
}

// revoked commits what was printed, and the floors of partitions nothing
// was printed from, before the partitions go to another member.
func (p *positions) revoked(ctx context.Context, cl *kgo.Client, revoked map[string][]int32) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	p.commit(cctx, cl)
	p.lost(ctx, cl, revoked)
}

func (p *positions) lost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for t, parts := range lost {
		for _, part := range parts {
			delete(p.floors[t], part)
		}
	}
}

// commit commits the marked offsets and the floors no mark replaced.
func (p *positions) commit(ctx context.Context, cl *kgo.Client) error {
	if err := cl.CommitMarkedOffsets(ctx); err != nil {
		return err
	}
	marked := cl.MarkedOffsets()
	p.mu.Lock()
	floors := map[string]map[int32]kgo.EpochOffset{}
	for t, parts := range p.floors {
		for part, eo := range parts {
			if _, ok := marked[t][part]; ok {
				continue
			}
			if floors[t] == nil {
				floors[t] = map[int32]kgo.EpochOffset{}
			}
			floors[t][part] = eo
		}
	}
	p.floors = nil
	p.mu.Unlock()
	if len(floors) == 0 {
		return nil
	}
	var err error
	cl.CommitOffsetsSync(ctx, floors, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, _ *kmsg.OffsetCommitResponse, cerr error) {
		err = cerr
	})
	return err
}
