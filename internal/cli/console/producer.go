package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/cli"
)

// lineReaderClass names the only record reader this producer has.
const lineReaderClass = "org.apache.kafka.tools.LineMessageReader"

const propertyHelp = "A mechanism to pass user-defined properties in the form key=value to the message reader. " +
	"This allows custom configuration for a user-defined message reader. Default properties include: " +
	"parse.key=false parse.headers=false ignore.error=false key.separator=\\t headers.delimiter=\\t " +
	"headers.separator=, headers.key.separator=: null.marker= When set, any fields (key, value and headers) " +
	"equal to this will be replaced by null. Default parsing pattern when: parse.headers=true and parse.key=true: " +
	"\"h1:v1,h2:v2...\\tkey\\tvalue\" parse.key=true: \"key\\tvalue\" parse.headers=true: \"h1:v1,h2:v2...\\tvalue\""

func producerParser() *cli.Parser {
	p := cli.NewParser("console-producer", "This tool helps to read data from standard input and publish it to Kafka.", cli.JoptSimple)
	p.Add(
		cli.Option{Name: "topic", Kind: cli.Single, Metavar: "topic", Help: "REQUIRED: The topic name to produce messages to."},
		cli.Option{Name: "bootstrap-server", Kind: cli.Single, Metavar: "server to connect to", Help: "REQUIRED: The server(s) to connect to. The broker list string in the form HOST1:PORT1,HOST2:PORT2."},
		cli.Option{Name: "broker-list", Kind: cli.Single, Metavar: "broker-list", Help: "Removed in Kafka 4.0; accepted by Samsa as --bootstrap-server, which wins when both are given."},
		cli.Option{Name: "sync", Kind: cli.Flag, Help: "If set message send requests to the brokers are synchronously, one at a time as they arrive."},
		cli.Option{Name: "compression-codec", Kind: cli.Optional, Metavar: "compression-codec", Help: "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'.If specified without value, then it defaults to 'gzip'"},
		cli.Option{Name: "batch-size", Kind: cli.Single, Type: cli.Int32, Metavar: "size", Default: "16384", Help: "Number of messages to send in a single batch if they are not being sent synchronously. please note that this option will be replaced if max-partition-memory-bytes is also set"},
		cli.Option{Name: "message-send-max-retries", Kind: cli.Single, Type: cli.Int32, Default: "3", Help: "Brokers can fail receiving the message for multiple reasons, and being unavailable transiently is just one of them. This property specifies the number of retries before the producer give up and drop this message. This is the option to control `retries` in producer configs."},
		cli.Option{Name: "retry-backoff-ms", Kind: cli.Single, Type: cli.Int64, Default: "100", Help: "Before each retry, the producer refreshes the metadata of relevant topics. Since leader election takes a bit of time, this property specifies the amount of time that the producer waits before refreshing the metadata. This is the option to control `retry.backoff.ms` in producer configs."},
		cli.Option{Name: "timeout", Kind: cli.Single, Type: cli.Int64, Metavar: "timeout_ms", Default: "1000", Help: "If set and the producer is running in asynchronous mode, this gives the maximum amount of time a message will queue awaiting sufficient batch size. The value is given in ms. This is the option to control `linger.ms` in producer configs."},
		cli.Option{Name: "request-required-acks", Kind: cli.Single, Metavar: "request required acks", Default: "-1", Help: "The required `acks` of the producer requests"},
		cli.Option{Name: "request-timeout-ms", Kind: cli.Single, Type: cli.Int32, Metavar: "request timeout ms", Default: "1500", Help: "The ack timeout of the producer requests. Value must be non-negative and non-zero."},
		cli.Option{Name: "metadata-expiry-ms", Kind: cli.Single, Type: cli.Int64, Metavar: "metadata expiration interval", Default: "300000", Help: "The period of time in milliseconds after which we force a refresh of metadata even if we haven't seen any leadership changes. This is the option to control `metadata.max.age.ms` in producer configs."},
		cli.Option{Name: "max-block-ms", Kind: cli.Single, Type: cli.Int64, Metavar: "max block on send", Default: "60000", Help: "The max time that the producer will block for during a send request."},
		cli.Option{Name: "max-memory-bytes", Kind: cli.Single, Type: cli.Int64, Metavar: "total memory in bytes", Default: "33554432", Help: "The total memory used by the producer to buffer records waiting to be sent to the server. This is the option to control `buffer.memory` in producer configs."},
		cli.Option{Name: "max-partition-memory-bytes", Kind: cli.Single, Type: cli.Int32, Metavar: "memory in bytes per partition", Default: "16384", Help: "The buffer size allocated for a partition. When records are received which are smaller than this size the producer will attempt to optimistically group them together until this size is reached. This is the option to control `batch.size` in producer configs."},
		cli.Option{Name: "line-reader", Kind: cli.Single, Metavar: "reader_class", Default: lineReaderClass, Help: "The class name of the class to use for reading lines from standard in. By default each line is read as a separate message."},
		cli.Option{Name: "socket-buffer-size", Kind: cli.Single, Type: cli.Int32, Metavar: "size", Default: "102400", Help: "The size of the tcp RECV size. This is the option to control `send.buffer.bytes` in producer configs."},
		cli.Option{Name: "property", Kind: cli.Repeated, Metavar: "prop", Help: propertyHelp},
		cli.Option{Name: "reader-config", Kind: cli.Single, Metavar: "config file", Help: "Config properties file for the message reader. Note that [property] takes precedence over this config."},
		cli.Option{Name: "producer-property", Kind: cli.Repeated, Metavar: "producer_prop", Help: "A mechanism to pass user-defined properties in the form key=value to the producer. "},
		cli.Option{Name: "producer.config", Kind: cli.Single, Metavar: "config file", Help: "Producer config properties file. Note that [producer-property] takes precedence over this config."},
	)
	return p
}

// producerConfig is a validated console-producer command line.
type producerConfig struct {
	topic     string
	bootstrap string
	sync      bool
	props     map[string]string // Kafka producer properties
	reader    *lineReader
}

// RunProducer is `samsa console-producer`, Kafka's ConsoleProducer: one
// record per line of standard input, until end of input.
func RunProducer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runProducer(ctx, args, os.Stdin, isTerminal(os.Stdin) && isTerminal(os.Stdout), stdout, stderr)
}

// isTerminal stands in for Java's System.console() != null.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runProducer(ctx context.Context, args []string, stdin io.Reader, prompt bool, stdout, stderr io.Writer) int {
	p := producerParser()
	r, err := p.Parse(args)
	if err != nil {
		return p.Handle(err, stdout, stderr)
	}
	cfg, err := newProducerConfig(r, stderr)
	var ue *cli.UsageError
	switch {
	case errors.As(err, &ue):
		return p.Fail(stderr, "%s", ue.Message)
	case err != nil:
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := produce(ctx, cfg, stdin, prompt, stdout, stderr); err != nil {
		if !errors.Is(err, errReported) {
			fmt.Fprintln(stderr, err)
		}
		return 1
	}
	return 0
}

func newProducerConfig(r *cli.Result, stderr io.Writer) (*producerConfig, error) {
	if !r.Has("topic") {
		return nil, &cli.UsageError{Message: `Missing required argument "[topic]"`}
	}
	bootstrap := r.String("bootstrap-server")
	if !r.Has("bootstrap-server") && r.Has("broker-list") {
		fmt.Fprintln(stderr, "Note: --broker-list was removed in Kafka 4.0; use --bootstrap-server instead.")
		bootstrap = r.String("broker-list")
	}
	if err := validateBootstrap(bootstrap); err != nil {
		return nil, err
	}
	if c := r.String("line-reader"); c != lineReaderClass && c != "kafka.tools.LineMessageReader" {
		return nil, fmt.Errorf("The line reader %s is not supported: Samsa's console producer reads lines with %s only.", c, lineReaderClass)
	}
	readerProps := map[string]string{}
	if r.Has("reader-config") {
		fileProps, err := cli.LoadProperties(r.String("reader-config"))
		if err != nil {
			return nil, err
		}
		readerProps = fileProps
	}
	for k, v := range cli.ParseKeyValues(r.Strings("property")) {
		readerProps[k] = v
	}
	reader, err := newLineReader(r.String("topic"), readerProps)
	if err != nil {
		return nil, err
	}
	props, err := producerProps(r, bootstrap)
	if err != nil {
		return nil, err
	}
	return &producerConfig{topic: r.String("topic"), bootstrap: bootstrap, sync: r.Has("sync"), props: props, reader: reader}, nil
}

// validateBootstrap is Kafka's ToolsUtils.validateBootstrapServer: every
// comma-separated entry needs a port. Its messages end in a newline, so a
// blank line separates them from the usage.
func validateBootstrap(s string) error {
	if strings.TrimSpace(s) == "" {
		return &cli.UsageError{Message: "Error while validating the bootstrap address\n"}
	}
	for _, hp := range strings.Split(s, ",") {
		i := strings.LastIndex(hp, ":")
		if i < 0 {
			return &cli.UsageError{Message: "Please provide valid host:port like host1:9091,host2:9092\n"}
		}
		if _, err := strconv.ParseUint(hp[i+1:], 10, 16); err != nil {
			return &cli.UsageError{Message: "Please provide valid host:port like host1:9091,host2:9092\n"}
		}
	}
	return nil
}

// producerProps assembles the producer properties in ConsoleProducer's
// order: the config file, then --producer-property, then the fixed ones,
// then each dedicated option, which applies when given or when the
// property is not set yet.
func producerProps(r *cli.Result, bootstrap string) (map[string]string, error) {
	props := map[string]string{}
	if r.Has("producer.config") {
		fileProps, err := cli.LoadProperties(r.String("producer.config"))
		if err != nil {
			return nil, err
		}
		props = fileProps
	}
	for k, v := range cli.ParseKeyValues(r.Strings("producer-property")) {
		props[k] = v
	}
	props["bootstrap.servers"] = bootstrap
	props["compression.type"] = "none"
	if r.Has("compression-codec") {
		props["compression.type"] = r.String("compression-codec")
		if props["compression.type"] == "" {
			props["compression.type"] = "gzip"
		}
	}
	if _, ok := props["client.id"]; !ok {
		props["client.id"] = "console-producer"
	}
	merge := func(key, option string) {
		if _, set := props[key]; r.Has(option) || !set {
			props[key] = r.String(option)
		}
	}
	merge("linger.ms", "timeout")
	merge("acks", "request-required-acks")
	merge("request.timeout.ms", "request-timeout-ms")
	merge("retries", "message-send-max-retries")
	merge("retry.backoff.ms", "retry-backoff-ms")
	merge("buffer.memory", "max-memory-bytes")
	merge("batch.size", "batch-size")
	merge("batch.size", "max-partition-memory-bytes")
	merge("metadata.max.age.ms", "metadata-expiry-ms")
	// These have no franz-go equivalent; they are set only when asked
	// for, so the "has no effect" warning appears only then.
	if r.Has("socket-buffer-size") {
		props["send.buffer.bytes"] = r.String("socket-buffer-size")
	}
	if r.Has("max-block-ms") {
		props["max.block.ms"] = r.String("max-block-ms")
	}
	return props, nil
}

// errReported is returned once the failure has been printed.
var errReported = errors.New("reported")

func produce(ctx context.Context, cfg *producerConfig, stdin io.Reader, prompt bool, stdout, stderr io.Writer) error {
	cc, err := cli.ProducerOpts(cfg.props)
	if err != nil {
		return err
	}
	for _, w := range cc.Warnings {
		fmt.Fprintln(stderr, w)
	}
	// The Java producer asks for auto-creation in its metadata requests;
	// the broker's auto.create.topics.enable decides.
	cl, err := kgo.NewClient(append(cc.Opts, kgo.AllowAutoTopicCreation())...)
	if err != nil {
		return fmt.Errorf("creating producer: %w", err)
	}
	defer cl.Close()
	if err := cli.Ping(ctx, cl, cfg.bootstrap); err != nil {
		return err
	}
	failures := &sendFailures{w: stderr}
	readErr := readAndSend(ctx, cl, cfg, stdin, prompt, stdout, failures)
	// Like the Java producer's close in the shutdown hook, deliver what
	// was read before stopping, even after a bad line or a signal.
	if err := cl.Flush(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("flushing records: %w", err)
	}
	switch {
	case readErr != nil:
		return readErr
	case failures.count() > 0:
		return errReported
	}
	return nil
}

// readAndSend produces one record per input line until the input ends,
// a line is bad, a synchronous send fails or ctx is cancelled.
func readAndSend(ctx context.Context, cl *kgo.Client, cfg *producerConfig, stdin io.Reader, prompt bool, stdout io.Writer, failures *sendFailures) error {
	// Records outlive a cancelled ctx: they are flushed before exit, as
	// the Java producer's close does.
	sendCtx := context.WithoutCancel(ctx)
	lines, readErr := readLines(ctx, stdin, prompt, stdout)
	for {
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case line, ok = <-lines:
		}
		if !ok {
			return <-readErr
		}
		rec, err := cfg.reader.record(line)
		if err != nil {
			return err
		}
		if cfg.sync {
			if err := cl.ProduceSync(sendCtx, rec).FirstErr(); err != nil {
				failures.report(rec, err)
				return errReported
			}
			continue
		}
		cl.Produce(sendCtx, rec, func(rec *kgo.Record, err error) {
			if err != nil {
				failures.report(rec, err)
			}
		})
	}
}

// readLines reads stdin in its own goroutine so that a signal can end the
// tool while a read blocks; the channel closes at the end of input, and
// the error channel then yields the read error or nil. The goroutine
// exits after the next line once ctx is cancelled; a read that never
// returns ends with the process.
func readLines(ctx context.Context, stdin io.Reader, prompt bool, stdout io.Writer) (<-chan string, <-chan error) {
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		defer close(lines)
		sc := newLineScanner(stdin)
		for {
			if prompt {
				fmt.Fprint(stdout, ">")
			}
			if !sc.Scan() {
				var err error
				if sc.Err() != nil {
					err = fmt.Errorf("reading standard input: %w", sc.Err())
				}
				errc <- err
				return
			}
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				errc <- nil
				return
			}
		}
	}()
	return lines, errc
}

// sendFailures reports failed sends as the Java client's
// ErrorLoggingCallback does: sizes only, never the data.
type sendFailures struct {
	mu sync.Mutex
	w  io.Writer
	n  int
}

func (f *sendFailures) report(rec *kgo.Record, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	// A broker error code is what the user can act on; franz-go's
	// wrapping says how often it retried.
	var ke *kerr.Error
	if errors.As(err, &ke) {
		err = ke
	}
	fmt.Fprintf(f.w, "ERROR Error when sending message to topic %s with key: %s, value: %s with error: %v\n",
		rec.Topic, sizeOrNull(rec.Key), sizeOrNull(rec.Value), err)
}

func (f *sendFailures) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

func sizeOrNull(b []byte) string {
	if b == nil {
		return "null"
	}
	return strconv.Itoa(len(b)) + " bytes"
}
