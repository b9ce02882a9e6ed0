package group

import (
	"context"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/coordinator"
	"samsa/internal/metadata"
)

// Bounds of a record batch's size beyond its keys and values: the batch
// header, and a record's own fields at their largest.
const (
	recordBatchOverhead = 61
	recordOverhead      = 21
)

// maxGroupIDBytes bounds group ids: the length of a non-flexible protocol
// string, which every key of __consumer_offsets is written with.
const maxGroupIDBytes = 32767

// validateGroupID applies the rules every group API shares.
func validateGroupID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("the group id is empty: %w", kerr.InvalidGroupID)
	case len(id) > maxGroupIDBytes:
		return fmt.Errorf("the group id is %d bytes, over %d: %w", len(id), maxGroupIDBytes, kerr.InvalidGroupID)
	}
	return nil
}

func replayOffsetCommit(st *State, key, value []byte) error {
	var k kmsg.OffsetCommitKey
	if err := k.ReadFrom(key); err != nil {
		return fmt.Errorf("offset commit key: %w", err)
	}
	tp := topicPartition{topic: k.Topic, partition: k.Partition}
	if value == nil {
		if m := st.offsets[k.Group]; m != nil {
			delete(m, tp)
			if len(m) == 0 {
				delete(st.offsets, k.Group)
			}
		}
		return nil
	}
	var v kmsg.OffsetCommitValue
	if err := v.ReadFrom(value); err != nil {
		return fmt.Errorf("offset commit value: %w", err)
	}
	m := st.offsets[k.Group]
	if m == nil {
		m = map[topicPartition]committedOffset{}
		st.offsets[k.Group] = m
	}
	leaderEpoch := v.LeaderEpoch
	if v.Version < 3 {
		leaderEpoch = -1
	}
	m[tp] = committedOffset{offset: v.Offset, leaderEpoch: leaderEpoch, metadata: v.Metadata, commitTimestamp: v.CommitTimestamp}
	return nil
}

// OffsetCommit commits offsets for a group, checking the committer's
// membership (generation for classic groups, member epoch for consumer
// groups). Partitions are answered once their records are durable.
func (c *Coordinator) OffsetCommit(ctx context.Context, req *kmsg.OffsetCommitRequest) *kmsg.OffsetCommitResponse {
	resp := req.ResponseKind().(*kmsg.OffsetCommitResponse)
	fill := func(code func(topic string, p int32) int16) *kmsg.OffsetCommitResponse {
		resp.Topics = resp.Topics[:0]
		for _, t := range req.Topics {
			rt := kmsg.NewOffsetCommitResponseTopic()
			rt.Topic, rt.TopicID = t.Topic, t.TopicID
			for _, p := range t.Partitions {
				rp := kmsg.NewOffsetCommitResponseTopicPartition()
				rp.Partition, rp.ErrorCode = p.Partition, code(t.Topic, p.Partition)
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	}
	if err := validateGroupID(req.Group); err != nil {
		return fill(func(string, int32) int16 { return errorCode(err) })
	}
	out, err := run(ctx, c, req.Group, func(op *coordinator.Op, st *State, reply func(*kmsg.OffsetCommitResponse)) {
		st.offsetCommit(op, req, fill, reply)
	})
	if err != nil {
		return fill(func(string, int32) int16 { return errorCode(err) })
	}
	return out
}

func (st *State) offsetCommit(op *coordinator.Op, req *kmsg.OffsetCommitRequest,
	fill func(func(string, int32) int16) *kmsg.OffsetCommitResponse, reply func(*kmsg.OffsetCommitResponse)) {
	if err := st.validateCommit(req); err != nil {
		reply(fill(func(string, int32) int16 { return errorCode(err) }))
		return
	}
	// A classic member's commit keeps its session alive as a heartbeat
	// does (Kafka's OffsetMetadataManager.commitOffset).
	if g, ok := st.groups[req.Group].(interface {
		OnOffsetCommit(op *coordinator.Op, memberID string)
	}); ok {
		g.OnOffsetCommit(op, req.MemberID)
	}
	checkPartition := st.commitPartitionCheck(req)
	im := st.sh.Images()
	codes := map[topicPartition]int16{}
	now := op.Now().UnixMilli()
	var records []coordinator.Record
	size := recordBatchOverhead
	for _, t := range req.Topics {
		topic := t.Topic
		if req.Version >= 10 {
			if mt, ok := im.TopicByID(t.TopicID); ok {
				topic = mt.Name
			}
		}
		mt, known := im.Topic(topic)
		for _, p := range t.Partitions {
			tp := topicPartition{topic: t.Topic, partition: p.Partition}
			switch {
			case !known || p.Partition < 0 || int(p.Partition) >= len(mt.Partitions):
				codes[tp] = kerr.UnknownTopicOrPartition.Code
			case p.Metadata != nil && len(*p.Metadata) > st.cfg.OffsetMetadataMaxBytes:
				codes[tp] = kerr.OffsetMetadataTooLarge.Code
			default:
				if err := checkPartition(mt.ID, p.Partition); err != nil {
					codes[tp] = errorCode(err)
					continue
				}
				v := kmsg.NewOffsetCommitValue()
				v.Offset, v.CommitTimestamp, v.LeaderEpoch = p.Offset, now, -1
				if req.Version >= 6 {
					v.LeaderEpoch = p.LeaderEpoch
				}
				if p.Metadata != nil {
					v.Metadata = *p.Metadata
				}
				r := offsetCommitRecord(req.Group, topic, p.Partition, &v)
				records = append(records, r)
				size += len(r.Key) + len(r.Value) + recordOverhead
			}
		}
	}
	// Kafka writes a commit as one batch; one larger than the topic takes
	// is refused as a whole, before anything changes.
	if size > st.cfg.MaxBatchBytes {
		reply(fill(func(string, int32) int16 { return kerr.InvalidCommitOffsetSize.Code }))
		return
	}
	for _, r := range records {
		op.Write(r)
	}
	op.AfterCommit(func(err error) {
		reply(fill(func(topic string, p int32) int16 {
			if code, ok := codes[topicPartition{topic: topic, partition: p}]; ok {
				return code
			}
			return errorCode(err)
		}))
	})
}

// commitPartitionCheck returns the per-partition check of a commit the
// group accepted: consumer group members committing at an older epoch may
// commit only partitions they held since then (KIP-1251).
func (st *State) commitPartitionCheck(req *kmsg.OffsetCommitRequest) func(topic metadata.Uuid, partition int32) error {
	g, ok := st.groups[req.Group].(interface {
		ValidateOffsetCommitPartition(memberID string, epoch int32, topic metadata.Uuid, partition int32) error
	})
	if !ok {
		return func(metadata.Uuid, int32) error { return nil }
	}
	return func(topic metadata.Uuid, partition int32) error {
		return g.ValidateOffsetCommitPartition(req.MemberID, req.Generation, topic, partition)
	}
}

// validateCommit checks the committer against the group: a member of the
// current generation (or epoch), or, for a group without members, a
// commit from outside it (generation -1).
func (st *State) validateCommit(req *kmsg.OffsetCommitRequest) error {
	g, ok := st.groups[req.Group]
	if !ok {
		if req.Generation >= 0 || req.MemberID != "" {
			// A member of a group this coordinator does not know: it
			// must rejoin (Kafka 4 answers the same for a classic
			// member of a lost group).
			return kerr.IllegalGeneration
		}
		return nil
	}
	return g.ValidateOffsetCommit(req.MemberID, req.InstanceID, req.Generation)
}

// OffsetFetch answers the committed offsets of one group (v1-v7) or of
// several (v8+). It answers after the group's writes in flight are
// durable, so it never reports an offset a crash could take back.
func (c *Coordinator) OffsetFetch(ctx context.Context, req *kmsg.OffsetFetchRequest) *kmsg.OffsetFetchResponse {
	resp := req.ResponseKind().(*kmsg.OffsetFetchResponse)
	if req.Version < 8 {
		g := kmsg.NewOffsetFetchRequestGroup()
		g.Group, g.MemberEpoch = req.Group, -1
		if req.Topics != nil {
			for _, t := range req.Topics {
				g.Topics = append(g.Topics, kmsg.OffsetFetchRequestGroupTopic{Topic: t.Topic, Partitions: t.Partitions})
			}
		}
		rg := c.fetchGroup(ctx, req.Version, g, req.Topics == nil)
		resp.ErrorCode = rg.ErrorCode
		for _, t := range rg.Topics {
			rt := kmsg.NewOffsetFetchResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewOffsetFetchResponseTopicPartition()
				rp.Partition, rp.Offset, rp.LeaderEpoch, rp.Metadata, rp.ErrorCode = p.Partition, p.Offset, p.LeaderEpoch, p.Metadata, p.ErrorCode
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		if req.Version < 2 && resp.ErrorCode != 0 {
			// v0-v1 have no group error: report it per partition.
			for i := range resp.Topics {
				for j := range resp.Topics[i].Partitions {
					resp.Topics[i].Partitions[j].ErrorCode = resp.ErrorCode
				}
			}
		}
		return resp
	}
	for _, g := range req.Groups {
		resp.Groups = append(resp.Groups, c.fetchGroup(ctx, req.Version, g, g.Topics == nil))
	}
	return resp
}

func (c *Coordinator) fetchGroup(ctx context.Context, version int16, g kmsg.OffsetFetchRequestGroup, all bool) kmsg.OffsetFetchResponseGroup {
	rg := kmsg.NewOffsetFetchResponseGroup()
	rg.Group = g.Group
	if err := validateGroupID(g.Group); err != nil {
		rg.ErrorCode = errorCode(err)
		return rg
	}
	out, err := run(ctx, c, g.Group, func(op *coordinator.Op, st *State, reply func(kmsg.OffsetFetchResponseGroup)) {
		res := st.offsetFetch(version, g, all)
		op.AfterCommit(func(err error) {
			if err != nil {
				res.ErrorCode = errorCode(err)
				res.Topics = nil
			}
			reply(res)
		})
	})
	if err != nil {
		rg.ErrorCode = errorCode(err)
		return rg
	}
	return out
}

func (st *State) offsetFetch(version int16, g kmsg.OffsetFetchRequestGroup, all bool) kmsg.OffsetFetchResponseGroup {
	rg := kmsg.NewOffsetFetchResponseGroup()
	rg.Group = g.Group
	if grp, ok := st.groups[g.Group]; ok && version >= 9 {
		if err := grp.ValidateOffsetFetch(g.MemberID, g.MemberEpoch); err != nil {
			rg.ErrorCode = errorCode(err)
			return rg
		}
	}
	committed := st.offsets[g.Group]
	im := st.sh.Images()
	if all {
		byTopic := map[string][]int32{}
		for tp := range committed {
			byTopic[tp.topic] = append(byTopic[tp.topic], tp.partition)
		}
		g.Topics = nil
		for _, topic := range sortedKeys(byTopic) {
			t := kmsg.OffsetFetchRequestGroupTopic{Topic: topic, Partitions: sortedInt32(byTopic[topic])}
			if mt, ok := im.Topic(topic); ok {
				t.TopicID = mt.ID
			}
			g.Topics = append(g.Topics, t)
		}
	}
	for _, t := range g.Topics {
		topic := t.Topic
		if version >= 10 {
			if mt, ok := im.TopicByID(t.TopicID); ok {
				topic = mt.Name
			}
		}
		rt := kmsg.NewOffsetFetchResponseGroupTopic()
		rt.Topic, rt.TopicID = t.Topic, t.TopicID
		for _, p := range t.Partitions {
			rp := kmsg.NewOffsetFetchResponseGroupTopicPartition()
			rp.Partition, rp.Offset, rp.LeaderEpoch = p, -1, -1
			empty := ""
			rp.Metadata = &empty
			if co, ok := committed[topicPartition{topic: topic, partition: p}]; ok {
				md := co.metadata
				rp.Offset, rp.LeaderEpoch, rp.Metadata = co.offset, co.leaderEpoch, &md
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		rg.Topics = append(rg.Topics, rt)
	}
	return rg
}

// OffsetDelete deletes a group's committed offsets of partitions the group
// is not consuming.
func (c *Coordinator) OffsetDelete(ctx context.Context, req *kmsg.OffsetDeleteRequest) *kmsg.OffsetDeleteResponse {
	resp := req.ResponseKind().(*kmsg.OffsetDeleteResponse)
	if err := validateGroupID(req.Group); err != nil {
		resp.ErrorCode = errorCode(err)
		return resp
	}
	out, err := run(ctx, c, req.Group, func(op *coordinator.Op, st *State, reply func(*kmsg.OffsetDeleteResponse)) {
		st.offsetDelete(op, req, resp, reply)
	})
	if err != nil {
		resp.ErrorCode = errorCode(err)
		return resp
	}
	return out
}

func (st *State) offsetDelete(op *coordinator.Op, req *kmsg.OffsetDeleteRequest, resp *kmsg.OffsetDeleteResponse, reply func(*kmsg.OffsetDeleteResponse)) {
	g, known := st.groups[req.Group]
	committed := st.offsets[req.Group]
	if !known && committed == nil {
		resp.ErrorCode = kerr.GroupIDNotFound.Code
		reply(resp)
		return
	}
	// A group that cannot say what it consumes counts as consuming
	// everything while it has members, as in Kafka.
	subscribed := func(topic string) bool {
		if !known || g.IsEmpty() {
			return false
		}
		if sub, ok := g.(interface{ IsSubscribedTo(topic string) bool }); ok {
			return sub.IsSubscribedTo(topic)
		}
		return true
	}
	for _, t := range req.Topics {
		rt := kmsg.NewOffsetDeleteResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewOffsetDeleteResponseTopicPartition()
			rp.Partition = p.Partition
			tp := topicPartition{topic: t.Topic, partition: p.Partition}
			if subscribed(t.Topic) {
				rp.ErrorCode = kerr.GroupSubscribedToTopic.Code
			} else if _, ok := committed[tp]; ok {
				op.Write(offsetCommitRecord(req.Group, t.Topic, p.Partition, nil))
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	op.AfterCommit(func(err error) {
		if err != nil {
			resp.ErrorCode = errorCode(err)
			resp.Topics = nil
		}
		reply(resp)
	})
}

// expireOffsets deletes the offsets of groups without members whose
// retention passed, and then groups left with nothing (Kafka's
// offsets.retention.minutes after the group became empty; for a group
// known only by its offsets, after each offset's commit).
func (st *State) expireOffsets(op *coordinator.Op) {
	now := op.Now().UnixMilli()
	retention := st.cfg.OffsetsRetention.Milliseconds()
	for _, id := range st.groupIDs() {
		g, known := st.groups[id]
		if known && !g.IsEmpty() {
			continue
		}
		expired := 0
		for tp, co := range st.offsets[id] {
			since := co.commitTimestamp
			if known && g.EmptySince() > since {
				since = g.EmptySince()
			}
			if now-since >= retention {
				op.Write(offsetCommitRecord(id, tp.topic, tp.partition, nil))
				expired++
			}
		}
		if expired > 0 {
			st.sh.Logger().Info("expired committed offsets", "group", id, "partitions", expired)
		}
		if known && len(st.offsets[id]) == 0 && now-g.EmptySince() >= retention {
			for _, r := range g.DeleteRecords(id) {
				op.Write(r)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedInt32(s []int32) []int32 {
	slices.Sort(s)
	return s
}
