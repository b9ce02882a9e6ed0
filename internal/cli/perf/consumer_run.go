package perf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/cli"
)

func printConsumerHeader(w io.Writer, detailed bool) {
	const extra = ", rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec"
	if detailed {
		fmt.Fprintln(w, "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec"+extra)
		return
	}
	fmt.Fprintln(w, "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec"+extra)
}

func runConsumer(ctx context.Context, cfg *consumerConfig, stdout, stderr io.Writer) error {
	if !cfg.hideHeader {
		printConsumerHeader(stdout, cfg.detailed)
	}
	run, err := newConsumerRun(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	run.start = time.Now()
	run.clock.joinStart = run.start
	cl, err := kgo.NewClient(run.opts...)
	if err != nil {
		return fmt.Errorf("create consumer: %w", err)
	}
	defer cl.Close()
	outcome, err := run.consume(ctx, cl, stdout, stderr)
	end := time.Now()
	if err != nil {
		return err
	}
	if outcome == stoppedByTimeout {
		fmt.Fprintf(stdout, "WARNING: Exiting before consuming the expected number of messages: timeout (%d ms) exceeded. "+
			"You can use the --timeout option to increase the timeout.\n", cfg.timeout.Milliseconds())
	}
	if err := run.report(end, stdout); err != nil {
		return err
	}
	if outcome == interrupted {
		return errors.New("interrupted")
	}
	return nil
}

type consumerRun struct {
	cfg      *consumerConfig
	opts     []kgo.Opt
	group    bool
	maxPoll  int
	clock    *rebalanceClock
	metrics  *clientMetrics
	clientID string
	start    time.Time
	messages int64
	bytes    int64
}

func newConsumerRun(ctx context.Context, cfg *consumerConfig, stderr io.Writer) (*consumerRun, error) {
	props := maps.Clone(cfg.props)
	delete(props, "group.id")
	base, err := cli.ConsumerOpts(props)
	if err != nil {
		return nil, err
	}
	group, err := useGroup(ctx, cfg, base.Opts, stderr)
	if err != nil {
		return nil, err
	}
	ccfg := base
	if group {
		props["group.id"] = cfg.group
		if ccfg, err = cli.ConsumerOpts(props); err != nil {
			return nil, err
		}
	}
	for _, w := range ccfg.Warnings {
		fmt.Fprintln(stderr, w)
	}
	run := &consumerRun{cfg: cfg, group: group, clock: &rebalanceClock{}, metrics: &clientMetrics{}, clientID: props["client.id"]}
	run.maxPoll, _ = strconv.Atoi(ccfg.Known["max.poll.records"])
	run.opts = append(ccfg.Opts, kgo.WithHooks(run.metrics))
	if cfg.include != nil {
		run.opts = append(run.opts, kgo.ConsumeRegex(), kgo.ConsumeTopics(cfg.include.String()))
	} else {
		run.opts = append(run.opts, kgo.ConsumeTopics(cfg.topic))
	}
	if group {
		run.opts = append(run.opts, kgo.OnPartitionsAssigned(run.clock.assignedFn),
			kgo.OnPartitionsRevoked(run.clock.revokedFn), kgo.OnPartitionsLost(run.clock.revokedFn))
	}
	return run, nil
}

// useGroup decides between a consumer group and direct partition reads;
// see RunConsumer.
func useGroup(ctx context.Context, cfg *consumerConfig, opts []kgo.Opt, stderr io.Writer) (bool, error) {
	if cfg.noGroup {
		return false, nil
	}
	ok, err := supportsGroups(ctx, opts)
	if err != nil {
		return false, err
	}
	if !ok && cfg.explicit {
		fmt.Fprintf(stderr, "WARN The broker does not support consumer groups; reading every partition directly instead of in group %s.\n", cfg.group)
	}
	return ok, nil
}

type consumeOutcome int

const (
	reachedCount consumeOutcome = iota
	stoppedByTimeout
	stoppedByDuration
	interrupted
)

// consume is ConsumerPerformance.consume: poll until enough records came,
// or none came for --timeout, printing progress per reporting interval.
func (cr *consumerRun) consume(ctx context.Context, cl *kgo.Client, stdout, stderr io.Writer) (consumeOutcome, error) {
	cfg := cr.cfg
	now := time.Now()
	lastReport, lastConsumed := now, now
	var lastMessages, lastBytes int64
	for cr.messages < cfg.numRecords {
		if now.Sub(lastConsumed) > cfg.timeout {
			return stoppedByTimeout, nil
		}
		if cfg.duration > 0 && now.Sub(cr.start) >= cfg.duration {
			return stoppedByDuration, nil
		}
		pollCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		fetches := cl.PollRecords(pollCtx, cr.maxPoll)
		cancel()
		if ctx.Err() != nil {
			return interrupted, nil
		}
		if err := fetchError(fetches, stderr); err != nil {
			return 0, err
		}
		now = time.Now()
		if !fetches.Empty() {
			lastConsumed = now
		}
		fetches.EachRecord(func(r *kgo.Record) {
			cr.messages++
			cr.bytes += int64(len(r.Key) + len(r.Value))
			if now.Sub(lastReport) >= cfg.interval {
				_, join := cr.clock.read(true)
				if cfg.detailed {
					cr.printProgress(stdout, lastBytes, lastMessages, lastReport, now, join)
				}
				lastReport, lastMessages, lastBytes = now, cr.messages, cr.bytes
			}
		})
	}
	return reachedCount, nil
}

// fetchError returns the first error that should stop the run; the poll
// deadline is not one, and detected data loss is reported and skipped.
func fetchError(fetches kgo.Fetches, stderr io.Writer) error {
	for _, fe := range fetches.Errors() {
		var loss *kgo.ErrDataLoss
		switch {
		case errors.Is(fe.Err, context.DeadlineExceeded), errors.Is(fe.Err, context.Canceled):
		case errors.As(fe.Err, &loss):
			fmt.Fprintf(stderr, "WARN %v\n", fe.Err)
		default:
			return fmt.Errorf("fetch %s[%d]: %w", fe.Topic, fe.Partition, fe.Err)
		}
	}
	return nil
}

// printProgress is printConsumerProgress for the one consumer (thread 0).
func (cr *consumerRun) printProgress(w io.Writer, lastBytes, lastMessages int64, from, to time.Time, join time.Duration) {
	elapsedMs := float64(to.UnixMilli() - from.UnixMilli())
	totalMB := float64(cr.bytes) / mebibyte
	intervalMB := float64(cr.bytes-lastBytes) / mebibyte
	intervalMsgs := cr.messages - lastMessages
	fetchMs := to.UnixMilli() - from.UnixMilli() - join.Milliseconds()
	fetchMBs, fetchMsgs := 0.0, 0.0
	if fetchMs > 0 {
		fetchMBs = 1000 * intervalMB / float64(fetchMs)
		fetchMsgs = 1000 * float64(intervalMsgs) / float64(fetchMs)
	}
	fmt.Fprintf(w, "%s, %d, %s, %s, %d, %s, %d, %d, %s, %s\n",
		cr.cfg.dates.Format(to), 0, f4(totalMB), f4(1000*intervalMB/elapsedMs), cr.messages,
		f4(float64(intervalMsgs)/elapsedMs*1000), join.Milliseconds(), fetchMs, f4(fetchMBs), f4(fetchMsgs))
}

func f4(v float64) string { return cli.FormatFixed(v, 4) }

// report prints the summary line (unless detailed stats were shown), the
// metrics and the JSON result.
func (cr *consumerRun) report(end time.Time, stdout io.Writer) error {
	startMs, endMs := cr.start.UnixMilli(), end.UnixMilli()
	join, _ := cr.clock.read(false)
	elapsedSec := float64(endMs-startMs) / 1000
	fetchMs := endMs - startMs - join.Milliseconds()
	totalMB := float64(cr.bytes) / mebibyte
	if !cr.cfg.detailed {
		fmt.Fprintf(stdout, "%s, %s, %s, %s, %d, %s, %d, %d, %s, %s\n",
			cr.cfg.dates.Format(cr.start), cr.cfg.dates.Format(end), f4(totalMB), f4(totalMB/elapsedSec),
			cr.messages, f4(float64(cr.messages)/elapsedSec), join.Milliseconds(), fetchMs,
			f4(totalMB/(float64(fetchMs)/1000)), f4(float64(cr.messages)/(float64(fetchMs)/1000)))
	}
	if cr.cfg.metrics {
		printMetrics(stdout, cr.metrics.consumerTable(), cr.clientID)
	}
	if cr.cfg.jsonResult == "" {
		return nil
	}
	res := consumerResult{Tool: "consumer-perf-test", Group: cr.group, Records: cr.messages, Bytes: cr.bytes,
		StartUnixMs: startMs, EndUnixMs: endMs, ElapsedMs: float64(endMs - startMs),
		RebalanceMs: join.Milliseconds(), FetchMs: fetchMs}
	if elapsedSec > 0 {
		res.RecordsPerSec = float64(cr.messages) / elapsedSec
		res.MBPerSec = totalMB / elapsedSec
	}
	return writeJSON(cr.cfg.jsonResult, res, stdout)
}

type consumerResult struct {
	Tool          string  `json:"tool"`
	Group         bool    `json:"group"`
	Records       int64   `json:"records"`
	Bytes         int64   `json:"bytes"`
	StartUnixMs   int64   `json:"start_unix_ms"`
	EndUnixMs     int64   `json:"end_unix_ms"`
	ElapsedMs     float64 `json:"elapsed_ms"`
	RecordsPerSec float64 `json:"records_per_sec"`
	MBPerSec      float64 `json:"mb_per_sec"`
	RebalanceMs   int64   `json:"rebalance_ms"`
	FetchMs       int64   `json:"fetch_ms"`
}
