package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/broker"
	"samsa/internal/config"
	"samsa/internal/controller"
	"samsa/internal/metadata"
	"samsa/internal/replica"
)

// leaderWait bounds how long start-up waits for the quorum to elect a
// leader (immediate for a single voter).
const leaderWait = 30 * time.Second

// quorumView adapts the quorum node to what the controller needs.
type quorumView struct{ s *Server }

func (q quorumView) Propose(ctx context.Context, data []byte) (uint64, error) {
	return q.s.quorum.Propose(ctx, data)
}

func (q quorumView) IsLeader() bool { return q.s.quorum.Status().Role == "leader" }

func (s *Server) startController(ctx, runCtx context.Context) error {
	s.dynamic = newDynamicConfig(s.cfg)
	s.controller = controller.New(controller.Config{
		NodeID:                   s.cfg.NodeID,
		Logger:                   s.log,
		DefaultNumPartitions:     s.cfg.NumPartitions,
		DefaultReplicationFactor: s.cfg.DefaultReplicationFactor,
		DeleteTopicEnable:        s.cfg.DeleteTopicEnable,
		ValidateTopicConfig:      config.ValidateTopicConfig,
		ValidateBrokerConfig:     validateBrokerConfig,
		TopicConfigs:             s.createdTopicConfigs,
		BrokerSessionTimeout:     s.cfg.Quorum.BrokerSessionTimeout,
		Bootstrap: []metadata.Record{
			&metadata.FeatureLevelRecord{Name: "metadata.version", FeatureLevel: metadata.MetadataVersionLatest},
		},
	}, quorumView{s}, quorumDescriber{s}, s.loader.Current)
	s.controller.SetClusterID(s.clusterID)
	deadline := time.Now().Add(leaderWait)
	for !(quorumView{s}).IsLeader() {
		if time.Now().After(deadline) {
			return fmt.Errorf("the metadata quorum elected no leader within %s", leaderWait)
		}
		if err := s.quorum.Err(); err != nil {
			return fmt.Errorf("metadata quorum stopped: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := s.controller.Bootstrap(ctx); err != nil {
		return fmt.Errorf("bootstrapping the metadata log: %w", err)
	}
	s.goRun(func() { s.controller.Run(runCtx) })
	return nil
}

// validateBrokerConfig checks one dynamic broker config change.
func validateBrokerConfig(name, value string) error {
	return config.ValidateDynamic(map[string]string{name: value}, true)
}

func (s *Server) openReplicas(runCtx context.Context) error {
	m, err := replica.Open(replica.Config{
		BrokerID:               s.cfg.NodeID,
		LogDirs:                s.cfg.LogDirs,
		Logger:                 s.log,
		LogConfig:              s.logConfig,
		RetentionCheckInterval: s.cfg.Retention.CheckInterval,
		FlushCheckInterval:     s.cfg.Retention.FlushSchedulerInterval,
		CheckpointInterval:     s.cfg.Retention.RecoveryPointCheckpointInterval,
	}, s.loader.Current())
	if err != nil {
		return fmt.Errorf("opening partition logs: %w", err)
	}
	s.replicas = m
	// Images published between Open and Subscribe are caught by the
	// reconcile on the image Subscribe returns.
	m.OnImage(nil, s.loader.Subscribe(m.OnImage))
	s.goRun(func() { m.Run(runCtx) })
	return nil
}

func (s *Server) registerBroker(ctx, runCtx context.Context, dirIDs []metadata.Uuid) error {
	reg := kmsg.NewPtrBrokerRegistrationRequest()
	reg.BrokerID = s.cfg.NodeID
	reg.ClusterID = s.clusterID
	reg.IncarnationID = metadata.NewUuid()
	if s.cfg.Rack != "" {
		rack := s.cfg.Rack
		reg.Rack = &rack
	}
	for _, id := range dirIDs {
		reg.LogDirs = append(reg.LogDirs, id)
	}
	hostname, _ := os.Hostname()
	for _, l := range s.cfg.AdvertisedListeners {
		host := l.Host
		if host == "" {
			host = hostname
		}
		reg.Listeners = append(reg.Listeners, kmsg.BrokerRegistrationRequestListener{
			Name: l.Name, Host: host, Port: uint16(s.boundPort(l.Name, l.Port)), SecurityProtocol: int16(l.Protocol),
		})
	}
	reg.Features = []kmsg.BrokerRegistrationRequestFeature{{
		Name: "metadata.version", MinSupportedVersion: metadata.MetadataVersionMin, MaxSupportedVersion: metadata.MetadataVersionLatest,
	}}
	s.lifecycle = newLifecycle(s.log, s.controller, s.loader.Current, s.cfg.Quorum.BrokerHeartbeatInterval, reg)
	if err := s.lifecycle.register(ctx); err != nil {
		return err
	}
	s.goRun(func() { s.lifecycle.run(runCtx) })
	timeout := s.cfg.Quorum.InitialBrokerRegistrationTimeout
	select {
	case <-s.lifecycle.unfenced:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(timeout):
		return fmt.Errorf("the broker was not unfenced within %s", timeout)
	}
}

func (s *Server) serve(runCtx context.Context) {
	var voters []broker.Voter
	for id, addr := range s.voters() {
		host, port, _ := net.SplitHostPort(addr)
		p, _ := strconv.Atoi(port)
		voters = append(voters, broker.Voter{ID: id, Host: host, Port: int32(p)})
	}
	b := broker.New(broker.Config{
		NodeID:                   s.cfg.NodeID,
		ClusterID:                s.clusterID,
		Logger:                   s.log,
		AutoCreateTopics:         s.cfg.AutoCreateTopics,
		NumPartitions:            s.cfg.NumPartitions,
		DefaultReplicationFactor: s.cfg.DefaultReplicationFactor,
		FetchMaxBytes:            s.cfg.Network.FetchMaxBytes,
		RequestTimeoutMax:        s.cfg.Network.RequestTimeout * 10,
		ControllerListeners:      s.cfg.ControllerListenerNames,
		Voters:                   voters,
		Configs:                  s,

		OffsetsTopicPartitions:        s.cfg.Groups.OffsetsTopicPartitions,
		OffsetsTopicReplicationFactor: s.cfg.Groups.OffsetsTopicReplicationFactor,
		OffsetsTopicSegmentBytes:      s.cfg.Groups.OffsetsTopicSegmentBytes,
	}, s.loader.Current, s.replicas, s.controller, s.groups)
	s.goRun(func() { s.net.Serve(runCtx, b) })
}

// goRun starts a goroutine that Close waits for.
func (s *Server) goRun(fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
}

// Close stops the node: the broker asks to be fenced, the listeners close,
// the partition logs are synced and closed, and the quorum stops. It is
// safe to call more than once.
func (s *Server) Close() error {
	var errs []error
	s.closed.Do(func() {
		if s.lifecycle != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			s.lifecycle.shutdown(ctx)
			cancel()
		}
		s.cancel()
		s.wg.Wait()
		if s.net != nil {
			s.net.Close()
		}
		if s.groups != nil {
			s.groups.Close()
		}
		if s.replicas != nil {
			errs = append(errs, s.replicas.Close())
		}
		if s.quorum != nil {
			errs = append(errs, s.quorum.Close())
		}
	})
	return errors.Join(errs...)
}
