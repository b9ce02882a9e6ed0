package server

import (
	"maps"
	"net"
	"strconv"
	"sync"

	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/config"
	"samsa/internal/metadata"
	"samsa/internal/replica"
	"samsa/internal/storage"
)

// dynamicConfig is the broker configuration with the dynamic broker configs
// of the metadata image applied, recomputed only when those change.
type dynamicConfig struct {
	static *config.Broker

	mu                     sync.Mutex
	clusterDefault, broker map[string]string
	current                *config.Broker
}

func newDynamicConfig(static *config.Broker) *dynamicConfig {
	return &dynamicConfig{static: static, current: static}
}

// effective returns the configuration in force for an image. A dynamic
// config the controller accepted but that fails here (it should not) is
// logged by the caller and the static configuration used.
func (d *dynamicConfig) effective(im *metadata.Image) (*config.Broker, error) {
	def := im.Configs(metadata.ConfigResource{Type: metadata.ConfigResourceBroker})
	own := im.Configs(metadata.ConfigResource{Type: metadata.ConfigResourceBroker, Name: strconv.Itoa(int(d.static.NodeID))})
	d.mu.Lock()
	defer d.mu.Unlock()
	if maps.Equal(def, d.clusterDefault) && maps.Equal(own, d.broker) {
		return d.current, nil
	}
	b, err := d.static.WithDynamic(def, own)
	if err != nil {
		return d.static, err
	}
	d.clusterDefault, d.broker, d.current = def, own, b
	return b, nil
}

func (s *Server) brokerConfig(im *metadata.Image) *config.Broker {
	b, err := s.dynamic.effective(im)
	if err != nil {
		s.log.Error("ignoring dynamic broker configuration", "err", err)
	}
	return b
}

func topicOverrides(im *metadata.Image, topic string) map[string]string {
	return im.Configs(metadata.ConfigResource{Type: metadata.ConfigResourceTopic, Name: topic})
}

// logConfig resolves a topic's configuration for its partitions.
func (s *Server) logConfig(im *metadata.Image, topic string) replica.LogConfig {
	b := s.brokerConfig(im)
	t, err := config.ResolveTopic(topicOverrides(im, topic), b)
	if err != nil {
		s.log.Error("invalid topic configuration; using the broker's", "topic", topic, "err", err)
		t = b.LogDefaults
	}
	lc := replica.LogConfig{
		Storage: storage.Config{
			SegmentBytes:       int64(t.SegmentBytes),
			SegmentMs:          t.SegmentMaxAge,
			SegmentJitterMs:    t.SegmentJitter,
			SegmentIndexBytes:  int64(t.SegmentIndexBytes),
			IndexIntervalBytes: int64(t.IndexIntervalBytes),
			RetentionMs:        t.Retention,
			RetentionBytes:     t.RetentionBytes,
			FileDeleteDelay:    t.FileDeleteDelay,
			Preallocate:        t.Preallocate,
		},
		MaxMessageBytes:      int(t.MaxMessageBytes),
		LogAppendTime:        t.TimestampType == config.LogAppendTime,
		TimestampBeforeMaxMs: t.TimestampBeforeMax.Milliseconds(),
		TimestampAfterMaxMs:  t.TimestampAfterMax.Milliseconds(),
		Compacted:            t.CleanupPolicy.Compact,
		WriteCaching:         t.WriteCaching,
		FlushMessages:        t.FlushMessages,
		FlushMs:              t.FlushInterval,
		MinInsyncReplicas:    int(t.MinInsyncReplicas),
	}
	if !t.CleanupPolicy.Delete {
		// A compact-only topic is never trimmed by retention. Compaction
		// itself is not implemented yet, so such a topic keeps
		// everything.
		lc.Storage.RetentionMs, lc.Storage.RetentionBytes = -1, -1
	}
	return lc
}

// DescribeTopicConfigs answers DescribeConfigs for a topic.
func (s *Server) DescribeTopicConfigs(im *metadata.Image, topic string) ([]config.ConfigEntry, error) {
	return config.DescribeTopic(topicOverrides(im, topic), s.brokerConfig(im))
}

// DescribeBrokerConfigs answers DescribeConfigs for this broker ("" is the
// cluster-wide dynamic default).
func (s *Server) DescribeBrokerConfigs(im *metadata.Image, name string) []config.ConfigEntry {
	b := s.brokerConfig(im)
	if name == "" {
		return b.DescribeClusterDefaults()
	}
	return b.DescribeBroker()
}

// createdTopicConfigs lists a new topic's configs for CreateTopics v5+.
func (s *Server) createdTopicConfigs(im *metadata.Image, topic string, _ map[string]string) []kmsg.CreateTopicsResponseTopicConfig {
	entries, err := s.DescribeTopicConfigs(im, topic)
	if err != nil {
		return nil
	}
	out := make([]kmsg.CreateTopicsResponseTopicConfig, 0, len(entries))
	for _, e := range entries {
		c := kmsg.NewCreateTopicsResponseTopicConfig()
		c.Name, c.Value, c.ReadOnly, c.Source, c.IsSensitive = e.Name, e.Value, e.ReadOnly, int8(e.Source), e.Sensitive
		out = append(out, c)
	}
	return out
}

// quorumDescriber answers DescribeQuorum from the quorum's status.
type quorumDescriber struct{ s *Server }

// voterDirectoryID is the metadata directory id a voter is known by. As in
// Kafka, static voters (controller.quorum.voters) have none; the voter of a
// dynamic quorum formatted --standalone is this node with its metadata
// log directory's id.
func (q quorumDescriber) voterDirectoryID(node int32) [16]byte {
	cfg := q.s.cfg
	if len(cfg.QuorumVoters) > 0 || node != cfg.NodeID {
		return [16]byte{}
	}
	m, err := storage.ReadMetaProperties(cfg.MetadataLogDir)
	if err != nil {
		return [16]byte{}
	}
	id, err := metadata.ParseUuid(m.DirectoryID)
	if err != nil {
		return [16]byte{}
	}
	return id
}

func (q quorumDescriber) DescribeQuorum() *kmsg.DescribeQuorumResponse {
	st := q.s.quorum.Status()
	resp := kmsg.NewPtrDescribeQuorumResponse()
	t := kmsg.NewDescribeQuorumResponseTopic()
	t.Topic = metadata.ClusterMetadataTopic
	p := kmsg.NewDescribeQuorumResponseTopicPartition()
	p.LeaderID, p.LeaderEpoch, p.HighWatermark = st.LeaderID, st.LeaderEpoch, st.HighWatermark
	for _, v := range st.Voters {
		rs := kmsg.NewDescribeQuorumResponseTopicPartitionReplicaState()
		rs.ReplicaID, rs.LogEndOffset = v.NodeID, v.LogEndOffset
		rs.ReplicaDirectoryID = q.voterDirectoryID(v.NodeID)
		rs.LastFetchTimestamp, rs.LastCaughtUpTimestamp = -1, -1
		if !v.LastFetchTime.IsZero() {
			rs.LastFetchTimestamp = v.LastFetchTime.UnixMilli()
		}
		if !v.LastCaughtUpTime.IsZero() {
			rs.LastCaughtUpTimestamp = v.LastCaughtUpTime.UnixMilli()
		}
		p.CurrentVoters = append(p.CurrentVoters, rs)
		node := kmsg.NewDescribeQuorumResponseNode()
		node.NodeID = v.NodeID
		if host, port, err := net.SplitHostPort(v.Endpoint); err == nil {
			pn, _ := strconv.Atoi(port)
			name := "CONTROLLER"
			if len(q.s.cfg.ControllerListenerNames) > 0 {
				name = q.s.cfg.ControllerListenerNames[0]
			}
			node.Listeners = append(node.Listeners, kmsg.DescribeQuorumResponseNodeListener{Name: name, Host: host, Port: uint16(pn)})
		}
		resp.Nodes = append(resp.Nodes, node)
	}
	t.Partitions = append(t.Partitions, p)
	resp.Topics = append(resp.Topics, t)
	return resp
}
