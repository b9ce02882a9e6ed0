// Package topics is `samsa topics` (kafka-topics.sh): create, list,
// describe, alter and delete topics over the wire, with Kafka 4's flags,
// output and messages (TopicCommand). Failures from the cluster print
// "Error while executing topic command : <message>" to stdout and log the
// exception at ERROR to stderr, as Kafka's tool does; usage errors print
// the message and the usage to stderr. Both exit 1.
package topics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"samsa/internal/cli"
)

const (
	description = "This tool helps to create, delete, describe, or change a topic."
	// noArgs is what Kafka prints above the usage for an empty command line.
	noArgs = "Create, delete, describe, or change a topic."
	logger = "org.apache.kafka.tools.TopicCommand"

	configsHint = " (To alter topic configurations, the kafka-configs tool can be used.)"
)

// Timeout bounds one run against the cluster, as the Java admin client's
// default.api.timeout.ms does.
var Timeout = 60 * time.Second

func newParser() *cli.Parser {
	p := cli.NewParser("kafka-topics", description, cli.JoptSimple)
	p.Add(
		cli.Option{Name: "bootstrap-server", Kind: cli.Single, Metavar: "server to connect to",
			Help: "REQUIRED: The Kafka server to connect to."},
		cli.Option{Name: "command-config", Kind: cli.Single, Metavar: "command config property file",
			Help: "Property file containing configs to be passed to Admin Client."},
		cli.Option{Name: "list", Kind: cli.Flag, Help: "List all available topics."},
		cli.Option{Name: "create", Kind: cli.Flag, Help: "Create a new topic."},
		cli.Option{Name: "delete", Kind: cli.Flag, Help: "Delete a topic."},
		cli.Option{Name: "alter", Kind: cli.Flag, Help: "Alter the number of partitions and replica assignment." + configsHint},
		cli.Option{Name: "describe", Kind: cli.Flag, Help: "List details for the given topics."},
		cli.Option{Name: "topic", Kind: cli.Single, Metavar: "topic",
			Help: `The topic to create, alter, describe or delete. It also accepts a regular expression, except for --create option. Put topic name in double quotes and use the '\' prefix to escape regular expression symbols; e.g. "test\.topic".`},
		cli.Option{Name: "topic-id", Kind: cli.Single, Metavar: "topic-id", Help: "The topic-id to describe."},
		cli.Option{Name: "config", Kind: cli.Repeated, Metavar: "name=value",
			Help: "A topic configuration override for the topic being created. See the Kafka documentation for full details on the topic configs. It is supported only in combination with --create." + configsHint},
		cli.Option{Name: "delete-config", Kind: cli.Repeated, Metavar: "name",
			Help: "This option is no longer supported and has been deprecated since 4.0"},
		cli.Option{Name: "partitions", Kind: cli.Single, Type: cli.Int32, Metavar: "# of partitions",
			Help: "The number of partitions for the topic being created or altered. If not supplied with --create, the topic uses the cluster default. (WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected)."},
		cli.Option{Name: "replication-factor", Kind: cli.Single, Type: cli.Int32, Metavar: "replication factor",
			Help: "The replication factor for each partition in the topic being created. If not supplied, the topic uses the cluster default."},
		cli.Option{Name: "replica-assignment", Kind: cli.Single,
			Metavar: "broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...",
			Help:    "A list of manual partition-to-broker assignments for the topic being created or altered."},
		cli.Option{Name: "under-replicated-partitions", Kind: cli.Flag,
			Help: "If set when describing topics, only show under-replicated partitions."},
		cli.Option{Name: "unavailable-partitions", Kind: cli.Flag,
			Help: "If set when describing topics, only show partitions whose leader is not available."},
		cli.Option{Name: "under-min-isr-partitions", Kind: cli.Flag,
			Help: "If set when describing topics, only show partitions whose isr count is less than the configured minimum."},
		cli.Option{Name: "at-min-isr-partitions", Kind: cli.Flag,
			Help: "If set when describing topics, only show partitions whose isr count is equal to the configured minimum."},
		cli.Option{Name: "topics-with-overrides", Kind: cli.Flag,
			Help: "If set when describing topics, only show topics that have overridden configs."},
		cli.Option{Name: "if-exists", Kind: cli.Flag,
			Help: "If set when altering or deleting or describing topics, the action will only execute if the topic exists."},
		cli.Option{Name: "if-not-exists", Kind: cli.Flag,
			Help: "If set when creating topics, the action will only execute if the topic does not already exist."},
		cli.Option{Name: "exclude-internal", Kind: cli.Flag,
			Help: "Exclude internal topics when listing or describing topics. By default, the internal topics are included."},
		cli.Option{Name: "partition-size-limit-per-response", Kind: cli.Single, Type: cli.Int32,
			Metavar: "maximum number of partitions per response",
			Help:    "The maximum partition size to be included in one DescribeTopicPartitions response."},
	)
	return p
}

// Run runs `samsa topics`.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	p := newParser()
	if len(args) == 0 {
		return p.Fail(stderr, "%s", noArgs)
	}
	r, err := p.Parse(args)
	if err != nil {
		return p.Handle(err, stdout, stderr)
	}
	if err := checkArgs(r, stderr); err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			return p.Fail(stderr, "%s", ue.message)
		}
		fmt.Fprintln(stderr, err)
		return 1
	}
	var props map[string]string
	if r.Has("command-config") {
		if props, err = cli.LoadProperties(r.String("command-config")); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	adm, err := cli.Connect(ctx, r.String("bootstrap-server"), props)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer adm.Close()
	s := &service{adm: adm, r: r, stdout: stdout}
	if err := s.run(ctx); err != nil {
		fmt.Fprintf(stdout, "Error while executing topic command : %s\n", err)
		LogError(stderr, logger, err, time.Now())
		return 1
	}
	return 0
}

// actions are the options of which exactly one must be given, in the order
// Kafka lists them when it rejects a combination.
var actions = []string{"alter", "create", "describe", "list", "delete"}

// checkArgs makes TopicCommandOptions.checkArgs's checks, in its order.
func checkArgs(r *cli.Result, stderr io.Writer) error {
	n := 0
	for _, a := range actions {
		if r.Has(a) {
			n++
		}
	}
	if n != 1 {
		return &usageError{"Command must include exactly one action: --list, --describe, --create, --alter or --delete"}
	}
	if r.Has("delete-config") {
		fmt.Fprintln(stderr, "delete-config option is no longer supported and deprecated since version 4.0. The config will be fully removed in future releases.")
	}
	if !r.Has("bootstrap-server") {
		return errors.New("--bootstrap-server must be specified")
	}
	if r.Has("describe") && r.Has("if-exists") && !r.Has("topic") && !r.Has("topic-id") {
		return &usageError{"--topic or --topic-id is required to describe a topic"}
	}
	if !r.Has("list") && !r.Has("describe") && !r.Has("topic") {
		return &usageError{`Missing required argument "[topic]"`}
	}
	if r.Has("alter") {
		if r.Has("config") {
			return &usageError{`Option combination "[[bootstrap-server], [config]]" can't be used with option "[alter]"` + configsHint}
		}
		if !r.Has("partitions") {
			return &usageError{`Missing required argument "[partitions]"`}
		}
	}
	return checkInvalidArgs(r)
}

// conflict says an option cannot be combined with any of others.
type conflict struct {
	option string
	others []string
}

// conflicts are TopicCommandOptions.checkInvalidArgs's rules, in its order.
func conflicts(r *cli.Result) []conflict {
	except := func(keep ...string) []string {
		var out []string
		for _, a := range actions {
			if !slices.Contains(keep, a) {
				out = append(out, a)
			}
		}
		return out
	}
	reports := []string{"under-replicated-partitions", "under-min-isr-partitions", "at-min-isr-partitions", "unavailable-partitions"}
	rules := []conflict{
		{"config", except("alter", "create")},
		{"partitions", except("alter", "create")},
		{"replication-factor", except("create")},
		{"replica-assignment", except("alter", "create")},
	}
	if r.Has("create") {
		rules = append(rules, conflict{"replica-assignment", []string{"partitions", "replication-factor"}})
	}
	for _, rep := range reports {
		rules = append(rules, conflict{rep, append(except("describe"), "topics-with-overrides")})
	}
	return append(rules,
		conflict{"topics-with-overrides", append(except("describe"), reports...)},
		conflict{"if-exists", except("alter", "delete", "describe")},
		conflict{"if-not-exists", except("create")},
		conflict{"exclude-internal", except("list", "describe")},
	)
}

func checkInvalidArgs(r *cli.Result) error {
	for _, c := range conflicts(r) {
		if !r.Has(c.option) {
			continue
		}
		for _, other := range c.others {
			if r.Has(other) {
				return &usageError{fmt.Sprintf(`Option "[%s]" can't be used with option "[%s]"`, c.option, other)}
			}
		}
	}
	return nil
}
