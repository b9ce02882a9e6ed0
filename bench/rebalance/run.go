package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/bench/internal/brokerproc"
)

const (
	benchTopic = "rebalance"
	benchGroup = "rebalance-bench"
)

// target is one broker configuration under test.
type target struct {
	name    string
	command func(o *options, bins brokerproc.Binaries, dataDir string) []string
}

var allTargets = []string{"samsa-fsync", "samsa-pagecache", "kfake-datadir", "kfake-sync"}

var targetByName = map[string]target{
	"samsa-fsync": {"samsa-fsync", func(o *options, b brokerproc.Binaries, dir string) []string {
		return brokerproc.SamsaArgs(b.Samsa, o.port, dir, samsaGroupOverrides(o)...)
	}},
	"samsa-pagecache": {"samsa-pagecache", func(o *options, b brokerproc.Binaries, dir string) []string {
		return brokerproc.SamsaArgs(b.Samsa, o.port, dir, append(samsaGroupOverrides(o), "log.write.caching=true")...)
	}},
	"kfake-datadir": {"kfake-datadir", func(o *options, b brokerproc.Binaries, dir string) []string {
		return kfakeArgs(o, b, dir)
	}},
	"kfake-sync": {"kfake-sync", func(o *options, b brokerproc.Binaries, dir string) []string {
		return append(kfakeArgs(o, b, dir), "-sync")
	}},
}

func kfakeArgs(o *options, b brokerproc.Binaries, dir string) []string {
	return []string{b.Kfake, "-port", strconv.Itoa(o.port), "-data-dir", dir,
		"-config", "group.consumer.session.timeout.ms=" + ms(o.sessionTimeout),
		"-config", "group.consumer.heartbeat.interval.ms=" + ms(o.heartbeatInterval)}
}

// samsaGroupOverrides give KIP-848 groups the run's session timeout and
// heartbeat interval; Kafka's minimums for both (45 s and 5 s) are
// lowered to them, as kfake has no minimums.
func samsaGroupOverrides(o *options) []string {
	return append([]string{
		"group.consumer.session.timeout.ms=" + ms(o.sessionTimeout),
		"group.consumer.min.session.timeout.ms=" + ms(o.sessionTimeout),
		"group.consumer.heartbeat.interval.ms=" + ms(o.heartbeatInterval),
		"group.consumer.min.heartbeat.interval.ms=" + ms(o.heartbeatInterval),
	}, o.overrides...)
}

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

// eventNames are the events of a run, in order.
var eventNames = []string{"join", "leave", "kill"}

// runResult is one run's numbers.
type runResult struct {
	Round  int           `json:"round"`
	Mode   string        `json:"mode"`
	Target string        `json:"target"`
	Events []eventResult `json:"events"`
}

type eventResult struct {
	Event string `json:"event"`
	Disruption
}

func run(ctx context.Context, o *options) error {
	binDir, err := os.MkdirTemp("", "samsa-rebalance-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(binDir)
	bins, err := brokerproc.Build(ctx, o.binDir, binDir)
	if err != nil {
		return err
	}
	if o.logDir != "" {
		if err := os.MkdirAll(o.logDir, 0o755); err != nil {
			return err
		}
	}
	host, _ := os.Hostname()
	fmt.Printf("samsa rebalance benchmark on %s; targets %v; modes %v; %d rounds\n", host, o.targets, o.modes, o.rounds)
	fmt.Printf("%d partitions, %.0f records/s of %d B, %d members, session timeout %v, heartbeat %v\n",
		o.partitions, o.rate, o.recordSize, o.members, o.sessionTimeout, o.heartbeatInterval)
	var results []runResult
	for round := 1; round <= o.rounds; round++ {
		for _, mname := range o.modes {
			for i := range o.targets {
				t := targetByName[o.targets[(i+round-1)%len(o.targets)]]
				if ctx.Err() != nil {
					return ctx.Err()
				}
				r, err := runOne(ctx, o, bins, round, modeByName[mname], t)
				if err != nil {
					return fmt.Errorf("round %d, %s on %s: %w", round, mname, t.name, err)
				}
				printRun(os.Stdout, r)
				results = append(results, *r)
			}
		}
	}
	report(os.Stdout, o, results)
	return nil
}

// runOne is one run on a fresh server and an empty data directory.
func runOne(ctx context.Context, o *options, bins brokerproc.Binaries, round int, m mode, t target) (*runResult, error) {
	dir, err := os.MkdirTemp(o.dataRoot, "samsa-rebalance-"+t.name+"-")
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	defer os.RemoveAll(dir)
	srv, err := brokerproc.Start(ctx, t.name, t.command(o, bins, filepath.Join(dir, "data")), fmt.Sprintf("127.0.0.1:%d", o.port))
	if err != nil {
		return nil, err
	}
	logs, err := openRunLogs(o, round, m, t)
	if err != nil {
		_ = srv.Stop()
		return nil, err
	}
	res, runErr := exercise(ctx, o, srv, m, logs)
	if stopErr := srv.Stop(); runErr == nil && stopErr != nil {
		runErr = stopErr
	}
	if err := logs.close(srv); runErr == nil {
		runErr = err
	}
	if runErr != nil {
		return nil, runErr
	}
	res.Round, res.Mode, res.Target = round, m.name, t.name
	return res, nil
}

// exercise runs the events against a started server.
func exercise(ctx context.Context, o *options, srv *brokerproc.Server, m mode, logs *runLogs) (res *runResult, err error) {
	if err := srv.CreateTopic(ctx, benchTopic, o.partitions); err != nil {
		return nil, err
	}
	if err := waitCoordinator(ctx, srv); err != nil {
		return nil, err
	}
	rec := newRecorder(o.partitions)
	defer func() { logs.timeline = rec.timeline() }()
	prod, err := startProducer(ctx, srv.Addr(), benchTopic, o.partitions, o.rate, o.recordSize)
	if err != nil {
		return nil, err
	}
	g := &group{o: o, srv: srv, rec: rec, settings: groupSettings{
		addr: srv.Addr(), group: benchGroup, topic: benchTopic, mode: m,
		sessionTimeout: o.sessionTimeout, heartbeatInterval: o.heartbeatInterval,
		rebalanceTimeout: o.rebalanceTimeout, log: logs.client, logLevel: o.logLevel,
	}}
	defer func() {
		g.close()
		if perr := prod.stop(); err == nil && perr != nil {
			err = perr
		}
	}()
	times, err := g.events(ctx)
	if err != nil {
		return nil, err
	}
	events := rec.timeline()
	res = &runResult{}
	for i, name := range eventNames {
		d, err := measure(events, o.partitions, times[i], times[i+1])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		res.Events = append(res.Events, eventResult{Event: name, Disruption: d})
	}
	logs.eventTimes = times
	return res, nil
}

// group is the run's members and the events done to them.
type group struct {
	o        *options
	srv      *brokerproc.Server
	rec      *recorder
	settings groupSettings
	members  map[int]*member
	live     []int
	killed   []*member
}

// events brings the group to rest, then joins, leaves and kills a member,
// each once the group is at rest again. It returns when each event began
// and, last, when the group came to rest after the kill.
func (g *group) events(ctx context.Context) ([]time.Duration, error) {
	g.members = map[int]*member{}
	for id := range g.o.members {
		if err := g.add(ctx, id); err != nil {
			return nil, err
		}
	}
	if err := g.waitRest(ctx, "start", 0); err != nil {
		return nil, err
	}
	if err := checkGroupType(ctx, g.srv.Addr(), g.settings.mode); err != nil {
		return nil, err
	}
	var times []time.Duration
	for _, name := range eventNames {
		at, err := g.do(ctx, name)
		if err != nil {
			return nil, err
		}
		times = append(times, at)
		if err := g.waitRest(ctx, name, at); err != nil {
			return nil, err
		}
	}
	return append(times, g.rec.now()), nil
}

// do makes one event happen, heartbeatPhase after a heartbeat (see
// alignWithHeartbeat), and returns when it began. The member that leaves
// and the one killed are the oldest live ones; the heartbeat that times a
// join or a leave is that of the newest, which stays.
func (g *group) do(ctx context.Context, name string) (time.Duration, error) {
	switch name {
	case "join":
		if err := g.alignWithHeartbeat(ctx, g.live[len(g.live)-1]); err != nil {
			return 0, err
		}
		at := g.rec.now()
		return at, g.add(ctx, g.o.members)
	case "leave":
		id := g.live[0]
		if err := g.alignWithHeartbeat(ctx, g.live[len(g.live)-1]); err != nil {
			return 0, err
		}
		at := g.rec.now()
		g.drop(id).leave()
		g.rec.record(id, Gone, nil)
		return at, nil
	case "kill":
		id := g.live[0]
		if err := g.alignWithHeartbeat(ctx, id); err != nil {
			return 0, err
		}
		m := g.drop(id)
		// Gone first: from the cut on, the member consumes nothing.
		at := g.rec.record(id, Gone, nil)
		m.kill()
		g.killed = append(g.killed, m)
		return at, nil
	}
	return 0, fmt.Errorf("unknown event %q", name)
}

// heartbeatPhase is how long after a member's heartbeat an event happens.
const heartbeatPhase = 250 * time.Millisecond

// alignWithHeartbeat waits until heartbeatPhase after the member's next
// heartbeat, provided the member has not sent an offset commit since
// that heartbeat (else it waits for the following one).
//
// Classic members heartbeat in step (each starts its timer when the same
// SyncGroup round ends), so how long a rebalance waits for the members to
// notice depends on where in the heartbeat cycle the event falls; left to
// chance, that client-side wait (0 to one interval) would swamp the
// brokers' differences over a few rounds. Pinning the phase makes each
// event start from the same state on every target. The commit condition
// matters for the kill: Samsa, like Kafka, lets a classic member's
// OffsetCommit extend its session, kfake does not, so after a commit the
// two would time out the killed member from different instants.
func (g *group) alignWithHeartbeat(ctx context.Context, id int) error {
	key := g.settings.mode.heartbeatKey
	deadline := time.Now().Add(4 * g.o.heartbeatInterval)
	after := g.rec.now()
	for {
		hb := g.rec.lastSent(id, key)
		now := g.rec.now()
		switch {
		case hb > after && g.rec.lastSent(id, keyOffsetCommit) > hb:
			after = now
		case hb > after && now >= hb+heartbeatPhase:
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("member %d sent no heartbeat without a commit after it for %v", id, 4*g.o.heartbeatInterval)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

func (g *group) add(ctx context.Context, id int) error {
	m, err := startMember(ctx, id, g.settings, g.rec)
	if err != nil {
		return err
	}
	g.members[id] = m
	g.live = append(g.live, id)
	return nil
}

func (g *group) drop(id int) *member {
	m := g.members[id]
	delete(g.members, id)
	g.live = slices.DeleteFunc(g.live, func(x int) bool { return x == id })
	return m
}

// waitRest waits until the group is at rest with the live members, or
// fails saying what is missing once the settle timeout has passed.
func (g *group) waitRest(ctx context.Context, after string, at time.Duration) error {
	deadline := time.Now().Add(g.o.settleTimeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		why := g.rec.settled(g.live, g.o.quiet, g.o.quiet)
		if why == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("group wedged: not at rest %v after %s (at %v): %s", g.o.settleTimeout, after, at.Round(time.Millisecond), why)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-g.srv.Exited():
			return errors.New("server exited during the run")
		case <-tick.C:
		}
	}
}

// close leaves with every live member at once (each close waits for its
// own leave only) and releases the killed ones.
func (g *group) close() {
	var wg sync.WaitGroup
	for _, m := range g.members {
		wg.Go(m.leave)
	}
	for _, m := range g.killed {
		wg.Go(m.release)
	}
	wg.Wait()
}

// waitCoordinator waits until the group's coordinator answers an offset
// fetch. On a fresh Samsa the first group request creates
// __consumer_offsets, and until its partition is led and loaded the
// coordinator answers NOT_COORDINATOR; members starting then back off by
// different amounts, and KIP-848 members keep the resulting heartbeat
// phases, which later decide when each learns of a new assignment. The
// benchmark measures rebalances of a running group, not a coordinator's
// first start, so every target is warmed up first.
func waitCoordinator(ctx context.Context, srv *brokerproc.Server) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(srv.Addr()))
	if err != nil {
		return err
	}
	defer cl.Close()
	for {
		resp, err := kadm.NewClient(cl).FetchOffsets(ctx, benchGroup)
		if err == nil {
			err = resp.Error()
		}
		// kfake answers a group it has never seen with
		// GROUP_ID_NOT_FOUND; that is an answer all the same.
		if err == nil || errors.Is(err, kerr.GroupIDNotFound) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("group coordinator not ready: %w", err)
		case <-srv.Exited():
			return errors.New("server exited while waiting for the group coordinator")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// checkGroupType fails when the group's type is not the mode's: kgo falls
// back to the classic protocol when a broker does not offer KIP-848, and
// a run of the wrong protocol must not be reported under the mode's name.
func checkGroupType(ctx context.Context, addr string, m mode) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return err
	}
	defer cl.Close()
	req := kmsg.NewPtrListGroupsRequest()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("list groups: %w", err)
	}
	for _, grp := range resp.Groups {
		if grp.Group != benchGroup {
			continue
		}
		if grp.GroupType != m.groupType {
			return fmt.Errorf("group type is %q, want %q for %s: the client used another protocol", grp.GroupType, m.groupType, m.name)
		}
		return nil
	}
	return fmt.Errorf("group %s not listed", benchGroup)
}

// runLogs are the files -logs keeps for one run.
type runLogs struct {
	base       string // path prefix, or "" when not keeping logs
	client     io.WriteCloser
	timeline   []Event
	eventTimes []time.Duration
}

func openRunLogs(o *options, round int, m mode, t target) (*runLogs, error) {
	if o.logDir == "" {
		return &runLogs{}, nil
	}
	base := filepath.Join(o.logDir, fmt.Sprintf("r%d-%s-%s", round, m.name, t.name))
	f, err := os.Create(base + ".client.log")
	if err != nil {
		return nil, err
	}
	return &runLogs{base: base, client: f}, nil
}

// close writes the timeline and the server's output (which may be read
// only once the server has stopped).
func (l *runLogs) close(srv *brokerproc.Server) error {
	if l.base == "" {
		return nil
	}
	errClient := l.client.Close()
	data, errJSON := json.MarshalIndent(map[string]any{"events": eventNames, "event_times": l.eventTimes, "timeline": l.timeline}, "", " ")
	errTimeline := os.WriteFile(l.base+".timeline.json", data, 0o644)
	errServer := os.WriteFile(l.base+".server.log", []byte(srv.Output()), 0o644)
	return errors.Join(errClient, errJSON, errTimeline, errServer)
}
