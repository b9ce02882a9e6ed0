package console

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"samsa/internal/cli"
)

const formatterPropertyHelp = "The properties to initialize the message formatter. Default properties include: " +
	"print.timestamp=true|false print.key=true|false print.offset=true|false print.epoch=true|false " +
	"print.partition=true|false print.headers=true|false print.value=true|false key.separator=<key.separator> " +
	"line.separator=<line.separator> headers.separator=<line.separator> null.literal=<null.literal> " +
	"key.deserializer=<key.deserializer> value.deserializer=<value.deserializer> header.deserializer=<header.deserializer> " +
	"Users can also pass in customized properties for their formatter; more specifically, users can pass in " +
	"properties keyed with 'key.deserializer.', 'value.deserializer.' and 'headers.deserializer.' prefixes to " +
	"configure their deserializers."

func consumerParser() *cli.Parser {
	p := cli.NewParser("console-consumer", "This tool helps to read data from Kafka topics and outputs it to standard output.", cli.JoptSimple)
	p.Add(
		cli.Option{Name: "topic", Kind: cli.Single, Metavar: "topic", Help: "The topic to consume on."},
		cli.Option{Name: "include", Kind: cli.Single, Metavar: "Java regex (String)", Help: "Regular expression specifying list of topics to include for consumption."},
		cli.Option{Name: "partition", Kind: cli.Single, Type: cli.Int32, Metavar: "partition", Help: "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified."},
		cli.Option{Name: "offset", Kind: cli.Single, Metavar: "consume offset", Default: "latest", Help: "The offset to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end"},
		cli.Option{Name: "consumer-property", Kind: cli.Repeated, Metavar: "consumer_prop", Help: "A mechanism to pass user-defined properties in the form key=value to the consumer."},
		cli.Option{Name: "consumer.config", Kind: cli.Single, Metavar: "config file", Help: "Consumer config properties file. Note that [consumer-property] takes precedence over this config."},
		cli.Option{Name: "formatter", Kind: cli.Single, Metavar: "class", Default: defaultFormatterClass, Help: "The name of a class to use for formatting kafka messages for display."},
		cli.Option{Name: "property", Kind: cli.Repeated, Metavar: "prop", Help: formatterPropertyHelp},
		cli.Option{Name: "formatter-config", Kind: cli.Single, Metavar: "config file", Help: "Config properties file to initialize the message formatter. Note that [property] takes precedence over this config."},
		cli.Option{Name: "from-beginning", Kind: cli.Flag, Help: "If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message."},
		cli.Option{Name: "max-messages", Kind: cli.Single, Type: cli.Int32, Metavar: "num_messages", Help: "The maximum number of messages to consume before exiting. If not set, consumption is continual."},
		cli.Option{Name: "timeout-ms", Kind: cli.Single, Type: cli.Int64, Metavar: "timeout_ms", Help: "If specified, exit if no message is available for consumption for the specified interval."},
		cli.Option{Name: "skip-message-on-error", Kind: cli.Flag, Help: "If there is an error when processing a message, skip it instead of halt."},
		cli.Option{Name: "bootstrap-server", Kind: cli.Single, Metavar: "server to connect to", Help: "REQUIRED: The server(s) to connect to."},
		cli.Option{Name: "key-deserializer", Kind: cli.Single, Metavar: "deserializer for key"},
		cli.Option{Name: "value-deserializer", Kind: cli.Single, Metavar: "deserializer for values"},
		cli.Option{Name: "enable-systest-events", Kind: cli.Flag, Help: "Log lifecycle events of the consumer in addition to logging consumed messages. (This is specific for system tests.)"},
		cli.Option{Name: "isolation-level", Kind: cli.Single, Default: "read_uncommitted", Help: "Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages."},
		cli.Option{Name: "group", Kind: cli.Single, Metavar: "consumer group id", Help: "The consumer group id of the consumer."},
	)
	return p
}

// Offsets given to --offset; a non-negative value is an exact offset.
const (
	offsetEarliest = -2
	offsetLatest   = -1
)

// consumerConfig is a validated console-consumer command line.
type consumerConfig struct {
	bootstrap   string
	topic       string
	include     *regexp.Regexp // nil with --topic
	partition   int32
	assign      bool  // --partition: read one partition without a group
	offset      int64 // with assign
	maxMessages int64 // -1: no limit
	timeout     time.Duration
	hasTimeout  bool              // --timeout-ms given and not negative
	props       map[string]string // Kafka consumer properties
	autoCommit  bool
	format      *formatter
	systest     bool
}

// consumerSetupError is a failure Kafka reports without the usage.
type consumerSetupError struct{ msg string }

func (e *consumerSetupError) Error() string { return e.msg }

func newConsumerConfig(r *cli.Result) (*consumerConfig, error) {
	if err := checkConsumerArgs(r); err != nil {
		return nil, err
	}
	cfg := &consumerConfig{
		bootstrap:   r.String("bootstrap-server"),
		topic:       r.String("topic"),
		partition:   r.Int32("partition"),
		assign:      r.Has("partition"),
		maxMessages: -1,
		systest:     r.Has("enable-systest-events"),
	}
	if r.Has("max-messages") {
		cfg.maxMessages = r.Int64("max-messages")
	}
	if r.Has("timeout-ms") && r.Int64("timeout-ms") >= 0 {
		cfg.timeout = time.Duration(r.Int64("timeout-ms")) * time.Millisecond
		cfg.hasTimeout = true
	}
	if r.Has("include") {
		// Java's Pattern.matcher(topic).matches() wants the whole name.
		re, err := regexp.Compile("^(?:" + r.String("include") + ")$")
		if err != nil {
			return nil, &consumerSetupError{fmt.Sprintf("Invalid regular expression for --include: %v", err)}
		}
		cfg.include = re
	}
	props, err := consumerProps(r)
	if err != nil {
		return nil, err
	}
	cfg.props = props
	cfg.autoCommit = !strings.EqualFold(strings.TrimSpace(props["enable.auto.commit"]), "false")
	if cfg.offset, err = parseOffset(r); err != nil {
		return nil, err
	}
	if cfg.format, err = buildFormatter(r); err != nil {
		return nil, err
	}
	return cfg, nil
}

// checkConsumerArgs is ConsoleConsumerOptions.checkRequiredArgs.
func checkConsumerArgs(r *cli.Result) error {
	if r.Has("topic") == r.Has("include") {
		return &cli.UsageError{Message: "Exactly one of --include/--topic is required. "}
	}
	if r.Has("partition") {
		if !r.Has("topic") {
			return &cli.UsageError{Message: "The topic is required when partition is specified."}
		}
		if r.Has("from-beginning") && r.Has("offset") {
			return &cli.UsageError{Message: "Options from-beginning and offset cannot be specified together."}
		}
	} else if r.Has("offset") {
		return &cli.UsageError{Message: "The partition is required when offset is specified."}
	}
	if !r.Has("bootstrap-server") {
		return &cli.UsageError{Message: `Missing required argument "[bootstrap-server]"`}
	}
	return nil
}

// consumerProps builds the consumer properties as ConsoleConsumerOptions
// does: the config file, then --consumer-property, then auto.offset.reset,
// bootstrap.servers, client.id, isolation.level and the group.
func consumerProps(r *cli.Result) (map[string]string, error) {
	props := map[string]string{}
	if r.Has("consumer.config") {
		fileProps, err := cli.LoadProperties(r.String("consumer.config"))
		if err != nil {
			return nil, err
		}
		props = fileProps
	}
	extra := cli.ParseKeyValues(r.Strings("consumer-property"))
	groups := map[string]bool{}
	if r.Has("group") {
		groups[r.String("group")] = true
	}
	if g, ok := props["group.id"]; ok {
		groups[g] = true
	}
	if g, ok := extra["group.id"]; ok {
		groups[g] = true
	}
	if len(groups) > 1 {
		// Java lists a HashSet; sorted is as good an order and stable.
		var quoted []string
		for g := range groups {
			quoted = append(quoted, "'"+g+"'")
		}
		sort.Strings(quoted)
		return nil, &cli.UsageError{Message: "The group ids provided in different places (directly using '--group', " +
			"via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: " + strings.Join(quoted, ", ")}
	}
	if len(groups) > 0 && r.Has("partition") {
		return nil, &cli.UsageError{Message: "Options group and partition cannot be specified together."}
	}
	for k, v := range extra {
		props[k] = v
	}
	if reset, ok := props["auto.offset.reset"]; ok {
		if r.Has("from-beginning") && reset != "earliest" {
			return nil, &consumerSetupError{"Can't simultaneously specify --from-beginning and 'auto.offset.reset=" + reset + "', please remove one option"}
		}
	} else if r.Has("from-beginning") {
		props["auto.offset.reset"] = "earliest"
	} else {
		props["auto.offset.reset"] = "latest"
	}
	props["bootstrap.servers"] = r.String("bootstrap-server")
	if _, ok := props["client.id"]; !ok {
		props["client.id"] = "console-consumer"
	}
	if _, set := props["isolation.level"]; r.Has("isolation-level") || !set {
		props["isolation.level"] = r.String("isolation-level")
	}
	if len(groups) == 0 {
		props["group.id"] = "console-consumer-" + strconv.Itoa(rand.IntN(100000))
		// The generated group is never used again: do not fill the
		// coordinator with its offsets.
		if _, ok := props["enable.auto.commit"]; !ok {
			props["enable.auto.commit"] = "false"
		}
	} else {
		for g := range groups {
			props["group.id"] = g
		}
	}
	return props, nil
}

func parseOffset(r *cli.Result) (int64, error) {
	if !r.Has("offset") {
		if r.Has("from-beginning") {
			return offsetEarliest, nil
		}
		return offsetLatest, nil
	}
	s := r.String("offset")
	switch strings.ToLower(s) {
	case "earliest":
		return offsetEarliest, nil
	case "latest":
		return offsetLatest, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, &cli.UsageError{Message: "The provided offset value '" + s + "' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long."}
	}
	return n, nil
}

func buildFormatter(r *cli.Result) (*formatter, error) {
	props := map[string]string{}
	if r.Has("formatter-config") {
		fileProps, err := cli.LoadProperties(r.String("formatter-config"))
		if err != nil {
			return nil, &cli.UsageError{Message: err.Error()}
		}
		props = fileProps
	}
	for k, v := range cli.ParseKeyValues(r.Strings("property")) {
		props[k] = v
	}
	for _, k := range []string{"key.deserializer", "value.deserializer", "headers.deserializer"} {
		if v, ok := props[k]; ok && !isStringDeserializer(v) {
			return nil, &cli.UsageError{Message: fmt.Sprintf("The %s %s is not supported: Samsa's console consumer prints keys, values and headers as bytes (org.apache.kafka.common.serialization.StringDeserializer).", k, v)}
		}
	}
	for _, opt := range []string{"key-deserializer", "value-deserializer"} {
		if v := r.String(opt); v != "" && !isStringDeserializer(v) {
			return nil, &cli.UsageError{Message: fmt.Sprintf("The %s %s is not supported: Samsa's console consumer prints keys, values and headers as bytes (org.apache.kafka.common.serialization.StringDeserializer).", opt, v)}
		}
	}
	f := newFormatter(props)
	switch c := r.String("formatter"); c {
	case defaultFormatterClass:
	case noOpFormatterClass:
		f.noOp = true
	default:
		return nil, &cli.UsageError{Message: fmt.Sprintf("The formatter %s is not supported: Samsa's console consumer has %s and %s only.", c, defaultFormatterClass, noOpFormatterClass)}
	}
	return f, nil
}

// isStringDeserializer accepts the deserializer that prints bytes as they
// are, which is all these tools do.
func isStringDeserializer(class string) bool {
	return class == "org.apache.kafka.common.serialization.StringDeserializer" ||
		class == "org.apache.kafka.common.serialization.ByteArrayDeserializer"
}
