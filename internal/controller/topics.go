package controller

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/metadata"
)

// CreateTopics validates every topic of the request, then commits the
// valid ones in one entry (unless validate_only). Each topic gets its own
// error, as in Kafka.
func (c *Controller) CreateTopics(ctx context.Context, req *kmsg.CreateTopicsRequest) *kmsg.CreateTopicsResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	resp := req.ResponseKind().(*kmsg.CreateTopicsResponse)
	im := c.images()
	seen := map[string]int{}
	for _, t := range req.Topics {
		seen[t.Topic]++
	}
	var records []metadata.Record
	var created []int // indexes into resp.Topics committed by this entry
	budget := c.cfg.MaxPartitionsPerRequest
	for _, t := range req.Topics {
		rt := kmsg.NewCreateTopicsResponseTopic()
		rt.Topic = t.Topic
		rt.NumPartitions, rt.ReplicationFactor = -1, -1
		var recs []metadata.Record
		var err error
		if seen[t.Topic] > 1 {
			err = fail(kerr.InvalidRequest, "Create topics request from client contains multiple entries for the topic %s.", t.Topic)
		} else {
			recs, err = c.createTopic(im, t, &rt, &budget)
		}
		rt.ErrorCode, rt.ErrorMessage = codeAndMessage(err)
		if err == nil {
			records = append(records, recs...)
			created = append(created, len(resp.Topics))
		} else {
			// One line per refused topic, as Kafka logs every
			// CreateTopics result.
			c.log.Info("refused to create topic", "topic", t.Topic, "err", err)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	if req.ValidateOnly || len(records) == 0 {
		return resp
	}
	if err := c.commit(ctx, records); err != nil {
		code, msg := codeAndMessage(err)
		for _, i := range created {
			resp.Topics[i].ErrorCode, resp.Topics[i].ErrorMessage = code, msg
			resp.Topics[i].TopicID = [16]byte{}
		}
		return resp
	}
	if c.cfg.TopicConfigs != nil {
		after := c.images()
		for _, i := range created {
			rt := &resp.Topics[i]
			rt.Configs = c.cfg.TopicConfigs(after, rt.Topic, nil)
		}
	}
	for _, i := range created {
		c.log.Info("created topic", "topic", resp.Topics[i].Topic, "partitions", resp.Topics[i].NumPartitions,
			"replication.factor", resp.Topics[i].ReplicationFactor)
	}
	return resp
}

// createTopic validates one topic and returns its records.
func (c *Controller) createTopic(im *metadata.Image, t kmsg.CreateTopicsRequestTopic, rt *kmsg.CreateTopicsResponseTopic, budget *int) ([]metadata.Record, error) {
	if err := metadata.ValidateTopicName(t.Topic); err != nil {
		return nil, fail(kerr.InvalidTopicException, "%s", err)
	}
	if _, ok := im.Topic(t.Topic); ok {
		return nil, fail(kerr.TopicAlreadyExists, "Topic '%s' already exists.", t.Topic)
	}
	if other, ok := collidingTopic(im, t.Topic); ok {
		return nil, fail(kerr.InvalidTopicException, "Topic '%s' collides with existing topic: %s", t.Topic, other)
	}
	overrides := map[string]string{}
	for _, cfg := range t.Configs {
		if cfg.Value == nil {
			return nil, fail(kerr.InvalidConfig, "Null value not supported for topic configs: %s", cfg.Name)
		}
		if err := c.cfg.ValidateTopicConfig(cfg.Name, *cfg.Value); err != nil {
			return nil, fail(kerr.InvalidConfig, "%s", err)
		}
		overrides[cfg.Name] = *cfg.Value
	}
	assignment, err := c.placeTopic(im, t)
	if err != nil {
		return nil, err
	}
	if *budget -= len(assignment); *budget < 0 {
		return nil, fail(kerr.PolicyViolation, "Excessively large number of partitions per request.")
	}
	id := metadata.NewUuid()
	rt.TopicID = id
	rt.NumPartitions = int32(len(assignment))
	rt.ReplicationFactor = int16(len(assignment[0]))
	records := []metadata.Record{&metadata.TopicRecord{Name: t.Topic, TopicID: id}}
	for p, replicas := range assignment {
		records = append(records, newPartitionRecord(id, int32(p), replicas))
	}
	names := make([]string, 0, len(overrides))
	for k := range overrides {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		v := overrides[k]
		records = append(records, &metadata.ConfigRecord{
			ResourceType: metadata.ConfigResourceTopic, ResourceName: t.Topic, Name: k, Value: &v,
		})
	}
	return records, nil
}

func newPartitionRecord(topic metadata.Uuid, partition int32, replicas []int32) *metadata.PartitionRecord {
	return &metadata.PartitionRecord{
		PartitionID: partition, TopicID: topic, Replicas: replicas, Isr: slices.Clone(replicas),
		Leader: replicas[0], LeaderEpoch: 0, PartitionEpoch: 0,
	}
}

// collidingTopic finds an existing topic whose name differs only by '.'
// versus '_', which Kafka forbids because metric names cannot tell them
// apart.
func collidingTopic(im *metadata.Image, name string) (string, bool) {
	if !strings.ContainsAny(name, "._") {
		return "", false
	}
	norm := strings.ReplaceAll(name, ".", "_")
	for _, t := range im.Topics() {
		if t.Name != name && strings.ReplaceAll(t.Name, ".", "_") == norm {
			return t.Name, true
		}
	}
	return "", false
}

// placeTopic returns the replicas of every partition: the manual
// assignment when given, else a placement over the unfenced brokers.
func (c *Controller) placeTopic(im *metadata.Image, t kmsg.CreateTopicsRequestTopic) ([][]int32, error) {
	if len(t.ReplicaAssignment) > 0 {
		if t.NumPartitions != -1 || t.ReplicationFactor != -1 {
			return nil, fail(kerr.InvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.")
		}
		return manualAssignment(im, t.ReplicaAssignment)
	}
	partitions, rf := t.NumPartitions, t.ReplicationFactor
	if partitions == -1 {
		partitions = c.cfg.DefaultNumPartitions
	}
	if rf == -1 {
		rf = c.cfg.DefaultReplicationFactor
	}
	if partitions <= 0 {
		return nil, fail(kerr.InvalidPartitions, "Number of partitions was set to an invalid non-positive value.")
	}
	if rf <= 0 {
		return nil, fail(kerr.InvalidReplicationFactor, "Replication factor must be larger than 0, or -1 to use the default value.")
	}
	if int(partitions) > c.cfg.MaxPartitionsPerRequest {
		return nil, fail(kerr.PolicyViolation, "Excessively large number of partitions per request.")
	}
	return place(im.UnfencedBrokers(), int(partitions), int(rf), 0)
}

// place spreads replicas over brokers the way Kafka's striped placer does
// without racks: partition p's leader is broker (start+p) mod n, and its
// followers the next brokers in order, so leaders and replicas are even.
func place(brokers []int32, partitions, rf, firstPartition int) ([][]int32, error) {
	if len(brokers) < rf {
		return nil, fail(kerr.InvalidReplicationFactor,
			"Unable to replicate the partition %d time(s): The target replication factor of %d cannot be reached because only %d broker(s) are registered.",
			rf, rf, len(brokers))
	}
	start := rand.IntN(len(brokers))
	out := make([][]int32, partitions)
	for p := range out {
		replicas := make([]int32, rf)
		for r := range replicas {
			replicas[r] = brokers[(start+firstPartition+p+r)%len(brokers)]
		}
		out[p] = replicas
	}
	return out, nil
}

func manualAssignment(im *metadata.Image, as []kmsg.CreateTopicsRequestTopicReplicaAssignment) ([][]int32, error) {
	out := make([][]int32, len(as))
	for _, a := range as {
		if a.Partition < 0 || int(a.Partition) >= len(as) || out[a.Partition] != nil {
			return nil, fail(kerr.InvalidReplicaAssignment, "Partitions must be numbered consecutively from 0 without duplicates; got partition %d.", a.Partition)
		}
		if err := checkReplicas(im, a.Replicas); err != nil {
			return nil, err
		}
		if len(out[0]) > 0 && len(a.Replicas) != len(out[0]) {
			return nil, fail(kerr.InvalidReplicaAssignment, "All partitions must have the same number of replicas.")
		}
		out[a.Partition] = slices.Clone(a.Replicas)
	}
	for p, r := range out {
		if len(r) == 0 {
			return nil, fail(kerr.InvalidReplicaAssignment, "Partition %d has no replicas.", p)
		}
		if len(r) != len(out[0]) {
			return nil, fail(kerr.InvalidReplicaAssignment, "All partitions must have the same number of replicas.")
		}
	}
	return out, nil
}

// checkReplicas validates one partition's manual replica list.
func checkReplicas(im *metadata.Image, replicas []int32) error {
	if len(replicas) == 0 {
		return fail(kerr.InvalidReplicaAssignment, "The manual partition assignment includes an empty replica list.")
	}
	seen := map[int32]bool{}
	for _, id := range replicas {
		if seen[id] {
			return fail(kerr.InvalidReplicaAssignment, "The manual partition assignment includes the broker %d more than once.", id)
		}
		seen[id] = true
		if b, ok := im.Broker(id); !ok || b.Fenced {
			return fail(kerr.InvalidReplicaAssignment, "The manual partition assignment includes broker %d, but no such broker is registered.", id)
		}
	}
	return nil
}

// DeleteTopics removes topics by name (v0-v5) or by name or id (v6+).
func (c *Controller) DeleteTopics(ctx context.Context, req *kmsg.DeleteTopicsRequest) *kmsg.DeleteTopicsResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	resp := req.ResponseKind().(*kmsg.DeleteTopicsResponse)
	im := c.images()
	topics := req.Topics
	if req.Version < 6 {
		topics = nil
		for _, n := range req.TopicNames {
			n := n
			topics = append(topics, kmsg.DeleteTopicsRequestTopic{Topic: &n})
		}
	}
	var records []metadata.Record
	var deleted []int
	removing := map[metadata.Uuid]bool{}
	for _, rt := range topics {
		st := kmsg.NewDeleteTopicsResponseTopic()
		st.Topic, st.TopicID = rt.Topic, rt.TopicID
		t, err := c.deletableTopic(im, rt)
		if err == nil && removing[t.ID] {
			err = fail(kerr.InvalidRequest, "Duplicate topic in request: %s", t.Name)
		}
		if err == nil {
			name := t.Name
			st.Topic, st.TopicID = &name, t.ID
			removing[t.ID] = true
			records = append(records, &metadata.RemoveTopicRecord{TopicID: t.ID})
			deleted = append(deleted, len(resp.Topics))
		}
		st.ErrorCode, st.ErrorMessage = codeAndMessage(err)
		if req.Version < 5 {
			st.ErrorMessage = nil
		}
		resp.Topics = append(resp.Topics, st)
	}
	if err := c.commit(ctx, records); err != nil {
		code, msg := codeAndMessage(err)
		for _, i := range deleted {
			resp.Topics[i].ErrorCode, resp.Topics[i].ErrorMessage = code, msg
		}
		return resp
	}
	for _, i := range deleted {
		c.log.Info("deleted topic", "topic", *resp.Topics[i].Topic)
	}
	return resp
}

func (c *Controller) deletableTopic(im *metadata.Image, rt kmsg.DeleteTopicsRequestTopic) (*metadata.Topic, error) {
	var t *metadata.Topic
	var ok bool
	switch {
	case rt.Topic != nil && rt.TopicID != [16]byte{}:
		return nil, fail(kerr.InvalidRequest, "A topic must be named by name or by id, not both.")
	case rt.Topic != nil:
		if t, ok = im.Topic(*rt.Topic); !ok {
			return nil, kerr.UnknownTopicOrPartition
		}
	default:
		if t, ok = im.TopicByID(rt.TopicID); !ok {
			return nil, kerr.UnknownTopicID
		}
	}
	if !c.cfg.DeleteTopicEnable {
		return nil, fail(kerr.TopicDeletionDisabled, "Topic deletion is disabled.")
	}
	if metadata.IsInternalTopic(t.Name) {
		return nil, fail(kerr.InvalidTopicException, "Cannot delete internal topic %s.", t.Name)
	}
	return t, nil
}

// CreatePartitions raises topics' partition counts.
func (c *Controller) CreatePartitions(ctx context.Context, req *kmsg.CreatePartitionsRequest) *kmsg.CreatePartitionsResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	resp := req.ResponseKind().(*kmsg.CreatePartitionsResponse)
	im := c.images()
	seen := map[string]int{}
	for _, t := range req.Topics {
		seen[t.Topic]++
	}
	var records []metadata.Record
	var changed []int
	budget := c.cfg.MaxPartitionsPerRequest
	for _, rt := range req.Topics {
		st := kmsg.NewCreatePartitionsResponseTopic()
		st.Topic = rt.Topic
		var recs []metadata.Record
		var err error
		if seen[rt.Topic] > 1 {
			err = fail(kerr.InvalidRequest, "Duplicate topic in request.")
		} else {
			recs, err = c.addPartitions(im, rt, &budget)
		}
		st.ErrorCode, st.ErrorMessage = codeAndMessage(err)
		if err == nil {
			records = append(records, recs...)
			changed = append(changed, len(resp.Topics))
		}
		resp.Topics = append(resp.Topics, st)
	}
	if req.ValidateOnly {
		return resp
	}
	if err := c.commit(ctx, records); err != nil {
		code, msg := codeAndMessage(err)
		for _, i := range changed {
			resp.Topics[i].ErrorCode, resp.Topics[i].ErrorMessage = code, msg
		}
	}
	return resp
}

func (c *Controller) addPartitions(im *metadata.Image, rt kmsg.CreatePartitionsRequestTopic, budget *int) ([]metadata.Record, error) {
	t, ok := im.Topic(rt.Topic)
	if !ok {
		return nil, fail(kerr.UnknownTopicOrPartition, "This server does not host this topic-partition.")
	}
	have := int32(len(t.Partitions))
	switch {
	case rt.Count < have:
		return nil, fail(kerr.InvalidPartitions, "The topic %s currently has %d partition(s); %d would not be an increase.", rt.Topic, have, rt.Count)
	case rt.Count == have:
		return nil, fail(kerr.InvalidPartitions, "Topic already has %d partition(s).", have)
	}
	add := int(rt.Count - have)
	if *budget -= add; *budget < 0 {
		return nil, fail(kerr.PolicyViolation, "Excessively large number of partitions per request.")
	}
	rf := len(t.Partitions[0].Replicas)
	var assignment [][]int32
	if rt.Assignment != nil {
		if len(rt.Assignment) != add {
			return nil, fail(kerr.InvalidReplicaAssignment, "Attempted to add %d additional partition(s), but only %d assignment(s) were specified.", add, len(rt.Assignment))
		}
		for _, a := range rt.Assignment {
			if err := checkReplicas(im, a.Replicas); err != nil {
				return nil, err
			}
			if len(a.Replicas) != rf {
				return nil, fail(kerr.InvalidReplicaAssignment, "The manual partition assignment includes a partition with %d replica(s), but this is not consistent with previous partitions, which have %d replica(s).", len(a.Replicas), rf)
			}
			assignment = append(assignment, slices.Clone(a.Replicas))
		}
	} else {
		var err error
		if assignment, err = place(im.UnfencedBrokers(), add, rf, int(have)); err != nil {
			return nil, err
		}
	}
	records := make([]metadata.Record, 0, add)
	for i, replicas := range assignment {
		records = append(records, newPartitionRecord(t.ID, have+int32(i), replicas))
	}
	return records, nil
}
