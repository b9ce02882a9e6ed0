package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/metadata"
)

// forwarder reaches the active controller.
type forwarder interface {
	Forward(ctx context.Context, req kmsg.Request) (kmsg.Response, error)
}

// lifecycle registers the broker with the controller and heartbeats, the
// way Kafka's BrokerLifecycleManager does: the broker is fenced until a
// heartbeat shows it has applied the metadata log up to its registration,
// and on shutdown it asks to be fenced so leadership moves first.
type lifecycle struct {
	log        *slog.Logger
	controller forwarder
	images     func() *metadata.Image
	interval   time.Duration

	registration *kmsg.BrokerRegistrationRequest
	epoch        atomic.Int64
	unfenced     chan struct{} // closed once the broker is first unfenced
}

func newLifecycle(log *slog.Logger, controller forwarder, images func() *metadata.Image, interval time.Duration, reg *kmsg.BrokerRegistrationRequest) *lifecycle {
	return &lifecycle{log: log, controller: controller, images: images, interval: interval,
		registration: reg, unfenced: make(chan struct{})}
}

// register registers the broker, retrying until ctx ends.
func (l *lifecycle) register(ctx context.Context) error {
	for {
		resp, err := l.controller.Forward(ctx, l.registration)
		if err == nil {
			r := resp.(*kmsg.BrokerRegistrationResponse)
			if err = kerr.ErrorForCode(r.ErrorCode); err == nil {
				l.epoch.Store(r.BrokerEpoch)
				return nil
			}
			if !kerr.IsRetriable(err) {
				return fmt.Errorf("registering broker %d: %w", l.registration.BrokerID, err)
			}
		}
		l.log.Info("broker registration not yet accepted; retrying", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(l.interval / 4):
		}
	}
}

// heartbeat sends one heartbeat and reports whether the broker is fenced.
func (l *lifecycle) heartbeat(ctx context.Context, shutdown bool) (*kmsg.BrokerHeartbeatResponse, error) {
	req := kmsg.NewPtrBrokerHeartbeatRequest()
	req.BrokerID = l.registration.BrokerID
	req.BrokerEpoch = l.epoch.Load()
	req.CurrentMetadataOffset = l.images().Offset()
	req.WantShutdown = shutdown
	resp, err := l.controller.Forward(ctx, req)
	if err != nil {
		return nil, err
	}
	r := resp.(*kmsg.BrokerHeartbeatResponse)
	if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
		return r, err
	}
	if !r.IsFenced {
		select {
		case <-l.unfenced:
		default:
			close(l.unfenced)
		}
	}
	return r, nil
}

// run heartbeats every interval until ctx ends, re-registering when the
// controller no longer knows this incarnation. The first heartbeats come
// quickly so a fresh node is unfenced in milliseconds.
func (l *lifecycle) run(ctx context.Context) {
	wait := time.Duration(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		_, err := l.heartbeat(ctx, false)
		switch {
		case err == nil:
		case kerr.IsRetriable(err) || ctx.Err() != nil:
		case errors.Is(err, kerr.StaleBrokerEpoch):
			l.log.Warn("controller reports a stale broker epoch; registering again")
			if err := l.register(ctx); err != nil && ctx.Err() == nil {
				l.log.Error("re-registration failed", "err", err)
			}
		default:
			l.log.Warn("broker heartbeat failed", "err", err)
		}
		wait = l.interval
		select {
		case <-l.unfenced:
		default:
			wait = 10 * time.Millisecond
		}
	}
}

// shutdown asks the controller to fence this broker (moving leadership
// away) before the process stops serving.
func (l *lifecycle) shutdown(ctx context.Context) {
	if _, err := l.heartbeat(ctx, true); err != nil {
		l.log.Warn("controlled shutdown heartbeat failed", "err", err)
	}
}
