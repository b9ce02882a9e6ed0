package broker

// Fetch: v4-v17, for consumers.
//
// A fetch reads every requested partition up to its high watermark (the
// last stable offset for read_committed), within partition_max_bytes and
// the request's max_bytes (capped by fetch.max.bytes); the first batch is
// returned whole even when larger (KIP-74). When less than min_bytes is
// available the request is parked until a partition's high watermark moves
// or max_wait passes. Incremental fetch sessions (KIP-227) are in
// fetch_session.go. v12+ checks last_fetched_epoch and answers a diverging
// epoch (KIP-320); v9+ checks current_leader_epoch.
//
// Deviation: fetches from followers (replica_id >= 0) are refused with
// NOT_LEADER_OR_FOLLOWER until replication exists.

import (
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/metadata"
	"samsa/internal/network"
	"samsa/internal/purgatory"
	"samsa/internal/replica"
	"samsa/internal/wire"
)

func init() { regKey(kmsg.Fetch, 4, 17, (*Broker).handleFetch) }

// fetchTarget is one partition a fetch reads.
type fetchTarget struct {
	key   sessionPartitionKey
	pos   sessionPartition
	state *sessionPartition // the session's record, nil without a session
	part  *replica.Partition
	err   error // set when the partition cannot be read at all
}

// fetchPlan is a fetch request resolved against the image and the session.
type fetchPlan struct {
	req         *kmsg.FetchRequest
	targets     []fetchTarget
	session     *fetchSession
	incremental bool
	results     []fetchResult // of the last readFetch, one per target
}

func (b *Broker) handleFetch(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.FetchRequest)
	resp := req.ResponseKind().(*kmsg.FetchResponse)
	plan, code := b.planFetch(r, req)
	if code != 0 {
		resp.ErrorCode = code
		return ready(resp)
	}
	maxWait := min(time.Duration(req.MaxWaitMillis)*time.Millisecond, b.cfg.MaxFetchWait)
	bytes, errs := b.readFetch(plan)
	if maxWait <= 0 || bytes >= int(req.MinBytes) || errs || len(plan.targets) == 0 {
		return ready(b.finishFetch(plan, resp))
	}
	deadline := time.Now().Add(maxWait)
	return network.Reply{Wait: func() kmsg.Response {
		watchers := make([]*purgatory.Watchers, 0, len(plan.targets))
		for _, t := range plan.targets {
			if t.part != nil {
				watchers = append(watchers, t.part.Watchers())
			}
		}
		purgatory.Await(r.ctx, watchers, deadline, func() bool {
			if !plan.hasNews() {
				return false
			}
			bytes, errs := b.readFetch(plan)
			return errs || bytes >= int(req.MinBytes)
		})
		b.readFetch(plan)
		return b.finishFetch(plan, resp)
	}}
}

// planFetch resolves the session and the partitions to read. A non-zero
// code is a request-level error.
func (b *Broker) planFetch(r *request, req *kmsg.FetchRequest) (*fetchPlan, int16) {
	if req.ReplicaID >= 0 || req.ReplicaState.ID >= 0 {
		return b.planFollowerFetch(r, req), 0
	}
	plan := &fetchPlan{req: req}
	switch {
	case req.Version < 7 || (req.SessionID == 0 && req.SessionEpoch == finalSessionEpoch):
		// sessionless full fetch
	case req.SessionEpoch == initialSessionEpoch || req.SessionEpoch == finalSessionEpoch:
		if req.SessionID != 0 {
			b.sessions.remove(req.SessionID)
		}
		if req.SessionEpoch == initialSessionEpoch {
			plan.session = b.sessions.create()
		}
	default:
		s, found, epochOK := b.sessions.get(req.SessionID, req.SessionEpoch)
		switch {
		case !found:
			return nil, kerr.FetchSessionIDNotFound.Code
		case !epochOK:
			return nil, kerr.InvalidFetchSessionEpoch.Code
		}
		plan.session, plan.incremental = s, true
	}
	b.resolveTargets(r, req, plan)
	return plan, 0
}

// resolveTargets applies the request to the session (if any) and looks up
// each partition.
func (b *Broker) resolveTargets(r *request, req *kmsg.FetchRequest, plan *fetchPlan) {
	byID := req.Version >= 13
	var requested []fetchTarget
	for _, rt := range req.Topics {
		name := rt.Topic
		if byID {
			name = ""
			if t, ok := r.image.TopicByID(rt.TopicID); ok {
				name = t.Name
			}
		}
		for _, rp := range rt.Partitions {
			k := sessionPartitionKey{topic: name, partition: rp.Partition}
			if byID {
				k = sessionPartitionKey{topicID: rt.TopicID, partition: rp.Partition}
			}
			requested = append(requested, fetchTarget{key: k, pos: sessionPartition{
				fetchOffset: rp.FetchOffset, maxBytes: rp.PartitionMaxBytes,
				currentLeaderEpoch: rp.CurrentLeaderEpoch, lastFetchedEpoch: rp.LastFetchedEpoch,
			}})
		}
	}
	s := plan.session
	if s == nil {
		plan.targets = requested
	} else {
		for _, ft := range req.ForgottenTopics {
			for _, p := range ft.Partitions {
				if byID {
					s.forget(sessionPartitionKey{topicID: ft.TopicID, partition: p})
				} else {
					s.forget(sessionPartitionKey{topic: ft.Topic, partition: p})
				}
			}
		}
		for _, t := range requested {
			s.upsert(t.key, t.pos)
		}
		for _, k := range s.order {
			st := s.parts[k]
			plan.targets = append(plan.targets, fetchTarget{key: k, pos: *st, state: st})
		}
	}
	for i := range plan.targets {
		t := &plan.targets[i]
		t.part, t.err = b.fetchPartition(r.image, t.key, byID)
	}
}

// fetchPartition finds a partition this broker leads.
func (b *Broker) fetchPartition(im *metadata.Image, k sessionPartitionKey, byID bool) (*replica.Partition, error) {
	var t *metadata.Topic
	var ok bool
	if byID {
		if t, ok = im.TopicByID(k.topicID); !ok {
			return nil, kerr.UnknownTopicID
		}
	} else if t, ok = im.Topic(k.topic); !ok {
		return nil, kerr.UnknownTopicOrPartition
	}
	if k.partition < 0 || int(k.partition) >= len(t.Partitions) {
		return nil, kerr.UnknownTopicOrPartition
	}
	if t.Partitions[k.partition].Leader != b.cfg.NodeID {
		return nil, kerr.NotLeaderForPartition
	}
	part := b.replicas.Partition(replica.ID{Topic: t.Name, Partition: k.partition})
	if part == nil || part.TopicID() != t.ID {
		return nil, kerr.NotLeaderForPartition
	}
	return part, nil
}

// planFollowerFetch answers a replica fetch until replication exists.
func (b *Broker) planFollowerFetch(r *request, req *kmsg.FetchRequest) *fetchPlan {
	plan := &fetchPlan{req: req}
	b.resolveTargets(r, req, plan)
	for i := range plan.targets {
		plan.targets[i].part, plan.targets[i].err = nil, kerr.NotLeaderForPartition
	}
	return plan
}

// fetchResult is the outcome of reading one target, kept per target
// between reads.
type fetchResult struct {
	replica.FetchResult
	err       error
	diverging *kmsg.FetchResponseTopicPartitionDivergingEpoch
}

// hasNews reports, without reading, whether any partition may have
// something to send: data past the fetch offset or an error.
func (p *fetchPlan) hasNews() bool {
	for _, t := range p.targets {
		if t.err != nil || t.part == nil {
			return true
		}
		if t.part.HighWatermark() > t.pos.fetchOffset || t.part.LogStartOffset() > t.pos.fetchOffset {
			return true
		}
	}
	return false
}

// readFetch reads every target and returns the bytes read and whether any
// partition has an error. Results are stored on the plan for finishFetch.
func (b *Broker) readFetch(plan *fetchPlan) (int, bool) {
	req := plan.req
	budget := int(min(req.MaxBytes, b.cfg.FetchMaxBytes))
	if req.Version < 3 || req.MaxBytes <= 0 {
		budget = int(b.cfg.FetchMaxBytes)
	}
	total, errs := 0, false
	results := make([]fetchResult, len(plan.targets))
	for i, t := range plan.targets {
		res := b.readTarget(req, t, min(int(t.pos.maxBytes), budget-total), total == 0)
		results[i] = res
		total += res.Size
		if res.err != nil {
			errs = true
		}
	}
	plan.results = results
	return total, errs
}

func (b *Broker) readTarget(req *kmsg.FetchRequest, t fetchTarget, maxBytes int, first bool) fetchResult {
	if t.err != nil {
		return fetchResult{err: t.err}
	}
	if err := checkLeaderEpoch(t.part, t.pos.currentLeaderEpoch); err != nil {
		return fetchResult{err: err}
	}
	if req.Version >= 12 && t.pos.lastFetchedEpoch >= 0 {
		if d := divergingEpoch(t.part, t.pos.lastFetchedEpoch, t.pos.fetchOffset); d != nil {
			return fetchResult{diverging: d, FetchResult: replica.FetchResult{
				HighWatermark: t.part.HighWatermark(), LastStableOffset: t.part.LastStableOffset(),
				LogStartOffset: t.part.LogStartOffset(),
			}}
		}
	}
	if maxBytes < 0 {
		maxBytes = 0
	}
	fr, err := t.part.Read(t.pos.fetchOffset, maxBytes, req.IsolationLevel, first)
	if err != nil && !errors.Is(err, kerr.OffsetOutOfRange) {
		b.log.Error("fetch read failed", "partition", t.part.ID().String(), "offset", t.pos.fetchOffset, "err", err)
	}
	return fetchResult{FetchResult: fr, err: err}
}

// checkLeaderEpoch applies KIP-320's fencing: a client that knows a newer
// epoch than ours is ahead of our metadata, an older one is behind.
func checkLeaderEpoch(p *replica.Partition, epoch int32) error {
	switch cur := p.LeaderEpoch(); {
	case epoch < 0 || epoch == cur:
		return nil
	case epoch > cur:
		return kerr.UnknownLeaderEpoch
	default:
		return kerr.FencedLeaderEpoch
	}
}

// divergingEpoch returns where the consumer's log diverges from ours when
// its last fetched epoch ends before its fetch offset here.
func divergingEpoch(p *replica.Partition, lastFetchedEpoch int32, fetchOffset int64) *kmsg.FetchResponseTopicPartitionDivergingEpoch {
	epoch, end := p.Log().EndOffsetForEpoch(lastFetchedEpoch)
	if epoch == lastFetchedEpoch && end >= fetchOffset {
		return nil
	}
	d := kmsg.NewFetchResponseTopicPartitionDivergingEpoch()
	d.Epoch, d.EndOffset = epoch, end
	return &d
}

// finishFetch builds the response from the last read, leaving out of an
// incremental response the partitions with nothing new, and records in the
// session what was sent.
//
// Record batches are not copied into the encoded response: each is a
// placeholder that the connection's writer replaces with the batches
// themselves (wire.Spliced).
func (b *Broker) finishFetch(plan *fetchPlan, resp *kmsg.FetchResponse) kmsg.Response {
	out := &splicedFetch{FetchResponse: resp}
	if plan.session != nil {
		resp.SessionID = plan.session.id
		// A new session already expects epoch 1 next; only an
		// incremental fetch moves the epoch on.
		if plan.incremental {
			b.sessions.mu.Lock()
			plan.session.epoch++
			if plan.session.epoch < 0 { // wrapped: epochs run 1..MaxInt32
				plan.session.epoch = 1
			}
			b.sessions.mu.Unlock()
		}
	}
	byID := plan.req.Version >= 13
	var cur *kmsg.FetchResponseTopic
	for i, t := range plan.targets {
		res := plan.results[i]
		if plan.incremental && !changed(t, res) {
			continue
		}
		rp := kmsg.NewFetchResponseTopicPartition()
		rp.Partition = t.key.partition
		rp.ErrorCode = errorCode(res.err)
		rp.HighWatermark, rp.LastStableOffset, rp.LogStartOffset = -1, -1, -1
		if t.part != nil && res.err == nil || errors.Is(res.err, kerr.OffsetOutOfRange) {
			rp.HighWatermark, rp.LastStableOffset = res.HighWatermark, res.LastStableOffset
			rp.LogStartOffset = res.LogStartOffset
		}
		if res.diverging != nil {
			rp.DivergingEpoch = *res.diverging
		}
		// Clients read a null record set as a protocol error
		// (librdkafka: "invalid MessageSetSize -1"), so none is null.
		rp.RecordBatches = []byte{}
		if res.Size > 0 {
			rp.RecordBatches = wire.NewPlaceholder(len(out.splices))
			out.splices = append(out.splices, wire.Splice{
				Placeholder: rp.RecordBatches, Data: res.Batches, Compact: plan.req.Version >= 12,
			})
		}
		if t.state != nil {
			t.state.sentHighWatermark, t.state.sentLastStableOffset = rp.HighWatermark, rp.LastStableOffset
			t.state.sentLogStartOffset = rp.LogStartOffset
		}
		if cur == nil || (byID && cur.TopicID != t.key.topicID) || (!byID && cur.Topic != t.key.topic) {
			resp.Topics = append(resp.Topics, kmsg.NewFetchResponseTopic())
			cur = &resp.Topics[len(resp.Topics)-1]
			cur.Topic, cur.TopicID = t.key.topic, t.key.topicID
		}
		cur.Partitions = append(cur.Partitions, rp)
	}
	if len(out.splices) == 0 {
		return resp
	}
	return out
}

// splicedFetch is a fetch response whose record batches the writer sends
// from their own buffers.
type splicedFetch struct {
	*kmsg.FetchResponse
	splices []wire.Splice
}

// Splices implements wire.Spliced.
func (f *splicedFetch) Splices() []wire.Splice { return f.splices }

// changed reports whether an incremental response must include a partition.
func changed(t fetchTarget, res fetchResult) bool {
	if res.err != nil || res.Size > 0 || res.diverging != nil || t.state == nil {
		return true
	}
	return t.state.sentHighWatermark != res.HighWatermark ||
		t.state.sentLastStableOffset != res.LastStableOffset ||
		t.state.sentLogStartOffset != res.LogStartOffset
}
