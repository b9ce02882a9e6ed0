// Command run is Samsa's benchmark harness: it compares Samsa with
// franz-go's kfake on this machine, in one session, and prints the ratios
// Samsa's targets are stated in. It is not part of the test suite.
//
// Targets (-targets, comma-separated):
//
//	samsa-pagecache  samsa server --override log.write.caching=true
//	samsa-fsync      samsa server, default fsync-before-ack (group commit)
//	kfake-datadir    bench/kfakeserver -data-dir (page cache, like Kafka)
//	kfake-sync       bench/kfakeserver -data-dir -sync (fsync per batch)
//
// Workloads (-workloads): every run has one `samsa producer-perf-test`
// (linger.ms=5, max.in.flight.requests.per.connection=5, acks=all,
// enable.idempotence=false, buffer.memory=4194304, see bufferMemory) and one
// `samsa consumer-perf-test --no-group` reading the same topic, started together
// against a 6-partition, replication-factor-1 topic. Idempotence is off
// for every target: Samsa does not implement idempotent producers yet, and
// an idempotent franz-go producer without a producer id falls back to one
// request in flight, which would not be the stated workload; the first -warmup
// (3 s) is excluded and the next -measure (15 s) is the window.
//
//	1k       1 KiB records, unthrottled: throughput
//	100b     100-byte records, unthrottled: records/s per broker core
//	fixed20  1 KiB records at 20 MiB/s (20480 records/s): ack latency
//
// Each (round, workload, target) run gets a fresh server process and an
// empty data directory; targets are interleaved within a round, and the
// order rotates between rounds, so that drift of the machine spreads over
// all targets. Medians over -rounds (3) are reported.
//
// Measurements: producer throughput and the send-to-ack latency
// percentiles come from the producer's steady-state JSON result (the
// window after warm-up, which ends when sending stops; acknowledgements
// that arrive while the backlog drains are not counted). The server's CPU time is sampled from
// /proc/<pid>/stat (utime+stime) every 100 ms and interpolated at the
// window's start and end, giving broker cores used and records/s per core.
// The disk's buffered-write-plus-fdatasync bandwidth comes from fio, once
// per round, in the data root: sequential buffered writes (ioengine=sync)
// of -fio-bs blocks (64 KiB), fdatasync after every block, 256 MiB or
// 15 s, whichever ends first.
//
// Default runtime: 3 rounds × 3 workloads × 4 targets × about 22 s (18 s
// of load plus start, topic creation and stop), plus 3 fio runs of at
// most 15 s: about 14 minutes. A target that cannot start, a tool that
// fails, or a run without a steady-state window aborts the benchmark with
// the reason; nothing is skipped silently.
//
// Run it from the repository root (it builds samsa and kfakeserver with
// `go build` unless -bin names a directory holding both):
//
//	go run ./bench/run -rounds 3
//	go run ./bench/run -targets kfake-datadir,kfake-sync -rounds 1
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
)

type options struct {
	rounds    int
	targets   []string
	workloads []string
	warmup    time.Duration
	measure   time.Duration
	dataRoot  string
	binDir    string
	port      int
	fio       bool
	fioBlock  string
	jsonOut   string
	overrides []string // extra samsa --override k=v
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func parseOptions() (*options, error) {
	o := &options{}
	targets := flag.String("targets", strings.Join(allTargets, ","), "targets to run, comma-separated")
	workloads := flag.String("workloads", "1k,100b,fixed20", "workloads to run, comma-separated")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; each runs every workload on every target")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "warm-up excluded from the measurement")
	flag.DurationVar(&o.measure, "measure", 15*time.Second, "measurement window")
	flag.StringVar(&o.dataRoot, "data-root", os.TempDir(), "directory under which data directories are made (and fio runs)")
	flag.StringVar(&o.binDir, "bin", "", "directory with prebuilt samsa and kfakeserver (default: go build them)")
	flag.IntVar(&o.port, "port", 29092, "broker port (samsa also uses port+1 for its controller)")
	flag.BoolVar(&o.fio, "fio", true, "measure the disk with fio (needs the fio package)")
	flag.StringVar(&o.fioBlock, "fio-bs", "64k", "fio block size: bytes written between fdatasyncs")
	flag.StringVar(&o.jsonOut, "json", "", "also write every run's raw numbers to this file")
	var overrides listFlag
	flag.Var(&overrides, "samsa-override", "extra samsa server --override k=v (repeatable)")
	flag.Parse()
	o.overrides = overrides
	o.targets = splitList(*targets)
	o.workloads = splitList(*workloads)
	for _, t := range o.targets {
		if _, ok := targetByName[t]; !ok {
			return nil, fmt.Errorf("unknown target %q (have %s)", t, strings.Join(allTargets, ", "))
		}
	}
	for _, w := range o.workloads {
		if _, ok := workloadByName[w]; !ok {
			return nil, fmt.Errorf("unknown workload %q", w)
		}
	}
	if o.rounds < 1 || o.measure <= 0 || o.warmup < 0 {
		return nil, fmt.Errorf("need -rounds ≥ 1, -measure > 0, -warmup ≥ 0")
	}
	return o, nil
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
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench: FAILED:", err)
		os.Exit(1)
	}
}
