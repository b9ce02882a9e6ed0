package broker

// DescribeConfigs: v1-v4 (v0 was removed in Kafka 4). Topic configs are
// the topic's overrides over the broker's values with Kafka's sources and
// synonym chains; broker configs are this node's (resource name = its id)
// or the cluster-wide dynamic defaults (empty name). Sensitive values are
// hidden. v3+ adds types and documentation when asked.

import (
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/config"
	"samsa/internal/metadata"
	"samsa/internal/network"
)

func init() { regKey(kmsg.DescribeConfigs, 1, 4, (*Broker).handleDescribeConfigs) }

// ConfigDescriber describes configurations from an image.
type ConfigDescriber interface {
	DescribeTopicConfigs(im *metadata.Image, topic string) ([]config.ConfigEntry, error)
	DescribeBrokerConfigs(im *metadata.Image, name string) []config.ConfigEntry
}

func (b *Broker) handleDescribeConfigs(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.DescribeConfigsRequest)
	resp := req.ResponseKind().(*kmsg.DescribeConfigsResponse)
	for _, res := range req.Resources {
		rr := kmsg.NewDescribeConfigsResponseResource()
		rr.ResourceType, rr.ResourceName = res.ResourceType, res.ResourceName
		entries, err := b.describeResource(r, int8(res.ResourceType), res.ResourceName)
		if err != nil {
			rr.ErrorCode = errorCode(err)
			rr.ErrorMessage = errorMessage(err)
			resp.Resources = append(resp.Resources, rr)
			continue
		}
		want := map[string]bool{}
		for _, n := range res.ConfigNames {
			want[n] = true
		}
		for _, e := range entries {
			if res.ConfigNames != nil && !want[e.Name] {
				continue
			}
			rr.Configs = append(rr.Configs, describedConfig(e, req))
		}
		resp.Resources = append(resp.Resources, rr)
	}
	return ready(resp)
}

func (b *Broker) describeResource(r *request, typ int8, name string) ([]config.ConfigEntry, error) {
	switch typ {
	case metadata.ConfigResourceTopic:
		if err := metadata.ValidateTopicName(name); err != nil {
			return nil, kerr.InvalidTopicException
		}
		if _, ok := r.image.Topic(name); !ok {
			return nil, kerr.UnknownTopicOrPartition
		}
		return b.cfg.Configs.DescribeTopicConfigs(r.image, name)
	case metadata.ConfigResourceBroker:
		if name != "" && name != strconv.Itoa(int(b.cfg.NodeID)) {
			return nil, requestError(kerr.InvalidRequest, "Unexpected broker id, expected %d but received %s", b.cfg.NodeID, name)
		}
		return b.cfg.Configs.DescribeBrokerConfigs(r.image, name), nil
	}
	return nil, requestError(kerr.InvalidRequest, "Unsupported resource type %d", typ)
}

func describedConfig(e config.ConfigEntry, req *kmsg.DescribeConfigsRequest) kmsg.DescribeConfigsResponseResourceConfig {
	c := kmsg.NewDescribeConfigsResponseResourceConfig()
	c.Name, c.Value, c.ReadOnly, c.IsSensitive = e.Name, e.Value, e.ReadOnly, e.Sensitive
	c.Source = kmsg.ConfigSource(e.Source)
	c.IsDefault = e.Source == config.SourceDefaultConfig
	if req.IncludeSynonyms {
		for _, s := range e.Synonyms {
			cs := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
			cs.Name, cs.Value, cs.Source = s.Name, s.Value, kmsg.ConfigSource(s.Source)
			c.ConfigSynonyms = append(c.ConfigSynonyms, cs)
		}
	}
	c.ConfigType = kmsg.ConfigType(e.Type)
	if req.IncludeDocumentation {
		doc := e.Documentation
		c.Documentation = &doc
	}
	return c
}
