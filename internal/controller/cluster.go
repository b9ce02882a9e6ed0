package controller

import (
	"context"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/metadata"
)

// ClusterID is checked against every broker registration.
func (c *Controller) SetClusterID(id string) { c.clusterID = id }

// RegisterBroker registers a broker, fenced: it may lead or follow
// partitions once a heartbeat shows it has caught up with the metadata log.
// The broker epoch increases with every registration, so requests from an
// older incarnation are recognisably stale.
func (c *Controller) RegisterBroker(ctx context.Context, req *kmsg.BrokerRegistrationRequest) *kmsg.BrokerRegistrationResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	resp := req.ResponseKind().(*kmsg.BrokerRegistrationResponse)
	resp.BrokerEpoch = -1
	if c.clusterID != "" && req.ClusterID != c.clusterID {
		c.log.Warn("refused broker registration from another cluster", "broker", req.BrokerID, "cluster.id", req.ClusterID)
		resp.ErrorCode = kerr.InconsistentClusterID.Code
		return resp
	}
	im := c.images()
	if prev, ok := im.Broker(req.BrokerID); ok && prev.IncarnationID != req.IncarnationID && !prev.Fenced && c.alive(req.BrokerID) {
		c.log.Warn("refused duplicate broker registration", "broker", req.BrokerID)
		resp.ErrorCode = kerr.DuplicateBrokerRegistration.Code
		return resp
	}
	epoch := im.Offset() + 1
	if prev, ok := im.Broker(req.BrokerID); ok && prev.Epoch >= epoch {
		epoch = prev.Epoch + 1
	}
	rec := &metadata.RegisterBrokerRecord{
		BrokerID: req.BrokerID, IncarnationID: req.IncarnationID, BrokerEpoch: epoch,
		Rack: req.Rack, Fenced: true,
	}
	for _, l := range req.Listeners {
		rec.EndPoints = append(rec.EndPoints, metadata.Endpoint{Name: l.Name, Host: l.Host, Port: int32(l.Port), SecurityProtocol: l.SecurityProtocol})
	}
	for _, f := range req.Features {
		rec.Features = append(rec.Features, metadata.FeatureRange{Name: f.Name, MinSupportedVersion: f.MinSupportedVersion, MaxSupportedVersion: f.MaxSupportedVersion})
	}
	for _, d := range req.LogDirs {
		rec.LogDirs = append(rec.LogDirs, metadata.Uuid(d))
	}
	records := []metadata.Record{rec}
	// A re-registering broker loses leadership until it is unfenced again.
	records = append(records, c.moveLeadership(im, req.BrokerID, true)...)
	if err := c.commit(ctx, records); err != nil {
		resp.ErrorCode, _ = codeAndMessage(err)
		return resp
	}
	c.touch(req.BrokerID)
	c.log.Info("registered broker", "broker", req.BrokerID, "epoch", epoch)
	resp.BrokerEpoch = epoch
	return resp
}

// Heartbeat records that a broker is alive, unfences it once it has caught
// up with the metadata log, and fences it when it asks to shut down.
func (c *Controller) Heartbeat(ctx context.Context, req *kmsg.BrokerHeartbeatRequest) *kmsg.BrokerHeartbeatResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	resp := req.ResponseKind().(*kmsg.BrokerHeartbeatResponse)
	im := c.images()
	b, ok := im.Broker(req.BrokerID)
	if !ok || b.Epoch != req.BrokerEpoch {
		resp.ErrorCode = kerr.StaleBrokerEpoch.Code
		resp.IsFenced = true
		return resp
	}
	c.touch(req.BrokerID)
	caughtUp := req.CurrentMetadataOffset >= b.Epoch
	resp.IsCaughtUp, resp.IsFenced = caughtUp, b.Fenced
	var records []metadata.Record
	switch {
	case req.WantShutdown && !b.Fenced:
		records = append(records, &metadata.FenceBrokerRecord{ID: b.ID, Epoch: b.Epoch})
		records = append(records, c.moveLeadership(im, b.ID, true)...)
	case b.Fenced && caughtUp && !req.WantFence && !req.WantShutdown:
		records = append(records, &metadata.UnfenceBrokerRecord{ID: b.ID, Epoch: b.Epoch})
		records = append(records, c.moveLeadership(im, b.ID, false)...)
	}
	if len(records) == 0 {
		resp.ShouldShutdown = req.WantShutdown && b.Fenced
		return resp
	}
	if err := c.commit(ctx, records); err != nil {
		resp.ErrorCode, _ = codeAndMessage(err)
		return resp
	}
	resp.IsFenced = !(b.Fenced && !req.WantShutdown)
	resp.ShouldShutdown = req.WantShutdown
	if !resp.IsFenced {
		c.log.Info("unfenced broker", "broker", b.ID)
	}
	return resp
}

// moveLeadership returns the partition changes when a broker is fenced
// (it leaves every ISR of more than one member and stops leading; another
// in-sync replica leads if there is one, none otherwise: unclean election
// is off) or unfenced (it leads the leaderless partitions it is in sync
// for).
func (c *Controller) moveLeadership(im *metadata.Image, broker int32, fencing bool) []metadata.Record {
	var out []metadata.Record
	for _, t := range im.Topics() {
		for _, p := range t.Partitions {
			if !slices.Contains(p.ISR, broker) {
				continue
			}
			switch {
			case fencing && p.Leader == broker:
				out = append(out, c.electAway(im, t.ID, p, broker))
			case fencing && len(p.ISR) > 1:
				isr := slices.DeleteFunc(slices.Clone(p.ISR), func(id int32) bool { return id == broker })
				out = append(out, &metadata.PartitionChangeRecord{PartitionID: p.ID, TopicID: t.ID, Isr: isr})
			case !fencing && p.Leader == metadata.NoLeader:
				leader := broker
				out = append(out, &metadata.PartitionChangeRecord{PartitionID: p.ID, TopicID: t.ID, Leader: &leader})
			}
		}
	}
	return out
}

// electAway picks a new leader among the other unfenced in-sync replicas.
func (c *Controller) electAway(im *metadata.Image, topic metadata.Uuid, p *metadata.Partition, broker int32) metadata.Record {
	leader := metadata.NoLeader
	for _, id := range p.ISR {
		if b, ok := im.Broker(id); ok && id != broker && !b.Fenced {
			leader = id
			break
		}
	}
	rec := &metadata.PartitionChangeRecord{PartitionID: p.ID, TopicID: topic, Leader: &leader}
	if leader != metadata.NoLeader {
		// Kafka keeps the last in-sync replica in the ISR so it can
		// lead again without data loss; only shrink when another leads.
		rec.Isr = slices.DeleteFunc(slices.Clone(p.ISR), func(id int32) bool { return id == broker })
	}
	return rec
}

func (c *Controller) touch(broker int32) {
	c.hbMu.Lock()
	c.lastHeartbeats[broker] = time.Now()
	c.hbMu.Unlock()
}

func (c *Controller) alive(broker int32) bool {
	c.hbMu.Lock()
	defer c.hbMu.Unlock()
	t, ok := c.lastHeartbeats[broker]
	return ok && time.Since(t) < c.cfg.BrokerSessionTimeout
}

// Run fences brokers whose session expired, until ctx ends. Only the active
// controller acts; a newly active controller gives every broker a full
// session before fencing it.
func (c *Controller) Run(ctx context.Context) {
	ticker := time.NewTicker(c.cfg.BrokerSessionTimeout / 4)
	defer ticker.Stop()
	wasLeader := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		leader := c.quorum.IsLeader()
		if leader && !wasLeader {
			for _, b := range c.images().Brokers() {
				c.touch(b.ID)
			}
		}
		wasLeader = leader
		if leader {
			c.fenceExpired(ctx)
		}
	}
}

// fenceExpired fences expired brokers one commit each, so every election
// sees the image with the previous broker already fenced.
func (c *Controller) fenceExpired(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range c.images().Brokers() {
		if b.Fenced || c.alive(b.ID) {
			continue
		}
		c.log.Warn("fencing broker whose session expired", "broker", b.ID, "session.timeout", c.cfg.BrokerSessionTimeout)
		im := c.images()
		records := []metadata.Record{&metadata.FenceBrokerRecord{ID: b.ID, Epoch: b.Epoch}}
		records = append(records, c.moveLeadership(im, b.ID, true)...)
		if err := c.commit(ctx, records); err != nil {
			c.log.Error("fencing broker failed", "broker", b.ID, "err", err)
			return
		}
	}
}
