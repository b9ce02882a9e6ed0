package perf

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/cli"
)

const producerDescription = "This tool is used to verify the producer performance. To enable transactions, " +
	"you can specify a transactional id or set a transaction duration using --transaction-duration-ms. " +
	"There are three ways to specify the transactional id: set transactional.id=<id> via --producer-props, " +
	"set transactional.id=<id> in the config file via --producer.config, or use --transactional-id <id>."

func producerParser() *cli.Parser {
	p := cli.NewParser("producer-performance", producerDescription, cli.Argparse)
	p.Add(
		cli.Option{Name: "bootstrap-server", Kind: cli.Single, Metavar: "BOOTSTRAP-SERVERS", Help: "The server(s) to connect to. Takes precedence over bootstrap.servers given by the other options."},
		cli.Option{Name: "topic", Kind: cli.Single, Metavar: "TOPIC", Required: true, Help: "produce messages to this topic"},
		cli.Option{Name: "num-records", Kind: cli.Single, Type: cli.Int64, Metavar: "NUM-RECORDS", Required: true, Help: "number of messages to produce"},
		cli.Option{Name: "record-size", Kind: cli.Single, Type: cli.Int32, Metavar: "RECORD-SIZE", Help: "message size in bytes. Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic."},
		cli.Option{Name: "payload-file", Kind: cli.Single, Metavar: "PAYLOAD-FILE", Help: "file to read the message payloads from. This works only for UTF-8 encoded text files. Payloads will be read from this file and a payload will be randomly selected when sending messages."},
		cli.Option{Name: "payload-monotonic", Kind: cli.Flag, Help: "payload is monotonically increasing integer."},
		cli.Option{Name: "payload-delimiter", Kind: cli.Single, Metavar: "PAYLOAD-DELIMITER", Default: `\n`, Help: "provides delimiter to be used when --payload-file is provided. Defaults to new line. Note that this parameter will be ignored if --payload-file is not provided."},
		cli.Option{Name: "throughput", Kind: cli.Single, Type: cli.Float64, Metavar: "THROUGHPUT", Required: true, Help: "throttle maximum message throughput to *approximately* THROUGHPUT messages/sec. Set this to -1 to disable throttling."},
		cli.Option{Name: "producer-props", Aliases: []string{"command-property"}, Kind: cli.Multi, Metavar: "PROP-NAME=PROP-VALUE", Help: "kafka producer related configuration properties like client.id. These configs take precedence over those passed via --producer.config."},
		cli.Option{Name: "producer.config", Aliases: []string{"command-config"}, Kind: cli.Single, Metavar: "CONFIG-FILE", Help: "producer config properties file."},
		cli.Option{Name: "print-metrics", Kind: cli.Flag, Help: "print out metrics at the end of the test."},
		cli.Option{Name: "transactional-id", Kind: cli.Single, Metavar: "TRANSACTIONAL-ID", Help: "The transactional id to use. This config takes precedence over the transactional.id specified via --producer.config or --producer-props."},
		cli.Option{Name: "transaction-duration-ms", Kind: cli.Single, Type: cli.Int64, Metavar: "TRANSACTION-DURATION", Help: "The max age of each transaction. The commitTransaction will be called after this time has elapsed. The value should be greater than 0. Defaults to 3000 when transactions are enabled."},
		cli.Option{Name: "warmup-records", Kind: cli.Single, Type: cli.Int64, Metavar: "WARMUP-RECORDS", Default: "0", Help: "The number of records to treat as warmup; these initial records will not be included in steady-state statistics. An additional summary line will be printed describing the steady-state statistics."},
		cli.Option{Name: "duration-ms", Kind: cli.Single, Type: cli.Int64, Metavar: "DURATION-MS", Help: "Samsa only: stop sending after this many milliseconds even if --num-records were not all sent; the steady-state window (see --warmup-ms) ends there too."},
		cli.Option{Name: "warmup-ms", Kind: cli.Single, Type: cli.Int64, Metavar: "WARMUP-MS", Help: "Samsa only: like --warmup-records, but records sent in the first WARMUP-MS milliseconds are the warmup."},
		cli.Option{Name: "json-result", Kind: cli.Single, Metavar: "FILE", Help: "Samsa only: write the totals as one JSON object to FILE (- for stdout) at the end."},
	)
	return p
}

// producerConfig is the checked command line (Kafka's ConfigPostProcessor).
type producerConfig struct {
	topic         string
	numRecords    int64
	warmupRecords int64
	warmup        time.Duration
	duration      time.Duration
	throughput    float64
	payloads      payloadSource
	maxPayload    int
	props         map[string]string
	printMetrics  bool
	txnDuration   time.Duration // 0: no transactions
	jsonResult    string
}

// RunProducer is `samsa producer-perf-test`, Kafka's ProducerPerformance.
func RunProducer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	p := producerParser()
	if len(args) == 0 {
		p.Usage(stdout)
		return 0
	}
	r, err := p.Parse(args)
	if err != nil {
		return p.Handle(err, stdout, stderr)
	}
	cfg, err := newProducerConfig(r, stdout)
	var ue *cli.UsageError
	if errors.As(err, &ue) {
		return p.Fail(stderr, "%s", ue.Message)
	}
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	if err := runProducer(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	return 0
}

func newProducerConfig(r *cli.Result, stdout io.Writer) (*producerConfig, error) {
	if err := checkProducerArgs(r); err != nil {
		return nil, err
	}
	cfg := &producerConfig{
		topic:         r.String("topic"),
		numRecords:    r.Int64("num-records"),
		warmupRecords: max(r.Int64("warmup-records"), 0),
		warmup:        time.Duration(r.Int64("warmup-ms")) * time.Millisecond,
		duration:      time.Duration(r.Int64("duration-ms")) * time.Millisecond,
		throughput:    r.Float64("throughput"),
		printMetrics:  r.Has("print-metrics"),
		jsonResult:    r.String("json-result"),
	}
	var err error
	if cfg.payloads, cfg.maxPayload, err = newPayloadSource(r, stdout); err != nil {
		return nil, err
	}
	if cfg.props, err = producerProps(r); err != nil {
		return nil, err
	}
	cfg.txnDuration = transactionSetup(r, cfg.props)
	return cfg, nil
}

// checkProducerArgs makes ConfigPostProcessor's and argparse's checks, in
// their order, with their messages.
func checkProducerArgs(r *cli.Result) error {
	var payloadOpts []string
	for _, n := range []string{"record-size", "payload-file", "payload-monotonic"} {
		if r.Has(n) {
			payloadOpts = append(payloadOpts, "--"+n)
		}
	}
	switch {
	case len(payloadOpts) == 0:
		return &cli.UsageError{Message: "one of the arguments --record-size --payload-file --payload-monotonic is required"}
	case len(payloadOpts) > 1:
		return &cli.UsageError{Message: fmt.Sprintf("argument %s: not allowed with argument %s", payloadOpts[1], payloadOpts[0])}
	case r.Int64("num-records") <= 0:
		return &cli.UsageError{Message: "--num-records should be greater than zero"}
	case r.Int64("warmup-records") >= r.Int64("num-records"):
		return &cli.UsageError{Message: "The value for --warmup-records must be strictly fewer than the number of records in the test, --num-records."}
	case r.Has("record-size") && r.Int32("record-size") <= 0:
		return &cli.UsageError{Message: "--record-size should be greater than zero"}
	case !r.Has("producer-props") && !r.Has("producer.config") && !r.Has("bootstrap-server"):
		return &cli.UsageError{Message: "Either --producer-props or --producer.config must be specified."}
	case r.Has("transaction-duration-ms") && r.Int64("transaction-duration-ms") <= 0:
		return &cli.UsageError{Message: "--transaction-duration-ms should be greater than zero"}
	case r.Int64("duration-ms") < 0 || r.Int64("warmup-ms") < 0:
		return &cli.UsageError{Message: "--duration-ms and --warmup-ms must not be negative"}
	}
	return nil
}

// producerProps merges the config file, then --producer-props, then
// --bootstrap-server, and names the client like Kafka's tool.
func producerProps(r *cli.Result) (map[string]string, error) {
	props := map[string]string{}
	if r.Has("producer.config") {
		file, err := cli.LoadProperties(r.String("producer.config"))
		if err != nil {
			return nil, err
		}
		maps.Copy(props, file)
	}
	maps.Copy(props, cli.ParseKeyValues(r.Strings("producer-props")))
	if r.Has("bootstrap-server") {
		props["bootstrap.servers"] = r.String("bootstrap-server")
	}
	if _, ok := props["client.id"]; !ok {
		props["client.id"] = "perf-producer-client"
	}
	return props, nil
}

// transactionSetup enables transactions as Kafka's tool does: with a
// transaction duration, a --transactional-id, or a transactional.id
// property; the id defaults to performance-producer-<random>, the duration
// to 3 s. It returns 0 when transactions are off.
func transactionSetup(r *cli.Result, props map[string]string) time.Duration {
	_, inProps := props["transactional.id"]
	if !r.Has("transaction-duration-ms") && !r.Has("transactional-id") && !inProps {
		return 0
	}
	switch {
	case r.Has("transactional-id"):
		props["transactional.id"] = r.String("transactional-id")
	case !inProps:
		props["transactional.id"] = "performance-producer-" + randomID()
	}
	if r.Has("transaction-duration-ms") {
		return time.Duration(r.Int64("transaction-duration-ms")) * time.Millisecond
	}
	return 3 * time.Second
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b[:])
}

// payloadSource yields the value of record i.
type payloadSource func(i int64) []byte

func newPayloadSource(r *cli.Result, stdout io.Writer) (payloadSource, int, error) {
	switch {
	case r.Has("payload-file"):
		delim := r.String("payload-delimiter")
		if delim == `\n` {
			delim = "\n"
		}
		list, err := readPayloadFile(r.String("payload-file"), delim, stdout)
		if err != nil {
			return nil, 0, err
		}
		return listPayloads(list), longest(list), nil
	case r.Has("record-size"):
		size := int(r.Int32("record-size"))
		return randomPayloads(size), size, nil
	}
	return func(i int64) []byte { return strconv.AppendInt(nil, i, 10) }, 20, nil
}

// readPayloadFile splits the file at the delimiter, a regular expression as
// for Java's Scanner.useDelimiter; a trailing delimiter adds no payload.
func readPayloadFile(path, delim string, stdout io.Writer) ([][]byte, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("payload file: %w", err)
	}
	fmt.Fprintf(stdout, "Reading payloads from: %s\n", abs)
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		return nil, fmt.Errorf("file does not exist or empty file provided")
	}
	re, err := regexp.Compile(delim)
	if err != nil {
		return nil, fmt.Errorf("payload delimiter: %w", err)
	}
	parts := re.Split(string(data), -1)
	if len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	list := make([][]byte, len(parts))
	for i, s := range parts {
		list[i] = []byte(s)
	}
	fmt.Fprintf(stdout, "Number of messages read: %d\n", len(list))
	if len(list) == 0 {
		return nil, fmt.Errorf("file does not exist or empty file provided")
	}
	return list, nil
}

func longest(list [][]byte) int {
	n := 0
	for _, b := range list {
		n = max(n, len(b))
	}
	return n
}

func listPayloads(list [][]byte) payloadSource {
	rng := newRand()
	return func(int64) []byte { return list[rng.IntN(len(list))] }
}

// randomPayloads returns record-size slices of a random upper-case text,
// as Kafka's tool sends. Kafka draws fresh letters for every record; here
// each record is a window at a random offset into 1 MiB of letters drawn
// once, which keeps the producer's CPU for the broker under test while the
// bytes stay as random to a compressor (windows of one batch rarely
// overlap). The windows are read-only and shared, which the client allows.
func randomPayloads(size int) payloadSource {
	rng := newRand()
	buf := make([]byte, 1<<20+size)
	for i := range buf {
		buf[i] = byte('A' + rng.IntN(26))
	}
	return func(int64) []byte {
		off := rng.IntN(len(buf) - size + 1)
		return buf[off : off+size : off+size]
	}
}

// runProducer is the send loop of ProducerPerformance.start.
func runProducer(ctx context.Context, cfg *producerConfig, stdout, stderr io.Writer) error {
	run, err := newProducerRun(cfg, stdout, stderr)
	if err != nil {
		return err
	}
	defer run.client.Close()
	interrupted, err := run.send(ctx)
	if err != nil {
		return err
	}
	if err := run.finish(ctx); err != nil {
		return err
	}
	if interrupted {
		return errors.New("interrupted")
	}
	if n := run.errors.count(); n > 0 {
		return fmt.Errorf("%d records were not acknowledged", n)
	}
	return nil
}

func newProducerRun(cfg *producerConfig, stdout, stderr io.Writer) (*producerRun, error) {
	props := maps.Clone(cfg.props)
	// A record larger than batch.size goes in a batch of its own in Java;
	// franz-go refuses records larger than its batch bound, so raise it.
	batch, err := strconv.Atoi(cmp.Or(props["batch.size"], "16384"))
	if need := cfg.maxPayload + recordOverhead; err == nil && batch < need {
		props["batch.size"] = strconv.Itoa(need)
	}
	ccfg, err := cli.ProducerOpts(props)
	if err != nil {
		return nil, err
	}
	for _, w := range ccfg.Warnings {
		fmt.Fprintln(stderr, w)
	}
	metrics := &clientMetrics{}
	client, err := kgo.NewClient(append(ccfg.Opts, kgo.WithHooks(metrics))...)
	if err != nil {
		return nil, fmt.Errorf("create producer: %w", err)
	}
	return &producerRun{cfg: cfg, client: client, metrics: metrics, clientID: props["client.id"],
		stdout: &syncWriter{w: stdout}, errors: &sendErrors{w: &syncWriter{w: stderr}, topic: cfg.topic}}, nil
}

// recordOverhead bounds the batch and record framing around one value.
const recordOverhead = 128

type producerRun struct {
	cfg      *producerConfig
	client   *kgo.Client
	metrics  *clientMetrics
	clientID string
	stdout   io.Writer
	errors   *sendErrors
	start    time.Time
	stats    *stats
	steady   *stats
}

// send produces until --num-records or --duration-ms is reached or ctx
// ends, reporting whether ctx ended it.
func (pr *producerRun) send(ctx context.Context) (bool, error) {
	cfg := pr.cfg
	if cfg.warmupRecords > 0 {
		fmt.Fprintf(pr.stdout, "Warmup first %d records. Steady state results will print after the complete test summary.\n", cfg.warmupRecords)
	}
	pr.start = time.Now()
	pr.stats = newStats(pr.stdout, false, pr.start)
	throttler := newThrottler(cfg.throughput, pr.start)
	txn := &txnState{}
	for i := int64(0); i < cfg.numRecords; i++ {
		if ctx.Err() != nil {
			return true, nil
		}
		sendStart := time.Now()
		if cfg.duration > 0 && sendStart.Sub(pr.start) >= cfg.duration {
			break
		}
		if err := pr.sendOne(ctx, i, sendStart, txn); err != nil {
			return false, err
		}
		if throttler.shouldThrottle(i, sendStart) {
			throttler.throttle(ctx)
		}
	}
	if txn.size > 0 {
		return false, pr.commit(ctx, txn)
	}
	return false, nil
}

type txnState struct {
	size  int
	start time.Time
}

func (pr *producerRun) sendOne(ctx context.Context, i int64, sendStart time.Time, txn *txnState) error {
	payload := pr.cfg.payloads(i)
	if pr.cfg.txnDuration > 0 && txn.size == 0 {
		if err := pr.client.BeginTransaction(); err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}
		txn.start = sendStart
	}
	if pr.steady == nil && pr.inSteadyState(i, sendStart) {
		pr.steady = newStats(pr.stdout, true, sendStart)
		if pr.cfg.duration > 0 {
			// The measured window ends with the sending; what is
			// acknowledged while draining counts only in the totals.
			pr.steady.until = pr.start.Add(pr.cfg.duration)
		}
		pr.stats.suppressPrinting()
	}
	all, steady, size := pr.stats, pr.steady, len(payload)
	pr.client.Produce(ctx, &kgo.Record{Topic: pr.cfg.topic, Value: payload}, func(_ *kgo.Record, err error) {
		now := time.Now()
		if err != nil {
			pr.errors.report(size, err)
			return
		}
		all.record(now.Sub(sendStart), size, now)
		if steady != nil {
			steady.record(now.Sub(sendStart), size, now)
		}
	})
	txn.size++
	if pr.cfg.txnDuration > 0 && sendStart.Sub(txn.start) >= pr.cfg.txnDuration {
		return pr.commit(ctx, txn)
	}
	return nil
}

func (pr *producerRun) inSteadyState(i int64, sendStart time.Time) bool {
	return (pr.cfg.warmupRecords > 0 && i >= pr.cfg.warmupRecords) ||
		(pr.cfg.warmup > 0 && sendStart.Sub(pr.start) >= pr.cfg.warmup)
}

// commit flushes and commits, as KafkaProducer.commitTransaction does.
func (pr *producerRun) commit(ctx context.Context, txn *txnState) error {
	if err := pr.client.Flush(ctx); err != nil {
		return fmt.Errorf("flush transaction: %w", err)
	}
	if err := pr.client.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	txn.size = 0
	return nil
}

// finish waits for every outstanding acknowledgement, then prints the
// totals (and the steady-state totals), the metrics and the JSON result.
func (pr *producerRun) finish(ctx context.Context) error {
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout(pr.cfg.props))
	defer cancel()
	if err := pr.client.Flush(flushCtx); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	end := time.Now()
	pr.stats.printTotal(end)
	if pr.steady != nil {
		pr.steady.printTotal(end)
	}
	if pr.cfg.printMetrics {
		pr.metrics.awaitBatchHooks(pr.stats.summary(end).Records, time.Second)
		printMetrics(pr.stdout, pr.metrics.producerTable(), pr.clientID)
	}
	if pr.cfg.jsonResult == "" {
		return nil
	}
	res := producerResult{Tool: "producer-perf-test", Errors: pr.errors.count(), Total: pr.stats.summary(end)}
	if pr.steady != nil {
		s := pr.steady.summary(end)
		res.Steady = &s
	}
	return writeJSON(pr.cfg.jsonResult, res, pr.stdout)
}

// flushTimeout bounds the final wait by delivery.timeout.ms, after which
// every record has its answer anyway, plus a margin.
func flushTimeout(props map[string]string) time.Duration {
	ms, err := strconv.Atoi(strings.TrimSpace(props["delivery.timeout.ms"]))
	if err != nil || ms <= 0 {
		ms = 120000
	}
	return time.Duration(ms)*time.Millisecond + 10*time.Second
}

type producerResult struct {
	Tool   string   `json:"tool"`
	Errors int64    `json:"errors"`
	Total  Summary  `json:"total"`
	Steady *Summary `json:"steady,omitempty"`
}
