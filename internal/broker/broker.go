// Package broker answers the Kafka protocol: one file per API key (named
// like kfake's, 00_produce.go …), each opening with the versions it serves
// and any deviation from Kafka, and registering itself in init. The broker
// translates between kmsg and Samsa's domain packages and holds no partition
// state of its own: partitions live in the replica manager, cluster
// metadata in the published image, and admin changes go to the controller.
package broker

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/coordinator/group"
	"samsa/internal/metadata"
	"samsa/internal/network"
	"samsa/internal/replica"
	"samsa/internal/wire"
)

// Controller is how the broker reaches the active controller: admin
// requests (CreateTopics, DeleteTopics, …) are forwarded to it as they
// came, as Kafka forwards them (KIP-590). In a single node the controller
// is in-process; in a cluster the same requests travel over the wire.
type Controller interface {
	Forward(ctx context.Context, req kmsg.Request) (kmsg.Response, error)
}

// Config is what the handlers need to know about this broker.
type Config struct {
	NodeID    int32
	ClusterID string
	Logger    *slog.Logger

	AutoCreateTopics         bool  // auto.create.topics.enable
	NumPartitions            int32 // num.partitions
	DefaultReplicationFactor int16 // default.replication.factor
	// FetchMaxBytes caps a fetch response (fetch.max.bytes).
	FetchMaxBytes int32
	// MaxFetchWait caps a client's fetch max wait so a bad value cannot
	// park a request for hours.
	MaxFetchWait time.Duration
	// RequestTimeoutMax caps the time a produce may wait for durability.
	RequestTimeoutMax time.Duration
	// ControllerListeners are the names of the controller listeners
	// (controller.listener.names); requests arriving on them are
	// controller requests.
	ControllerListeners []string
	// Voters are the controller quorum's voters and their endpoints on the
	// controller listener.
	Voters []Voter
	// Configs describes topic and broker configurations.
	Configs ConfigDescriber

	// The group coordinator's topic, created on first use.
	OffsetsTopicPartitions        int32 // offsets.topic.num.partitions
	OffsetsTopicReplicationFactor int16 // offsets.topic.replication.factor
	OffsetsTopicSegmentBytes      int32 // offsets.topic.segment.bytes
}

// Voter is one controller of the quorum.
type Voter struct {
	ID   int32
	Host string
	Port int32
}

func (b *Broker) isControllerListener(name string) bool {
	for _, n := range b.cfg.ControllerListeners {
		if n == name {
			return true
		}
	}
	return false
}

// Broker serves requests. It is safe for concurrent use by every
// connection.
type Broker struct {
	cfg        Config
	log        *slog.Logger
	images     func() *metadata.Image
	replicas   *replica.Manager
	controller Controller
	groups     *group.Coordinator
	sessions   *fetchSessions
}

// New returns a broker. images returns the latest metadata image.
func New(cfg Config, images func() *metadata.Image, replicas *replica.Manager, controller Controller, groups *group.Coordinator) *Broker {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxFetchWait <= 0 {
		cfg.MaxFetchWait = 30 * time.Second
	}
	if cfg.RequestTimeoutMax <= 0 {
		cfg.RequestTimeoutMax = 5 * time.Minute
	}
	if cfg.FetchMaxBytes <= 0 {
		cfg.FetchMaxBytes = 55 << 20
	}
	return &Broker{
		cfg: cfg, log: cfg.Logger, images: images, replicas: replicas,
		controller: controller, groups: groups, sessions: newFetchSessions(1000),
	}
}

// request is one request in flight, with the image it is answered from.
type request struct {
	ctx    context.Context
	conn   *network.Conn
	header wire.RequestHeader
	image  *metadata.Image
}

type handlerFunc func(b *Broker, r *request, req kmsg.Request) network.Reply

type apiEntry struct {
	min, max int16
	handle   handlerFunc
}

// apis is filled by the init functions of the handler files.
var apis = map[int16]apiEntry{}

// regKey registers the handler of an API key for versions min..max.
func regKey(key kmsg.Key, min, max int16, h handlerFunc) {
	if _, dup := apis[int16(key)]; dup {
		panic(fmt.Sprintf("broker: api key %d registered twice", key))
	}
	if req := kmsg.RequestForKey(int16(key)); req == nil || max > req.MaxVersion() {
		panic(fmt.Sprintf("broker: api key %d v%d is beyond what kmsg encodes", key, max))
	}
	apis[int16(key)] = apiEntry{min: min, max: max, handle: h}
}

// supportedKeys returns the registered API keys in order.
func supportedKeys() []int16 {
	keys := make([]int16, 0, len(apis))
	for k := range apis {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// Supported implements network.Handler.
func (b *Broker) Supported(key, version int16) bool {
	e, ok := apis[key]
	return ok && version >= e.min && version <= e.max
}

// Handle implements network.Handler.
func (b *Broker) Handle(ctx context.Context, c *network.Conn, h wire.RequestHeader, req kmsg.Request) network.Reply {
	r := &request{ctx: ctx, conn: c, header: h, image: b.images()}
	if req == nil { // ApiVersions of an unknown version
		return network.Reply{Response: b.apiVersionsUnsupported()}
	}
	return apis[h.APIKey].handle(b, r, req)
}

// ready wraps a response that is complete now.
func ready(resp kmsg.Response) network.Reply { return network.Reply{Response: resp} }

// forward sends an admin request to the controller; the connection's writer
// waits for the answer so the reader goes on.
func (b *Broker) forward(r *request, req kmsg.Request, onError func(code int16) kmsg.Response) network.Reply {
	return network.Reply{Wait: func() kmsg.Response {
		resp, err := b.controller.Forward(r.ctx, req)
		if err != nil {
			b.log.Warn("controller request failed", "api", kmsg.NameForKey(req.Key()), "err", err)
			return onError(errorCode(err))
		}
		return resp
	}}
}
