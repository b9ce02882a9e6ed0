// Package server builds a Samsa node from its configuration and runs it:
// it formats or checks the data directories, opens the metadata quorum
// (replaying the metadata log into the image), starts the controller, opens
// the partition logs, registers the broker, and serves the Kafka protocol;
// and it stops all of that in reverse order.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"

	"go.etcd.io/raft/v3/raftpb"

	"samsa/internal/config"
	"samsa/internal/controller"
	"samsa/internal/coordinator/group"
	"samsa/internal/metadata"
	"samsa/internal/network"
	"samsa/internal/quorum"
	"samsa/internal/replica"
)

// Options are what Start needs.
type Options struct {
	Config *config.Broker
	// ClusterID is CLUSTER_ID from the environment, if set.
	ClusterID string
	Logger    *slog.Logger
}

// Server is a running node.
type Server struct {
	cfg       *config.Broker
	log       *slog.Logger
	clusterID string

	loader     *metadata.Loader
	quorum     *quorum.Node
	controller *controller.Controller
	replicas   *replica.Manager
	groups     *group.Coordinator
	lifecycle  *lifecycle
	net        *network.Server
	dynamic    *dynamicConfig

	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once
}

// Start brings a node up and returns once it serves clients. Close stops
// it.
func Start(ctx context.Context, opts Options) (_ *Server, err error) {
	cfg := opts.Config
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if !standalone(cfg) || !cfg.ProcessRoles.Broker {
		// An unformatted multi-node configuration gets the format hint
		// first, as Kafka gives it.
		if _, _, err := ensureFormatted(cfg, opts.ClusterID, log); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("process.roles=%s with %d voter(s): only a combined broker,controller node that is its quorum's only voter can run yet; multi-node clusters are not supported in this version",
			cfg.ProcessRoles, len(cfg.QuorumVoters))
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s := &Server{cfg: cfg, log: log, cancel: cancel}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	// Bind first so a taken port fails before anything is written.
	if s.net, err = s.listen(); err != nil {
		return nil, err
	}
	clusterID, dirIDs, err := ensureFormatted(cfg, opts.ClusterID, log)
	if err != nil {
		return nil, err
	}
	s.clusterID = clusterID
	if err := s.openQuorum(); err != nil {
		return nil, err
	}
	if err := s.startController(ctx, runCtx); err != nil {
		return nil, err
	}
	if err := s.openReplicas(runCtx); err != nil {
		return nil, err
	}
	s.startGroups()
	if err := s.registerBroker(ctx, runCtx, dirIDs); err != nil {
		return nil, err
	}
	s.serve(runCtx)
	log.Info(fmt.Sprintf("Samsa started: cluster ID %s, node %d, listeners %s, data in %s",
		clusterID, cfg.NodeID, s.listenerSummary(), strings.Join(cfg.LogDirs, ",")))
	return s, nil
}

// ClusterID returns the node's cluster id.
func (s *Server) ClusterID() string { return s.clusterID }

// Addr returns the bound address of a listener (useful with port 0).
func (s *Server) Addr(listener string) net.Addr { return s.net.Addr(listener) }

func (s *Server) listen() (*network.Server, error) {
	var ls []network.Listener
	for _, l := range s.cfg.Listeners {
		ls = append(ls, network.Listener{Name: l.Name, Addr: l.Addr()})
	}
	return network.Listen(network.Config{
		Listeners:       ls,
		MaxRequestBytes: s.cfg.Network.SocketRequestMaxBytes,
		IdleTimeout:     s.cfg.Network.ConnectionsMaxIdle,
		Logger:          s.log,
	})
}

// boundPort returns the port a listener actually bound, which differs from
// the configured one when that was 0.
func (s *Server) boundPort(name string, configured int) int {
	if a, ok := s.net.Addr(name).(*net.TCPAddr); ok && configured == 0 {
		return a.Port
	}
	return configured
}

func (s *Server) listenerSummary() string {
	var parts []string
	for _, l := range s.cfg.Listeners {
		parts = append(parts, fmt.Sprintf("%s://%s", l.Name, net.JoinHostPort(l.Host, strconv.Itoa(s.boundPort(l.Name, l.Port)))))
	}
	return strings.Join(parts, ",")
}

// voters maps the quorum's voters to their controller endpoints; a node
// that names none is its own single voter.
func (s *Server) voters() map[int32]string {
	out := map[int32]string{}
	for _, v := range s.cfg.QuorumVoters {
		out[v.ID] = v.Addr()
	}
	if len(out) == 0 && len(s.cfg.AdvertisedControllerListeners) > 0 {
		l := s.cfg.AdvertisedControllerListeners[0]
		out[s.cfg.NodeID] = net.JoinHostPort(l.Host, strconv.Itoa(s.boundPort(l.Name, l.Port)))
	}
	return out
}

func (s *Server) openQuorum() error {
	s.loader = metadata.NewLoader()
	n, err := quorum.Open(quorum.Config{
		NodeID:           s.cfg.NodeID,
		Voters:           s.voters(),
		Dir:              s.cfg.MetadataLogDir,
		ClusterID:        s.clusterID,
		SnapshotMaxBytes: s.cfg.MetadataLog.SnapshotMaxNewRecordBytes,
		SnapshotInterval: s.cfg.MetadataLog.SnapshotMaxInterval,
		SegmentBytes:     int64(s.cfg.MetadataLog.SegmentBytes),
		Logger:           s.log,
		Transport:        singleVoterTransport{},
	}, s.loader)
	if err != nil {
		return fmt.Errorf("opening the metadata log: %w", err)
	}
	s.quorum = n
	n.Start()
	return nil
}

// singleVoterTransport is the transport of a quorum of one: there is no
// one to send to.
type singleVoterTransport struct{}

func (singleVoterTransport) Send([]*raftpb.Message) {}
