// Command rebalance measures how consumer group rebalances disturb
// consumption, on Samsa and on franz-go's kfake, in one session, and
// prints the ratios Samsa's targets are stated in. It is not part of the
// test suite (its measurement arithmetic is: see timeline_test.go).
//
// Targets (-targets):
//
//	samsa-fsync      samsa server, default fsync-before-ack (group commit)
//	kfake-datadir    bench/kfakeserver -data-dir (page cache, like Kafka)
//	samsa-pagecache  samsa server --override log.write.caching=true
//	kfake-sync       bench/kfakeserver -data-dir -sync (fsync per write,
//	                 group state included)
//
// The first two run by default and their ratio is the stated one; the
// other two, when run, add the like-for-like ratios (fsync on both sides,
// or on neither), which separate the cost of durable group writes from
// the coordinator's own speed.
//
// Modes (-modes), each a franz-go (kgo) client configuration:
//
//	eager-range         classic protocol, kgo.RangeBalancer (eager)
//	cooperative-sticky  classic protocol, kgo.CooperativeStickyBalancer
//	kip848-uniform      KIP-848 ConsumerGroupHeartbeat, kgo.ServerSideBalancer
//	                    with kgo.StickyBalancer, i.e. the server's "uniform"
//
// # A run
//
// Each (round, mode, target) run gets a fresh server process on an empty
// data directory; targets are interleaved within a round, their order
// rotating between rounds. A run creates a 60-partition topic, waits
// until the group's coordinator answers an OffsetFetch (a fresh Samsa
// creates __consumer_offsets on the first group request and answers
// NOT_COORDINATOR until it is loaded; members that started then would
// back off by different amounts and keep scattered heartbeat phases,
// which is a cold start, not a rebalance), starts a producer writing
// 6,000 records/s of 100 bytes spread evenly over the partitions, and
// starts 10 members of one group, each a kgo client with its own
// connections, consuming from the earliest offset with kgo's autocommit
// (every 5 s, and on revocation). Session timeout 6 s and
// heartbeat interval 1.75 s for every target and mode: the members ask
// for them in the classic protocol, and the brokers are configured with
// them for KIP-848 (group.consumer.session.timeout.ms and
// group.consumer.heartbeat.interval.ms, with Samsa's group.consumer.min.*
// lowered to allow them). Rebalance timeout 20 s. The interval is not a
// divisor of the session timeout on purpose: classic members heartbeat in
// step, and with 2 s the killed member's session would expire at the very
// instant the survivors heartbeat, a race of milliseconds that decides
// whether they notice then or one interval (2 s) later.
//
// Once the group is at rest (below), three events follow, each once the
// group is at rest again and 250 ms after a member's heartbeat (the
// newest member's for join and leave, the killed one's for kill, with no
// offset commit between that heartbeat and the kill), so that every
// target sees each event at the same point of the heartbeat cycle (see
// alignWithHeartbeat):
//
//	join   an 11th member starts
//	leave  member 0 closes its client: it revokes, commits and leaves
//	kill   member 1's connections are cut and new dials refused (a Dialer
//	       wrapper), so no LeaveGroup or leaving heartbeat is sent; the
//	       group notices at the session timeout
//
// The group is at rest when every partition has exactly one holder, a
// live member, that has polled records of it since acquiring it and has
// polled some within the last -quiet (3 s); the partitions are spread
// evenly (⌊60/n⌋ or ⌈60/n⌉ each); and no assignment has changed for
// -quiet. A group not at rest -settle-timeout (60 s) after an event is
// wedged: the benchmark aborts with what was missing, as it does for a
// target that cannot start, a producer that fails or a client that fell
// back to another protocol (checked with ListGroups' group type). Nothing
// is skipped silently.
//
// # Measurements
//
// Every member records, stamped from one monotonic clock, the start of
// each OnPartitionsAssigned, OnPartitionsRevoked and OnPartitionsLost
// callback with its partitions, and the first poll returning records of
// a partition since it acquired it. A partition is being consumed at an
// instant when some member holds it (assigned, not since revoked or lost)
// and has polled records of it since it was assigned; a killed member
// holds nothing from the moment its connections are cut, a leaving one
// from its revocation. An event's window runs from the event (the new
// client's creation, the Close call, the cut) to the next event, the
// last one to the moment its group is at rest. Per event:
//
//   - time to recover: from the event until every partition is being
//     consumed again, i.e. the latest end of a stretch in the window
//     during which a partition was not being consumed (0 if none
//     stopped). "Again" means consumption resumed, from the committed
//     offset; catching up on the backlog is not included.
//   - unmoved paused: the partition-seconds, over the partitions whose
//     owner at the window's end is the one they had when the event
//     began, during which such a partition was not being consumed in the
//     window: revoked and not yet given back, or given back and not yet
//     polled. Partitions of a killed or leaving member always move.
//
// Medians over -rounds are reported per mode, target and event, with the
// maximum of unmoved paused (the target is that it is never non-zero),
// followed by the ratios of the targets: time to recover samsa/kfake ≤ 1
// for every mode and event, and unmoved paused = 0 in every round for
// cooperative-sticky and kip848-uniform. Beside each ratio is the
// difference in milliseconds: most of every time to recover is the same
// client-side wait on both targets (a heartbeat interval, the session
// timeout), so a ratio of 1.01 is tens of milliseconds of broker work. A
// ratio above 1 by less than the spread of either target's rounds is
// marked so. KIP-848 times carry more noise than classic ones: members
// heartbeat on their own timers there, and when a member learns of its
// new partitions depends on its heartbeat phase, which earlier
// reconciliations shift.
//
// Default runtime: 3 rounds × 3 modes × 2 targets × about 30 s (start,
// about 6 s to the first rest, the join and leave events about 6 s each
// and the kill about 11 s, each with 3 s of quiet and up to 2 s of
// waiting for the heartbeat phase, and shutdown): about 9 minutes.
//
// Run it from the repository root (it builds samsa and kfakeserver with
// `go build` unless -bin names a directory holding both):
//
//	go run ./bench/rebalance
//	go run ./bench/rebalance -rounds 1 -modes kip848-uniform -logs /tmp/rb
//
// -logs DIR keeps, per run, the timeline (JSON, with every group request
// each member wrote), the members' kgo log and the server's output, for
// finding out why a run looks as it does.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

type options struct {
	rounds            int
	targets           []string
	modes             []string
	partitions        int32
	members           int
	rate              float64
	recordSize        int
	sessionTimeout    time.Duration
	heartbeatInterval time.Duration
	rebalanceTimeout  time.Duration
	quiet             time.Duration
	settleTimeout     time.Duration
	dataRoot          string
	binDir            string
	port              int
	logDir            string
	logLevel          kgo.LogLevel
	overrides         []string // extra samsa --override k=v
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func parseOptions() (*options, error) {
	o := &options{}
	targets := flag.String("targets", "samsa-fsync,kfake-datadir", "targets to run, comma-separated")
	modes := flag.String("modes", strings.Join(allModes, ","), "modes to run, comma-separated")
	partitions := flag.Int("partitions", 60, "partitions of the topic")
	logLevel := flag.String("log-level", "info", "kgo log level written under -logs: error, warn, info, debug")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; each runs every mode on every target")
	flag.IntVar(&o.members, "members", 10, "members of the group before the join")
	flag.Float64Var(&o.rate, "rate", 6000, "records produced per second")
	flag.IntVar(&o.recordSize, "record-size", 100, "bytes per record")
	flag.DurationVar(&o.sessionTimeout, "session-timeout", 6*time.Second, "group session timeout, every target and mode")
	flag.DurationVar(&o.heartbeatInterval, "heartbeat", 1750*time.Millisecond, "group heartbeat interval, every target and mode")
	flag.DurationVar(&o.rebalanceTimeout, "rebalance-timeout", 20*time.Second, "members' rebalance timeout")
	flag.DurationVar(&o.quiet, "quiet", 3*time.Second, "how long assignments must stay unchanged for the group to be at rest")
	flag.DurationVar(&o.settleTimeout, "settle-timeout", 60*time.Second, "how long after an event the group may take to come to rest")
	flag.StringVar(&o.dataRoot, "data-root", os.TempDir(), "directory under which data directories are made")
	flag.StringVar(&o.binDir, "bin", "", "directory with prebuilt samsa and kfakeserver (default: go build them)")
	flag.IntVar(&o.port, "port", 29092, "broker port (samsa also uses port+1 for its controller)")
	flag.StringVar(&o.logDir, "logs", "", "keep each run's timeline, client log and server output in this directory")
	var overrides listFlag
	flag.Var(&overrides, "samsa-override", "extra samsa server --override k=v (repeatable)")
	flag.Parse()
	o.overrides = overrides
	o.targets, o.modes = splitList(*targets), splitList(*modes)
	o.partitions = int32(*partitions)
	levels := map[string]kgo.LogLevel{"error": kgo.LogLevelError, "warn": kgo.LogLevelWarn, "info": kgo.LogLevelInfo, "debug": kgo.LogLevelDebug}
	level, ok := levels[*logLevel]
	if !ok {
		return nil, fmt.Errorf("-log-level: unknown level %q", *logLevel)
	}
	o.logLevel = level
	return o, o.validate()
}

func (o *options) validate() error {
	for _, t := range o.targets {
		if _, ok := targetByName[t]; !ok {
			return fmt.Errorf("unknown target %q (have %s)", t, strings.Join(allTargets, ", "))
		}
	}
	for _, m := range o.modes {
		if _, ok := modeByName[m]; !ok {
			return fmt.Errorf("unknown mode %q (have %s)", m, strings.Join(allModes, ", "))
		}
	}
	switch {
	case o.rounds < 1:
		return fmt.Errorf("need -rounds ≥ 1")
	case o.members < 3:
		return fmt.Errorf("need -members ≥ 3: one leaves and one is killed")
	case o.partitions < int32(o.members+1):
		return fmt.Errorf("need -partitions > -members so that every member holds one")
	case o.rate < float64(o.partitions):
		return fmt.Errorf("need -rate ≥ -partitions so that every partition gets records every second")
	case o.heartbeatInterval <= 0 || o.heartbeatInterval >= o.sessionTimeout:
		return fmt.Errorf("need 0 < -heartbeat < -session-timeout")
	case o.quiet <= 0 || o.settleTimeout <= o.quiet:
		return fmt.Errorf("need 0 < -quiet < -settle-timeout")
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func main() {
	o, err := parseOptions()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rebalance:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "rebalance: FAILED:", err)
		os.Exit(1)
	}
}
