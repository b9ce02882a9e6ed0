package metadatashell

import (
	"context"
	"fmt"
	"sort"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/cli"
	"samsa/internal/metadata"
)

// loadLive builds the state from a running cluster's admin APIs: Metadata
// for brokers, topics and partitions, DescribeConfigs for the dynamic
// configs, ApiVersions for the finalized features. What those APIs do not
// carry (broker epochs and incarnation ids, listener names, partition
// epochs, the metadata offset) shows as unknown: -1, a zero id, or absent.
func loadLive(ctx context.Context, bootstrap string, props map[string]string) (*state, error) {
	adm, err := cli.Connect(ctx, bootstrap, props)
	if err != nil {
		return nil, err
	}
	defer adm.Close()
	md, err := adm.Adm.Metadata(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the cluster's metadata: %w", err)
	}
	st := &state{offset: -1, epoch: -1, timeMs: -1, configs: map[configKey]map[string]string{}, features: map[string]int16{}}
	for _, b := range md.Brokers {
		st.brokers = append(st.brokers, brokerState{id: b.NodeID, epoch: -1, rack: b.Rack,
			endpoints: []metadata.Endpoint{{Name: "", Host: b.Host, Port: b.Port}}})
	}
	var topics []string
	for _, t := range md.Topics.Sorted() {
		if t.Err != nil {
			continue
		}
		ts := topicState{name: t.Topic, id: metadata.Uuid(t.ID)}
		for _, p := range t.Partitions.Sorted() {
			ts.partitions = append(ts.partitions, partitionState{id: p.Partition, replicas: p.Replicas, isr: p.ISR,
				leader: p.Leader, leaderEpoch: p.LeaderEpoch, partitionEpoch: -1})
		}
		st.topics = append(st.topics, ts)
		topics = append(topics, t.Topic)
	}
	if err := liveConfigs(ctx, adm.Adm, st, topics, md.Brokers.NodeIDs()); err != nil {
		return nil, err
	}
	resp, err := kmsg.NewPtrApiVersionsRequest().RequestWith(ctx, adm.Client)
	if err != nil {
		return nil, fmt.Errorf("reading the finalized features: %w", err)
	}
	for _, f := range resp.FinalizedFeatures {
		st.features[f.Name] = f.MaxVersionLevel
	}
	sort.Slice(st.brokers, func(i, j int) bool { return st.brokers[i].id < st.brokers[j].id })
	return st, nil
}

// liveConfigs adds the dynamic configs of topics, brokers and the cluster
// default, as the metadata log holds them.
func liveConfigs(ctx context.Context, adm *kadm.Client, st *state, topics []string, brokers []int32) error {
	add := func(typ string, rcs kadm.ResourceConfigs, dynamic kmsg.ConfigSource) {
		for _, rc := range rcs {
			if rc.Err != nil {
				continue
			}
			for _, c := range rc.Configs {
				if c.Source != dynamic || c.Value == nil {
					continue
				}
				k := configKey{typ: typ, name: rc.Name}
				if st.configs[k] == nil {
					st.configs[k] = map[string]string{}
				}
				st.configs[k][c.Key] = *c.Value
			}
		}
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, topics...)
	if err != nil {
		return fmt.Errorf("describing topic configs: %w", err)
	}
	add("TOPIC", rcs, kmsg.ConfigSourceDynamicTopicConfig)
	rcs, err = adm.DescribeBrokerConfigs(ctx, brokers...)
	if err != nil {
		return fmt.Errorf("describing broker configs: %w", err)
	}
	add("BROKER", rcs, kmsg.ConfigSourceDynamicBrokerConfig)
	rcs, err = adm.DescribeBrokerConfigs(ctx)
	if err != nil {
		return fmt.Errorf("describing the cluster's default broker configs: %w", err)
	}
	add("BROKER", rcs, kmsg.ConfigSourceDynamicDefaultBrokerConfig)
	return nil
}
