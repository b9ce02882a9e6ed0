package console

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/cli"
)

// RunConsumer is `samsa console-consumer`, Kafka's ConsoleConsumer: it
// prints records until --max-messages, --timeout-ms or a signal, then
// reports how many it printed.
func RunConsumer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	p := consumerParser()
	r, err := p.Parse(args)
	if err != nil {
		return p.Handle(err, stdout, stderr)
	}
	cfg, err := newConsumerConfig(r)
	var ue *cli.UsageError
	switch {
	case errors.As(err, &ue):
		return p.Fail(stderr, "%s", ue.Message)
	case err != nil:
		fmt.Fprintln(stderr, err)
		return 1
	}
	cl, pos, err := newConsumerClient(ctx, cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	c := &consoleConsumer{cfg: cfg, cl: cl, pos: pos, out: bufio.NewWriter(stdout), stderr: stderr}
	c.process(ctx)
	c.cleanup()
	fmt.Fprintf(stderr, "Processed a total of %d messages\n", c.count)
	if cfg.systest {
		fmt.Fprintln(stdout, "shutdown_complete")
	}
	return 0
}

// newConsumerClient connects a group consumer for --topic or --include, or
// a direct reader of one partition for --partition.
func newConsumerClient(ctx context.Context, cfg *consumerConfig, stderr io.Writer) (cl *kgo.Client, pos *positions, err error) {
	props := make(map[string]string, len(cfg.props))
	for k, v := range cfg.props {
		props[k] = v
	}
	if cfg.assign {
		// Java assigns the partition: the generated group is never joined.
		delete(props, "group.id")
		delete(props, "enable.auto.commit")
	}
	cc, err := cli.ConsumerOpts(props)
	if err != nil {
		return nil, nil, err
	}
	for _, w := range cc.Warnings {
		fmt.Fprintln(stderr, w)
	}
	opts := cc.Opts
	if props["allow.auto.create.topics"] != "false" {
		opts = append(opts, kgo.AllowAutoTopicCreation())
	}
	switch {
	case cfg.assign:
		at := kgo.NewOffset().AtEnd()
		switch {
		case cfg.offset == offsetEarliest:
			at = kgo.NewOffset().AtStart()
		case cfg.offset >= 0:
			at = kgo.NewOffset().At(cfg.offset)
		}
		opts = append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{cfg.topic: {cfg.partition: at}}))
	case cfg.include != nil:
		opts = append(opts, kgo.ConsumeRegex(), kgo.ConsumeTopics(cfg.include.String()))
	default:
		opts = append(opts, kgo.ConsumeTopics(cfg.topic))
	}
	if !cfg.assign && cfg.autoCommit {
		// Commit only what was printed, as ConsoleConsumer rewinds
		// fetched but unprinted records before it closes.
		opts = append(opts, kgo.AutoCommitMarks())
		pos = &positions{earliest: props["auto.offset.reset"] == "earliest"}
		opts = append(opts, pos.opts()...)
	}
	cl, err = kgo.NewClient(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("creating consumer: %w", err)
	}
	if err := cli.Ping(ctx, cl, cfg.bootstrap); err != nil {
		cl.Close()
		return nil, nil, err
	}
	return cl, pos, nil
}

// consoleConsumer is one run of the tool.
type consoleConsumer struct {
	cfg    *consumerConfig
	cl     *kgo.Client
	pos    *positions // nil unless a group member commits
	out    *bufio.Writer
	stderr io.Writer
	count  int64
}

// process prints records until the limit, the timeout, ctx's end, an
// unwritable stdout or a fatal fetch error.
func (c *consoleConsumer) process(ctx context.Context) {
	var buf bytes.Buffer
	for c.cfg.maxMessages < 0 || c.count < c.cfg.maxMessages {
		want := -1
		if c.cfg.maxMessages >= 0 {
			want = int(c.cfg.maxMessages - c.count)
		}
		records, err := c.poll(ctx, want)
		if err != nil {
			if ctx.Err() == nil {
				c.logError("Error processing message, terminating consumer process: ", err)
			}
			return
		}
		for _, rec := range records {
			buf.Reset()
			c.cfg.format.format(&buf, rec)
			c.count++
			if _, err := c.out.Write(buf.Bytes()); err != nil {
				fmt.Fprintln(c.stderr, "Unable to write to standard out, closing consumer.")
				return
			}
			if c.cfg.autoCommit && !c.cfg.assign {
				c.cl.MarkCommitRecords(rec)
			}
		}
		if err := c.out.Flush(); err != nil {
			fmt.Fprintln(c.stderr, "Unable to write to standard out, closing consumer.")
			return
		}
	}
}

// errTimeout is Kafka's bare TimeoutException from ConsumerWrapper.receive.
var errTimeout = errors.New("org.apache.kafka.common.errors.TimeoutException")

// poll waits for up to want records (any number for -1), for at most
// --timeout-ms when given.
func (c *consoleConsumer) poll(ctx context.Context, want int) ([]*kgo.Record, error) {
	pctx, cancel := ctx, context.CancelFunc(func() {})
	if c.cfg.hasTimeout {
		pctx, cancel = context.WithTimeout(ctx, c.cfg.timeout)
	}
	defer cancel()
	for {
		fetches := c.cl.PollRecords(pctx, want)
		if records := fetches.Records(); len(records) > 0 {
			return records, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if pctx.Err() != nil {
			return nil, errTimeout
		}
		for _, fe := range fetches.Errors() {
			if fatalFetchError(fe.Err) {
				return nil, fmt.Errorf("%s-%d: %w", fe.Topic, fe.Partition, fe.Err)
			}
		}
		if fetches.IsClientClosed() {
			return nil, kgo.ErrClientClosed
		}
	}
}

// fatalFetchError tells errors that end the tool from those the client
// recovers from by itself (leadership moves, a topic still being created).
func fatalFetchError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, kerr.UnknownTopicOrPartition) || kerr.IsRetriable(err) {
		return false
	}
	var ke *kerr.Error
	return errors.As(err, &ke) || errors.Is(err, kgo.ErrClientClosed)
}

// logError prints an error as Kafka's tools log it to stderr.
func (c *consoleConsumer) logError(msg string, err error) {
	fmt.Fprintf(c.stderr, "[%s] ERROR %s (org.apache.kafka.tools.consumer.ConsoleConsumer)\n%v\n",
		time.Now().Format("2006-01-02 15:04:05,000"), msg, err)
}

// cleanup commits what was printed (when auto-commit is on) and leaves the
// group. It runs after a signal too, so it does not use the run's ctx.
func (c *consoleConsumer) cleanup() {
	defer c.cl.Close()
	if c.pos == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.pos.commit(ctx, c.cl); err != nil {
		c.logError("Failed to commit offsets on close: ", err)
	}
}
