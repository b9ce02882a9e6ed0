// Package controller is the active controller: it turns admin requests
// (CreateTopics, DeleteTopics, CreatePartitions, config changes, broker
// registration and heartbeats) into metadata records, commits them through
// the metadata quorum, and answers once they are applied.
//
// Operations run one at a time (mu), like Kafka's QuorumController, so each
// validates against the image that includes every earlier operation: the
// quorum's Propose returns only after the entry is applied locally. That
// makes the controller simple and its decisions serial; metadata changes
// are rare enough that one fsync per operation is not the bottleneck.
//
// Request-level validation happens before anything is written: an
// operation either commits all of its records in one entry or none.
package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/metadata"
)

// Quorum is the replicated metadata log as the controller uses it.
type Quorum interface {
	// Propose commits data as one entry and returns after it is applied
	// on this node.
	Propose(ctx context.Context, data []byte) (uint64, error)
	// IsLeader reports whether this node leads the quorum (is the active
	// controller).
	IsLeader() bool
}

// QuorumDescriber answers DescribeQuorum.
type QuorumDescriber interface {
	DescribeQuorum() *kmsg.DescribeQuorumResponse
}

// Config holds the controller's settings.
type Config struct {
	NodeID int32
	Logger *slog.Logger

	DefaultNumPartitions     int32 // num.partitions
	DefaultReplicationFactor int16 // default.replication.factor
	DeleteTopicEnable        bool  // delete.topic.enable
	// MaxPartitionsPerRequest bounds the partitions one request may
	// create, as Kafka bounds the records of one operation.
	MaxPartitionsPerRequest int

	// ValidateTopicConfig checks one topic config; the error text is
	// returned to the client with INVALID_CONFIG.
	ValidateTopicConfig func(name, value string) error
	// ValidateBrokerConfig checks one dynamic broker config (name, value);
	// errors carry their Kafka code (INVALID_CONFIG, INVALID_REQUEST).
	ValidateBrokerConfig func(name, value string) error
	// TopicConfigs describes a topic's resulting configs for the
	// CreateTopics v5+ response; may be nil.
	TopicConfigs func(im *metadata.Image, topic string, overrides map[string]string) []kmsg.CreateTopicsResponseTopicConfig

	// BrokerSessionTimeout fences a broker that has not heartbeated for
	// this long (broker.session.timeout.ms).
	BrokerSessionTimeout time.Duration

	// Bootstrap records are committed once, when the metadata log is empty
	// (the finalized features that kafka-storage format would write).
	Bootstrap []metadata.Record
}

// Controller is the active controller. It is safe for concurrent use.
type Controller struct {
	cfg      Config
	log      *slog.Logger
	quorum   Quorum
	describe QuorumDescriber
	images   func() *metadata.Image

	mu        sync.Mutex // serialises operations
	clusterID string

	hbMu           sync.Mutex
	lastHeartbeats map[int32]time.Time
}

// New returns a controller over a quorum and the image it applies to.
func New(cfg Config, q Quorum, describe QuorumDescriber, images func() *metadata.Image) *Controller {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxPartitionsPerRequest <= 0 {
		cfg.MaxPartitionsPerRequest = 10000
	}
	if cfg.BrokerSessionTimeout <= 0 {
		cfg.BrokerSessionTimeout = 9 * time.Second
	}
	if cfg.ValidateTopicConfig == nil {
		cfg.ValidateTopicConfig = func(string, string) error { return nil }
	}
	if cfg.ValidateBrokerConfig == nil {
		cfg.ValidateBrokerConfig = func(string, string) error { return nil }
	}
	return &Controller{cfg: cfg, log: cfg.Logger, quorum: q, describe: describe, images: images,
		lastHeartbeats: map[int32]time.Time{}}
}

// ErrNotController reports a request to a node that is not the active
// controller.
var ErrNotController = fmt.Errorf("this node is not the active controller: %w", kerr.NotController)

// Bootstrap commits the bootstrap records if the metadata log is empty. A
// new active controller calls it once.
func (c *Controller) Bootstrap(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	im := c.images()
	if len(im.Features()) > 0 || len(c.cfg.Bootstrap) == 0 {
		return nil
	}
	return c.commit(ctx, c.cfg.Bootstrap)
}

// commit writes records as one entry. The caller holds mu.
func (c *Controller) commit(ctx context.Context, records []metadata.Record) error {
	if len(records) == 0 {
		return nil
	}
	data, err := metadata.EncodeRecords(records)
	if err != nil {
		return err
	}
	if _, err := c.quorum.Propose(ctx, data); err != nil {
		return fmt.Errorf("committing %d metadata records: %w", len(records), err)
	}
	return nil
}

// Forward handles an admin request as the active controller.
func (c *Controller) Forward(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	if !c.quorum.IsLeader() {
		return nil, ErrNotController
	}
	switch req := req.(type) {
	case *kmsg.CreateTopicsRequest:
		return c.CreateTopics(ctx, req), nil
	case *kmsg.DeleteTopicsRequest:
		return c.DeleteTopics(ctx, req), nil
	case *kmsg.CreatePartitionsRequest:
		return c.CreatePartitions(ctx, req), nil
	case *kmsg.IncrementalAlterConfigsRequest:
		return c.IncrementalAlterConfigs(ctx, req), nil
	case *kmsg.AlterConfigsRequest:
		return c.AlterConfigs(ctx, req), nil
	case *kmsg.BrokerRegistrationRequest:
		return c.RegisterBroker(ctx, req), nil
	case *kmsg.BrokerHeartbeatRequest:
		return c.Heartbeat(ctx, req), nil
	case *kmsg.DescribeQuorumRequest:
		resp := c.describe.DescribeQuorum()
		resp.SetVersion(req.GetVersion())
		return resp, nil
	}
	return nil, fmt.Errorf("controller cannot handle %s: %w", kmsg.NameForKey(req.Key()), kerr.InvalidRequest)
}

// codeAndMessage splits an error into the code and message a response
// carries; a commit failure is reported as the quorum's error.
func codeAndMessage(err error) (int16, *string) {
	if err == nil {
		return 0, nil
	}
	msg := err.Error()
	var ke *kerr.Error
	if errors.As(err, &ke) {
		if err == error(ke) {
			return ke.Code, nil
		}
		return ke.Code, &msg
	}
	return kerr.UnknownServerError.Code, &msg
}

// requestError is a validation failure with Kafka's code and message.
type requestError struct {
	code *kerr.Error
	msg  string
}

func (e *requestError) Error() string { return e.msg }
func (e *requestError) Unwrap() error { return e.code }

func fail(code *kerr.Error, format string, args ...any) error {
	return &requestError{code: code, msg: fmt.Sprintf(format, args...)}
}
