// Package getoffsets is `samsa get-offsets` (kafka-get-offsets.sh): the
// offsets of topic partitions at a time (latest, earliest, max-timestamp
// or a timestamp), printed as topic:partition:offset, as Kafka's
// GetOffsetShell does. Partitions without an offset for the time are left
// out; failures print "Error occurred: <message>" and exit 1.
package getoffsets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/cli"
	"samsa/internal/cli/topics"
)

const usageText = "An interactive shell for getting topic-partition offsets."

// Timeout bounds one run against the cluster.
var Timeout = 60 * time.Second

func newParser() *cli.Parser {
	p := cli.NewParser("kafka-get-offsets", usageText, cli.JoptSimple)
	p.Add(
		cli.Option{Name: "bootstrap-server", Kind: cli.Single, Metavar: "HOST1:PORT1,...,HOST3:PORT3",
			Help: "REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2."},
		cli.Option{Name: "topic-partitions", Kind: cli.Single, Metavar: "topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3",
			Help: "Comma separated list of topic-partition patterns to get the offsets for, with the format of '" + topicPartitionPattern + "'. The first group is an optional regex for the topic name, if omitted, it matches any topic name. The section after ':' describes a 'partition' pattern, which can be: a number, a range in the format of 'NUMBER-NUMBER' (lower inclusive, upper exclusive), an inclusive lower bound in the format of 'NUMBER-', an exclusive upper bound in the format of '-NUMBER' or may be omitted to accept all partitions."},
		cli.Option{Name: "topic", Kind: cli.Single, Metavar: "topic",
			Help: "The topic to get the offsets for. It also accepts a regular expression. If not present, all authorized topics are queried. Cannot be used if --topic-partitions is present."},
		cli.Option{Name: "partitions", Kind: cli.Single, Metavar: "partition ids",
			Help: "Comma separated list of partition ids to get the offsets for. If not present, all partitions of the authorized topics are queried. Cannot be used if --topic-partitions is present."},
		cli.Option{Name: "time", Kind: cli.Single, Default: "latest",
			Metavar: "<timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered",
			Help:    "timestamp of the offsets before that. [Note: No offset is returned, if the timestamp greater than recently committed record timestamp is given.]"},
		cli.Option{Name: "command-config", Kind: cli.Single, Metavar: "config file",
			Help: "Property file containing configs to be passed to Admin Client."},
		cli.Option{Name: "exclude-internal-topics", Kind: cli.Flag,
			Help: "By default, internal topics are included. If specified, internal topics are excluded."},
	)
	return p
}

// failure is Kafka's TerseException: "Error occurred: <message>".
type failure struct{ message string }

func (e *failure) Error() string { return e.message }

// Run runs `samsa get-offsets`.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	p := newParser()
	if len(args) == 0 {
		return p.Fail(stderr, "%s", usageText)
	}
	r, err := p.Parse(args)
	var ue *cli.UsageError
	switch {
	case errors.As(err, &ue) && strings.HasPrefix(ue.Message, "Missing required argument"):
		return p.Handle(err, stdout, stderr)
	case errors.As(err, &ue):
		// joptsimple's own errors become a TerseException here.
		fmt.Fprintf(stderr, "Error occurred: %s\n", ue.Message)
		return 1
	case err != nil:
		return p.Handle(err, stdout, stderr)
	}
	if !r.Has("bootstrap-server") {
		return p.Fail(stderr, `Missing required argument "[bootstrap-server]"`)
	}
	if !validBootstrap(r.String("bootstrap-server")) {
		return p.Fail(stderr, "Please provide valid host:port like host1:9091,host2:9092\n")
	}
	offsets, err := fetch(ctx, r, stderr)
	if err != nil {
		var ce *cli.ConnectError
		if errors.As(err, &ce) {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stderr, "Error occurred: %s\n", err)
		return 1
	}
	for _, o := range offsets {
		fmt.Fprintf(stdout, "%s:%d:%d\n", o.topic, o.partition, o.offset)
	}
	return 0
}

// hostPort is Kafka's Utils.getPort pattern: an address with a port.
var hostPort = regexp.MustCompile(`^(?:[0-9a-zA-Z\-%._]*://)?\[?([0-9a-zA-Z\-%._:]*)]?:([0-9]+)$`)

// validBootstrap is ToolsUtils.validateBootstrapServer: every
// comma-separated address has a port.
func validBootstrap(s string) bool {
	if strings.TrimSpace(s) == "" {
		return false
	}
	for _, a := range strings.Split(s, ",") {
		if !hostPort.MatchString(a) {
			return false
		}
	}
	return true
}

// Special timestamps of ListOffsets.
const (
	latestTimestamp        = -1
	earliestTimestamp      = -2
	maxTimestamp           = -3
	earliestLocalTimestamp = -4
	latestTieredTimestamp  = -5
)

// parseTime reads --time as GetOffsetShell.parseOffsetSpec does.
func parseTime(s string) (int64, error) {
	switch s {
	case "earliest":
		return earliestTimestamp, nil
	case "latest":
		return latestTimestamp, nil
	case "max-timestamp":
		return maxTimestamp, nil
	case "earliest-local":
		return earliestLocalTimestamp, nil
	case "latest-tiered":
		return latestTieredTimestamp, nil
	}
	ts, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, &failure{"Malformed time argument " + s + ". Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered, or a specified long format timestamp"}
	}
	return ts, nil
}

type partitionOffset struct {
	topic     string
	partition int32
	offset    int64
}

func fetch(ctx context.Context, r *cli.Result, stderr io.Writer) ([]partitionOffset, error) {
	if r.Has("topic-partitions") && (r.Has("topic") || r.Has("partitions")) {
		return nil, &failure{"--topic-partitions cannot be used with --topic or --partitions"}
	}
	ts, err := parseTime(r.String("time"))
	if err != nil {
		return nil, err
	}
	var f filter
	if r.Has("topic-partitions") {
		f, err = parsePatternList(r.String("topic-partitions"))
	} else {
		f, err = topicAndPartitions(r.String("topic"), r.String("partitions"))
	}
	if err != nil {
		return nil, err
	}
	var props map[string]string
	if r.Has("command-config") {
		if props, err = cli.LoadProperties(r.String("command-config")); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	adm, err := cli.Connect(ctx, r.String("bootstrap-server"), props)
	if err != nil {
		return nil, err
	}
	defer adm.Close()
	parts, err := matchPartitions(ctx, adm, f, r.Has("exclude-internal-topics"))
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return nil, &failure{"Could not match any topic-partitions with the specified filters"}
	}
	return listOffsets(ctx, adm, parts, ts, stderr)
}

// matchPartitions lists the partitions of the topics the filter selects.
func matchPartitions(ctx context.Context, adm *cli.Admin, f filter, excludeInternal bool) (map[string][]int32, error) {
	req := kmsg.NewPtrMetadataRequest()
	resp, err := req.RequestWith(ctx, adm.Client)
	if err != nil {
		return nil, fmt.Errorf("listing topics: %w", err)
	}
	out := map[string][]int32{}
	for _, t := range resp.Topics {
		if t.Topic == nil || (excludeInternal && t.IsInternal) || !f.topicAllowed(*t.Topic) {
			continue
		}
		if err := topics.ResponseError(t.ErrorCode, nil); err != nil {
			return nil, err
		}
		for _, p := range t.Partitions {
			if f.partitionAllowed(*t.Topic, p.Partition) {
				out[*t.Topic] = append(out[*t.Topic], p.Partition)
			}
		}
	}
	return out, nil
}

func listOffsets(ctx context.Context, adm *cli.Admin, parts map[string][]int32, ts int64, stderr io.Writer) ([]partitionOffset, error) {
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	for topic, ps := range parts {
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = topic
		for _, p := range ps {
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Partition, rp.Timestamp, rp.CurrentLeaderEpoch = p, ts, -1
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, adm.Client)
	if err != nil {
		return nil, fmt.Errorf("listing offsets: %w", err)
	}
	var out []partitionOffset
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			if err := topics.ResponseError(rp.ErrorCode, nil); err != nil {
				fmt.Fprintf(stderr, "Skip getting offsets for topic-partition %s-%d due to error: %s: %s\n", rt.Topic, rp.Partition, topics.JavaClass(err), err)
				continue
			}
			if rp.Offset == -1 {
				continue // no offset for this time
			}
			out = append(out, partitionOffset{rt.Topic, rp.Partition, rp.Offset})
		}
	}
	// Kafka sorts by TopicPartition.toString(), "topic-partition".
	sort.Slice(out, func(i, j int) bool {
		return fmt.Sprintf("%s-%d", out[i].topic, out[i].partition) < fmt.Sprintf("%s-%d", out[j].topic, out[j].partition)
	})
	return out, nil
}

// filter selects topic partitions, as Kafka's TopicPartitionFilter.
type filter []rule

// rule is one topic regex with a partition test.
type rule struct {
	topic     *topics.IncludeList
	partition func(int32) bool
}

func (f filter) topicAllowed(topic string) bool {
	for _, r := range f {
		if r.topic.Allowed(topic, false) {
			return true
		}
	}
	return false
}

func (f filter) partitionAllowed(topic string, p int32) bool {
	for _, r := range f {
		if r.topic.Allowed(topic, false) && r.partition(p) {
			return true
		}
	}
	return false
}

// topicAndPartitions is the filter for --topic and --partitions.
func topicAndPartitions(topic, partitions string) (filter, error) {
	if topic == "" {
		topic = ".*"
	}
	inc, err := topics.NewIncludeList(topic)
	if err != nil {
		return nil, err
	}
	set := map[int32]bool{}
	if partitions != "" {
		for _, s := range strings.Split(partitions, ",") {
			n, err := strconv.ParseInt(s, 10, 32)
			if err != nil {
				return nil, &failure{"--partitions expects a comma separated list of numeric partition ids, but received: " + partitions}
			}
			set[int32(n)] = true
		}
	}
	return filter{{topic: inc, partition: func(p int32) bool { return len(set) == 0 || set[p] }}}, nil
}

// topicPartitionPattern is one --topic-partitions rule, as Kafka shows it
// in the usage.
const topicPartitionPattern = `([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?`

var rulePattern = regexp.MustCompile(`^` + topicPartitionPattern + `$`)

// parsePatternList reads --topic-partitions "t:0,u:1-3,:5-".
func parsePatternList(s string) (filter, error) {
	var f filter
	for _, spec := range javaSplitComma(s) {
		m := rulePattern.FindStringSubmatch(spec)
		if m == nil {
			return nil, &failure{"org.apache.kafka.tools.TerseException: Invalid rule specification: " + spec}
		}
		topic := m[1]
		if topic == "" {
			topic = ".*"
		}
		inc, err := topics.NewIncludeList(topic)
		if err != nil {
			return nil, err
		}
		r := rule{topic: inc}
		switch {
		case m[2] != "":
			n, err := strconv.ParseInt(m[2], 10, 32)
			if err != nil {
				return nil, &failure{fmt.Sprintf("For input string: \"%s\"", m[2])}
			}
			r.partition = func(p int32) bool { return p == int32(n) }
		default:
			lower, upper := int64(0), int64(math.MaxInt32)
			if m[3] != "" {
				if lower, err = strconv.ParseInt(m[3], 10, 32); err != nil {
					return nil, &failure{fmt.Sprintf("For input string: \"%s\"", m[3])}
				}
			}
			if m[4] != "" {
				if upper, err = strconv.ParseInt(m[4], 10, 32); err != nil {
					return nil, &failure{fmt.Sprintf("For input string: \"%s\"", m[4])}
				}
			}
			r.partition = func(p int32) bool { return int64(p) >= lower && int64(p) < upper }
		}
		f = append(f, r)
	}
	return f, nil
}

// javaSplitComma is Java's split(","): trailing empty strings dropped.
func javaSplitComma(s string) []string {
	parts := strings.Split(s, ",")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}
