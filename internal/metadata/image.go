package metadata

import (
	"fmt"
	"slices"
	"sort"
)

// Broker is a registered broker as the image knows it.
type Broker struct {
	ID            int32
	IncarnationID Uuid
	Epoch         int64
	Endpoints     []Endpoint
	Rack          *string
	Fenced        bool
	LogDirs       []Uuid
}

// Endpoint returns the broker's endpoint on the named listener.
func (b *Broker) Endpoint(listener string) (Endpoint, bool) {
	for _, e := range b.Endpoints {
		if e.Name == listener {
			return e, true
		}
	}
	return Endpoint{}, false
}

// Partition is the replica placement and leadership of one partition.
type Partition struct {
	ID               int32
	Replicas         []int32
	ISR              []int32
	RemovingReplicas []int32
	AddingReplicas   []int32
	Leader           int32
	LeaderEpoch      int32
	PartitionEpoch   int32
}

// HasReplica reports whether broker holds a replica of the partition.
func (p *Partition) HasReplica(broker int32) bool { return slices.Contains(p.Replicas, broker) }

// Topic is a topic with its partitions, indexed by partition id.
type Topic struct {
	Name       string
	ID         Uuid
	Partitions []*Partition
}

// ConfigResource names the owner of dynamic configs.
type ConfigResource struct {
	Type int8   // ConfigResourceTopic or ConfigResourceBroker
	Name string // topic name, broker id, or "" for the cluster default
}

// Image is an immutable view of the cluster metadata at one offset of the
// metadata log. Request handlers read one image per request without locks;
// Apply returns a new image and never changes the receiver.
type Image struct {
	offset         int64
	epoch          int32
	brokers        map[int32]*Broker
	topicsByName   map[string]*Topic
	topicsByID     map[Uuid]*Topic
	configs        map[ConfigResource]map[string]string
	features       map[string]int16
	nextProducerID int64
}

// Empty returns the image before the first metadata record (offset -1).
func Empty() *Image {
	return &Image{
		offset:       -1,
		brokers:      map[int32]*Broker{},
		topicsByName: map[string]*Topic{},
		topicsByID:   map[Uuid]*Topic{},
		configs:      map[ConfigResource]map[string]string{},
		features:     map[string]int16{},
	}
}

// Offset is the metadata log offset of the last record applied.
func (im *Image) Offset() int64 { return im.offset }

// Epoch is the metadata log epoch (Raft term) of the last record applied.
func (im *Image) Epoch() int32 { return im.epoch }

// Broker returns a registered broker.
func (im *Image) Broker(id int32) (*Broker, bool) {
	b, ok := im.brokers[id]
	return b, ok
}

// Brokers returns the registered brokers ordered by id.
func (im *Image) Brokers() []*Broker {
	out := make([]*Broker, 0, len(im.brokers))
	for _, b := range im.brokers {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// UnfencedBrokers returns the ids of the brokers that may host replicas.
func (im *Image) UnfencedBrokers() []int32 {
	var ids []int32
	for _, b := range im.Brokers() {
		if !b.Fenced {
			ids = append(ids, b.ID)
		}
	}
	return ids
}

// Topic looks a topic up by name.
func (im *Image) Topic(name string) (*Topic, bool) {
	t, ok := im.topicsByName[name]
	return t, ok
}

// TopicByID looks a topic up by id.
func (im *Image) TopicByID(id Uuid) (*Topic, bool) {
	t, ok := im.topicsByID[id]
	return t, ok
}

// Topics returns all topics ordered by name.
func (im *Image) Topics() []*Topic {
	out := make([]*Topic, 0, len(im.topicsByName))
	for _, t := range im.topicsByName {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// TopicCount is the number of topics.
func (im *Image) TopicCount() int { return len(im.topicsByName) }

// Configs returns the dynamic configs of a resource. The map must not be
// modified.
func (im *Image) Configs(r ConfigResource) map[string]string { return im.configs[r] }

// Feature returns the finalized level of a feature, 0 when not finalized.
func (im *Image) Feature(name string) int16 { return im.features[name] }

// Features returns all finalized features. The map must not be modified.
func (im *Image) Features() map[string]int16 { return im.features }

// NextProducerID is the first producer id not yet handed out.
func (im *Image) NextProducerID() int64 { return im.nextProducerID }

// Apply returns the image after the records of one metadata log entry, at
// the given offset and epoch. The records are applied atomically: on error
// the receiver is unchanged and the error names the offending record.
func (im *Image) Apply(offset int64, epoch int32, records []Record) (*Image, error) {
	d := delta{next: im.shallowCopy()}
	for i, r := range records {
		if err := d.apply(r); err != nil {
			return nil, fmt.Errorf("metadata offset %d record %d (%s): %w", offset, i, r.RecordType(), err)
		}
	}
	d.next.offset, d.next.epoch = offset, epoch
	return d.next, nil
}

func (im *Image) shallowCopy() *Image {
	c := *im
	return &c
}

// delta applies records to a shallow copy of an image, copying each map the
// first time it is written, so the previous image stays intact.
type delta struct {
	next                                    *Image
	brokersCopied, topicsCopied, cfgsCopied bool
	featuresCopied                          bool
}

func (d *delta) brokers() map[int32]*Broker {
	if !d.brokersCopied {
		d.next.brokers = cloneMap(d.next.brokers)
		d.brokersCopied = true
	}
	return d.next.brokers
}

func (d *delta) topics() (map[string]*Topic, map[Uuid]*Topic) {
	if !d.topicsCopied {
		d.next.topicsByName = cloneMap(d.next.topicsByName)
		d.next.topicsByID = cloneMap(d.next.topicsByID)
		d.topicsCopied = true
	}
	return d.next.topicsByName, d.next.topicsByID
}

func (d *delta) configs() map[ConfigResource]map[string]string {
	if !d.cfgsCopied {
		d.next.configs = cloneMap(d.next.configs)
		d.cfgsCopied = true
	}
	return d.next.configs
}

func (d *delta) features() map[string]int16 {
	if !d.featuresCopied {
		d.next.features = cloneMap(d.next.features)
		d.featuresCopied = true
	}
	return d.next.features
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	c := make(map[K]V, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (d *delta) apply(r Record) error {
	switch r := r.(type) {
	case *RegisterBrokerRecord:
		d.brokers()[r.BrokerID] = &Broker{
			ID: r.BrokerID, IncarnationID: r.IncarnationID, Epoch: r.BrokerEpoch,
			Endpoints: slices.Clone(r.EndPoints), Rack: r.Rack, Fenced: r.Fenced,
			LogDirs: slices.Clone(r.LogDirs),
		}
	case *UnregisterBrokerRecord:
		delete(d.brokers(), r.BrokerID)
	case *FenceBrokerRecord:
		return d.setFenced(r.ID, r.Epoch, true)
	case *UnfenceBrokerRecord:
		return d.setFenced(r.ID, r.Epoch, false)
	case *TopicRecord:
		return d.addTopic(r)
	case *PartitionRecord:
		return d.setPartition(r)
	case *PartitionChangeRecord:
		return d.changePartition(r)
	case *RemoveTopicRecord:
		return d.removeTopic(r.TopicID)
	case *ConfigRecord:
		d.setConfig(r)
	case *FeatureLevelRecord:
		if r.FeatureLevel == 0 {
			delete(d.features(), r.Name)
		} else {
			d.features()[r.Name] = r.FeatureLevel
		}
	case *ProducerIdsRecord:
		if r.NextProducerID < d.next.nextProducerID {
			return fmt.Errorf("next producer id %d below current %d", r.NextProducerID, d.next.nextProducerID)
		}
		d.next.nextProducerID = r.NextProducerID
	default:
		return fmt.Errorf("unhandled record type %T", r)
	}
	return nil
}

func (d *delta) setFenced(id int32, epoch int64, fenced bool) error {
	b, ok := d.next.brokers[id]
	if !ok {
		return fmt.Errorf("broker %d is not registered", id)
	}
	if b.Epoch != epoch {
		return fmt.Errorf("broker %d has epoch %d, record has %d", id, b.Epoch, epoch)
	}
	c := *b
	c.Fenced = fenced
	d.brokers()[id] = &c
	return nil
}

func (d *delta) addTopic(r *TopicRecord) error {
	if _, ok := d.next.topicsByName[r.Name]; ok {
		return fmt.Errorf("topic %q already exists", r.Name)
	}
	if _, ok := d.next.topicsByID[r.TopicID]; ok {
		return fmt.Errorf("topic id %s already exists", r.TopicID)
	}
	t := &Topic{Name: r.Name, ID: r.TopicID}
	byName, byID := d.topics()
	byName[t.Name], byID[t.ID] = t, t
	return nil
}

// replaceTopic installs a copy of the topic with fn applied, keeping both
// indexes in step.
func (d *delta) replaceTopic(id Uuid, fn func(*Topic) error) error {
	t, ok := d.next.topicsByID[id]
	if !ok {
		return fmt.Errorf("unknown topic id %s", id)
	}
	c := *t
	c.Partitions = slices.Clone(t.Partitions)
	if err := fn(&c); err != nil {
		return err
	}
	byName, byID := d.topics()
	byName[c.Name], byID[c.ID] = &c, &c
	return nil
}

func (d *delta) setPartition(r *PartitionRecord) error {
	return d.replaceTopic(r.TopicID, func(t *Topic) error {
		if r.PartitionID < 0 || int(r.PartitionID) > len(t.Partitions) {
			return fmt.Errorf("partition %d of %q out of sequence (have %d)", r.PartitionID, t.Name, len(t.Partitions))
		}
		p := &Partition{
			ID: r.PartitionID, Replicas: slices.Clone(r.Replicas), ISR: slices.Clone(r.Isr),
			RemovingReplicas: slices.Clone(r.RemovingReplicas), AddingReplicas: slices.Clone(r.AddingReplicas),
			Leader: r.Leader, LeaderEpoch: r.LeaderEpoch, PartitionEpoch: r.PartitionEpoch,
		}
		if int(r.PartitionID) == len(t.Partitions) {
			t.Partitions = append(t.Partitions, p)
		} else {
			t.Partitions[r.PartitionID] = p
		}
		return nil
	})
}

func (d *delta) changePartition(r *PartitionChangeRecord) error {
	return d.replaceTopic(r.TopicID, func(t *Topic) error {
		if r.PartitionID < 0 || int(r.PartitionID) >= len(t.Partitions) {
			return fmt.Errorf("unknown partition %d of %q", r.PartitionID, t.Name)
		}
		p := *t.Partitions[r.PartitionID]
		if r.Isr != nil {
			p.ISR = slices.Clone(r.Isr)
		}
		if r.Replicas != nil {
			p.Replicas = slices.Clone(r.Replicas)
		}
		if r.Leader != nil && *r.Leader != p.Leader {
			p.Leader = *r.Leader
			p.LeaderEpoch++
		}
		p.PartitionEpoch++
		t.Partitions[r.PartitionID] = &p
		return nil
	})
}

func (d *delta) removeTopic(id Uuid) error {
	t, ok := d.next.topicsByID[id]
	if !ok {
		return fmt.Errorf("unknown topic id %s", id)
	}
	byName, byID := d.topics()
	delete(byName, t.Name)
	delete(byID, id)
	delete(d.configs(), ConfigResource{Type: ConfigResourceTopic, Name: t.Name})
	return nil
}

func (d *delta) setConfig(r *ConfigRecord) {
	res := ConfigResource{Type: r.ResourceType, Name: r.ResourceName}
	cfgs := d.configs()
	m := cloneMap(cfgs[res])
	if r.Value == nil {
		delete(m, r.Name)
	} else {
		m[r.Name] = *r.Value
	}
	if len(m) == 0 {
		delete(cfgs, res)
		return
	}
	cfgs[res] = m
}

// Records returns the records that rebuild this image from Empty: the
// content of a metadata snapshot.
func (im *Image) Records() []Record {
	var out []Record
	names := make([]string, 0, len(im.features))
	for n := range im.features {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, &FeatureLevelRecord{Name: n, FeatureLevel: im.features[n]})
	}
	for _, b := range im.Brokers() {
		out = append(out, &RegisterBrokerRecord{
			BrokerID: b.ID, IncarnationID: b.IncarnationID, BrokerEpoch: b.Epoch,
			EndPoints: b.Endpoints, Rack: b.Rack, Fenced: b.Fenced, LogDirs: b.LogDirs,
		})
	}
	for _, t := range im.Topics() {
		out = append(out, &TopicRecord{Name: t.Name, TopicID: t.ID})
		for _, p := range t.Partitions {
			out = append(out, &PartitionRecord{
				PartitionID: p.ID, TopicID: t.ID, Replicas: p.Replicas, Isr: p.ISR,
				RemovingReplicas: p.RemovingReplicas, AddingReplicas: p.AddingReplicas,
				Leader: p.Leader, LeaderEpoch: p.LeaderEpoch, PartitionEpoch: p.PartitionEpoch,
			})
		}
	}
	resources := make([]ConfigResource, 0, len(im.configs))
	for r := range im.configs {
		resources = append(resources, r)
	}
	sort.Slice(resources, func(i, j int) bool {
		if resources[i].Type != resources[j].Type {
			return resources[i].Type < resources[j].Type
		}
		return resources[i].Name < resources[j].Name
	})
	for _, r := range resources {
		keys := make([]string, 0, len(im.configs[r]))
		for k := range im.configs[r] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := im.configs[r][k]
			out = append(out, &ConfigRecord{ResourceType: r.Type, ResourceName: r.Name, Name: k, Value: &v})
		}
	}
	if im.nextProducerID > 0 {
		out = append(out, &ProducerIdsRecord{BrokerID: -1, NextProducerID: im.nextProducerID})
	}
	return out
}
