package perf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/cli"
)

func consumerParser() *cli.Parser {
	p := cli.NewParser("consumer-performance", "This tool is used to verify the consumer performance.", cli.JoptSimple)
	p.Add(
		cli.Option{Name: "bootstrap-server", Aliases: []string{"broker-list"}, Kind: cli.Single, Metavar: "server to connect to", Required: true, Help: "REQUIRED: The server(s) to connect to."},
		cli.Option{Name: "topic", Kind: cli.Single, Metavar: "topic", Help: "The topic to consume from."},
		cli.Option{Name: "include", Kind: cli.Single, Metavar: "Java regex (String)", Help: "Regular expression specifying list of topics to include for consumption."},
		cli.Option{Name: "group", Kind: cli.Single, Metavar: "gid", Default: "perf-consumer-<random>", Help: "The group id to consume on."},
		cli.Option{Name: "fetch-size", Kind: cli.Single, Type: cli.Int32, Metavar: "size", Default: "1048576", Help: "The amount of data to fetch in a single request."},
		cli.Option{Name: "from-latest", Kind: cli.Flag, Help: "If the consumer does not already have an established offset to consume from, start with the latest message present in the log rather than the earliest message."},
		cli.Option{Name: "socket-buffer-size", Kind: cli.Single, Type: cli.Int32, Metavar: "size", Default: "2097152", Help: "The size of the tcp RECV size."},
		cli.Option{Name: "consumer.config", Kind: cli.Single, Metavar: "config file", Help: "Consumer config properties file. Deprecated: use --command-config."},
		cli.Option{Name: "command-config", Kind: cli.Single, Metavar: "config file", Help: "Consumer config properties file."},
		cli.Option{Name: "command-property", Kind: cli.Repeated, Metavar: "prop=value", Help: "A consumer property; takes precedence over --command-config."},
		cli.Option{Name: "print-metrics", Kind: cli.Flag, Help: "Print out the metrics."},
		cli.Option{Name: "show-detailed-stats", Kind: cli.Flag, Help: "If set, stats are reported for each reporting interval as configured by reporting-interval"},
		cli.Option{Name: "timeout", Kind: cli.Optional, Type: cli.Int64, Metavar: "milliseconds", Default: "10000", Help: "The maximum allowed time in milliseconds between returned records."},
		cli.Option{Name: "messages", Kind: cli.Single, Type: cli.Int64, Metavar: "count", Help: "The number of messages to consume. Deprecated: use --num-records."},
		cli.Option{Name: "num-records", Kind: cli.Single, Type: cli.Int64, Metavar: "count", Help: "REQUIRED: The number of records to consume."},
		cli.Option{Name: "reporting-interval", Kind: cli.Single, Type: cli.Int64, Metavar: "interval_ms", Default: "5000", Help: "Interval in milliseconds at which to print progress info."},
		cli.Option{Name: "date-format", Kind: cli.Single, Metavar: "date format", Default: "yyyy-MM-dd HH:mm:ss:SSS", Help: "The date format to use for formatting the time field. See java.text.SimpleDateFormat for options."},
		cli.Option{Name: "hide-header", Kind: cli.Flag, Help: "If set, skips printing the header for the stats"},
		cli.Option{Name: "no-group", Kind: cli.Flag, Help: "Samsa only: read every partition directly, without a consumer group."},
		cli.Option{Name: "duration-ms", Kind: cli.Single, Type: cli.Int64, Metavar: "milliseconds", Help: "Samsa only: stop after this many milliseconds."},
		cli.Option{Name: "json-result", Kind: cli.Single, Metavar: "file", Help: "Samsa only: write the totals as one JSON object to the file (- for stdout)."},
	)
	return p
}

type consumerConfig struct {
	topic      string
	include    *regexp.Regexp
	numRecords int64
	props      map[string]string
	group      string
	explicit   bool // --group given
	noGroup    bool
	timeout    time.Duration
	interval   time.Duration
	detailed   bool
	hideHeader bool
	metrics    bool
	dates      *cli.DateFormat
	duration   time.Duration
	jsonResult string
}

// RunConsumer is `samsa consumer-perf-test`, Kafka's ConsumerPerformance.
//
// Kafka's tool always joins a consumer group (perf-consumer-<random> unless
// --group names one). This one joins a group when the broker advertises
// FindCoordinator and JoinGroup in ApiVersions; against a broker without
// group support it reads every partition of the topics directly, from the
// start (or the end with --from-latest), warning if --group was given.
// --no-group asks for direct reads on any broker, so that two brokers can
// be loaded identically whatever their group support.
func RunConsumer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	p := consumerParser()
	r, err := p.Parse(args)
	if err != nil {
		return p.Handle(err, stdout, stderr)
	}
	cfg, err := newConsumerConfig(r)
	var ue *cli.UsageError
	if errors.As(err, &ue) {
		return p.Fail(stderr, "%s", ue.Message)
	}
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	if err := runConsumer(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	return 0
}

func newConsumerConfig(r *cli.Result) (*consumerConfig, error) {
	if err := checkConsumerArgs(r); err != nil {
		return nil, err
	}
	dates, err := cli.CompileDateFormat(r.String("date-format"))
	if err != nil {
		return nil, &cli.UsageError{Message: err.Error()}
	}
	cfg := &consumerConfig{
		topic:      r.String("topic"),
		numRecords: max(r.Int64("num-records"), r.Int64("messages")),
		group:      r.String("group"),
		explicit:   r.Has("group"),
		noGroup:    r.Has("no-group"),
		timeout:    time.Duration(r.Int64("timeout")) * time.Millisecond,
		interval:   time.Duration(r.Int64("reporting-interval")) * time.Millisecond,
		detailed:   r.Has("show-detailed-stats"),
		hideHeader: r.Has("hide-header"),
		metrics:    r.Has("print-metrics"),
		dates:      dates,
		duration:   time.Duration(r.Int64("duration-ms")) * time.Millisecond,
		jsonResult: r.String("json-result"),
	}
	if !cfg.explicit {
		cfg.group = fmt.Sprintf("perf-consumer-%d", rand.IntN(100000))
	}
	if r.Has("include") {
		// Java's subscribe(Pattern) matches whole topic names.
		if cfg.include, err = regexp.Compile("^(?:" + r.String("include") + ")$"); err != nil {
			return nil, &cli.UsageError{Message: fmt.Sprintf("invalid --include regular expression: %v", err)}
		}
	}
	cfg.props, err = consumerProps(r)
	return cfg, err
}

func checkConsumerArgs(r *cli.Result) error {
	switch {
	case r.Has("messages") == r.Has("num-records"):
		return &cli.UsageError{Message: "Exactly one of the following arguments is required: [messages], [num-records]"}
	case r.Has("topic") == r.Has("include"):
		return &cli.UsageError{Message: "Exactly one of the following arguments is required: [topic], [include]"}
	case r.Has("consumer.config") && r.Has("command-config"):
		return &cli.UsageError{Message: `Option "[consumer.config]" can't be used with option "[command-config]"`}
	case r.Int64("reporting-interval") <= 0:
		return &cli.UsageError{Message: "Reporting interval must be greater than 0."}
	case r.Int64("duration-ms") < 0:
		return &cli.UsageError{Message: "--duration-ms must not be negative"}
	}
	return nil
}

// consumerProps builds the consumer's properties as ConsumerPerfOptions
// does: the config file, then --command-property, then the tool's own
// settings, which win.
func consumerProps(r *cli.Result) (map[string]string, error) {
	props := map[string]string{}
	for _, opt := range []string{"consumer.config", "command-config"} {
		if r.Has(opt) {
			file, err := cli.LoadProperties(r.String(opt))
			if err != nil {
				return nil, err
			}
			maps.Copy(props, file)
		}
	}
	maps.Copy(props, cli.ParseKeyValues(r.Strings("command-property")))
	props["bootstrap.servers"] = r.String("bootstrap-server")
	props["receive.buffer.bytes"] = strconv.Itoa(int(r.Int32("socket-buffer-size")))
	props["max.partition.fetch.bytes"] = strconv.Itoa(int(r.Int32("fetch-size")))
	props["auto.offset.reset"] = "earliest"
	if r.Has("from-latest") {
		props["auto.offset.reset"] = "latest"
	}
	props["check.crcs"] = "false"
	if _, ok := props["client.id"]; !ok {
		props["client.id"] = "perf-consumer-client"
	}
	return props, nil
}

// rebalanceClock is ConsumerPerfRebListener: the time from losing the last
// partition (or from the start) to being assigned the first one counts as
// rebalance time, overall and per reporting interval.
type rebalanceClock struct {
	mu        sync.Mutex
	assigned  int
	joinStart time.Time
	total     time.Duration
	interval  time.Duration
}

func (c *rebalanceClock) assignedFn(_ context.Context, _ *kgo.Client, parts map[string][]int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.assigned == 0 {
		d := time.Since(c.joinStart)
		c.total += d
		c.interval += d
	}
	c.assigned += countPartitions(parts)
}

func (c *rebalanceClock) revokedFn(_ context.Context, _ *kgo.Client, parts map[string][]int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.assigned = max(c.assigned-countPartitions(parts), 0)
	if c.assigned == 0 {
		c.joinStart = time.Now()
	}
}

func countPartitions(parts map[string][]int32) int {
	n := 0
	for _, ps := range parts {
		n += len(ps)
	}
	return n
}

// read returns the total rebalance time and the interval's, resetting the
// latter when asked.
func (c *rebalanceClock) read(reset bool) (total, interval time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	total, interval = c.total, c.interval
	if reset {
		c.interval = 0
	}
	return total, interval
}

// supportsGroups asks a broker whether it advertises the group APIs.
func supportsGroups(ctx context.Context, opts []kgo.Opt) (bool, error) {
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return false, fmt.Errorf("create client: %w", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := kmsg.NewPtrApiVersionsRequest().RequestWith(ctx, cl)
	if err != nil {
		return false, fmt.Errorf("ask the broker for its API versions: %w", err)
	}
	var find, join bool
	for _, k := range resp.ApiKeys {
		find = find || k.ApiKey == int16(kmsg.FindCoordinator)
		join = join || k.ApiKey == int16(kmsg.JoinGroup)
	}
	return find && join, nil
}
