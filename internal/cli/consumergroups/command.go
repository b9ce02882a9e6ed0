// Package consumergroups is `samsa consumer-groups`
// (kafka-consumer-groups.sh): list, describe and delete consumer groups,
// reset their committed offsets and delete offsets of some topics.
//
// It speaks to the cluster only over the wire, as Kafka's
// ConsumerGroupCommand does through its admin client: ListGroups,
// ConsumerGroupDescribe for KIP-848 groups and DescribeGroups for classic
// ones (a group the first does not know is asked of the second),
// OffsetFetch, ListOffsets, OffsetCommit with an empty member and
// generation -1, DeleteGroups and OffsetDelete.
//
// Output follows Kafka 4's tool byte for byte: its column widths, its "-"
// for missing values, its trailing padding, and its choice of stream (most
// errors go to stdout, prefixed by a blank line and "Error: "). Where
// Kafka prints in hash-map order, this tool sorts: groups by name, rows by
// topic and partition. Where Kafka exits 0 after printing an error, this
// tool exits 1.
package consumergroups

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"samsa/internal/cli"
)

const description = "This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets."

const missing = "-" // Kafka's MISSING_COLUMN_VALUE

func parser() *cli.Parser {
	p := cli.NewParser("kafka-consumer-groups", description, cli.JoptSimple)
	p.Add(
		cli.Option{Name: "bootstrap-server", Kind: cli.Single, Metavar: "server to connect to", Required: true,
			Help: "REQUIRED: The server(s) to connect to."},
		cli.Option{Name: "group", Kind: cli.Repeated, Metavar: "consumer group",
			Help: "The consumer group we wish to act on."},
		cli.Option{Name: "topic", Kind: cli.Repeated, Metavar: "topic",
			Help: "The topic whose consumer group information should be deleted or topic whose should be included in the reset offset process. In `reset-offsets` case, partitions can be specified using this format: `topic1:0,1,2`, where 0,1,2 are the partition to be included in the process. Reset-offsets also supports multiple topic inputs."},
		cli.Option{Name: "all-topics", Kind: cli.Flag,
			Help: "Consider all topics assigned to a group in the `reset-offsets` process."},
		cli.Option{Name: "list", Kind: cli.Flag, Help: "List all consumer groups."},
		cli.Option{Name: "describe", Kind: cli.Flag,
			Help: "Describe consumer group and list offset lag (number of messages not yet processed) related to given group."},
		cli.Option{Name: "all-groups", Kind: cli.Flag, Help: "Apply to all consumer groups."},
		cli.Option{Name: "delete", Kind: cli.Flag,
			Help: "Pass in groups to delete topic partition offsets and ownership information over the entire consumer group. For instance --group g1 --group g2"},
		cli.Option{Name: "timeout", Kind: cli.Single, Type: cli.Int64, Metavar: "timeout (ms)", Default: "5000",
			Help: "The timeout that can be set for some use cases. For example, it can be used when describing the group to specify the maximum amount of time in milliseconds to wait before the group stabilizes (when the group is just created, or is going through some changes)."},
		cli.Option{Name: "command-config", Kind: cli.Single, Metavar: "command config property file",
			Help: "Property file containing configs to be passed to Admin Client and Consumer."},
		cli.Option{Name: "reset-offsets", Kind: cli.Flag,
			Help: "Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive\nHas 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the offsets. Additionally, the --export option is used to export the results to a CSV format.\nYou must choose one of the following reset specifications: --to-datetime, --by-duration, --to-earliest, --to-latest, --shift-by, --from-file, --to-current, --to-offset.\nTo define the scope use --all-topics or --topic. One scope must be specified unless you use '--from-file'."},
		cli.Option{Name: "delete-offsets", Kind: cli.Flag,
			Help: "Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics."},
		cli.Option{Name: "dry-run", Kind: cli.Flag,
			Help: "Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets."},
		cli.Option{Name: "execute", Kind: cli.Flag, Help: "Execute operation. Supported operations: reset-offsets."},
		cli.Option{Name: "export", Kind: cli.Flag,
			Help: "Export operation execution to a CSV file. Supported operations: reset-offsets."},
		cli.Option{Name: "to-offset", Kind: cli.Single, Type: cli.Int64, Metavar: "offset", Help: "Reset offsets to a specific offset."},
		cli.Option{Name: "from-file", Kind: cli.Single, Metavar: "path to CSV file", Help: "Reset offsets to values defined in CSV file."},
		cli.Option{Name: "to-datetime", Kind: cli.Single, Metavar: "datetime",
			Help: "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'"},
		cli.Option{Name: "by-duration", Kind: cli.Single, Metavar: "duration",
			Help: "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'"},
		cli.Option{Name: "to-earliest", Kind: cli.Flag, Help: "Reset offsets to earliest offset."},
		cli.Option{Name: "to-latest", Kind: cli.Flag, Help: "Reset offsets to latest offset."},
		cli.Option{Name: "to-current", Kind: cli.Flag, Help: "Reset offsets to current offset."},
		cli.Option{Name: "shift-by", Kind: cli.Single, Type: cli.Int64, Metavar: "number-of-offsets",
			Help: "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative."},
		cli.Option{Name: "members", Kind: cli.Flag,
			Help: "Describe members of the group. This option may be used with '--describe' and '--bootstrap-server' options only.\nExample: --bootstrap-server localhost:9092 --describe --group group1 --members"},
		cli.Option{Name: "verbose", Kind: cli.Flag,
			Help: "Provide additional information, if any, when describing the group. This option may be used with '--offsets'/'--members'/'--state' and '--bootstrap-server' options only.\nExample: --bootstrap-server localhost:9092 --describe --group group1 --members --verbose"},
		cli.Option{Name: "offsets", Kind: cli.Flag,
			Help: "Describe the group and list all topic partitions in the group along with their offset lag. This is the default sub-action of and may be used with '--describe' and '--bootstrap-server' options only.\nExample: --bootstrap-server localhost:9092 --describe --group group1 --offsets"},
		cli.Option{Name: "state", Kind: cli.Optional,
			Help: "When specified with '--describe', includes the state of the group.\nExample: --bootstrap-server localhost:9092 --describe --group group1 --state\nWhen specified with '--list', it displays the state of all groups. It can also be used to list groups with specific states.\nExample: --bootstrap-server localhost:9092 --list --state stable,empty\nThis option may be used with '--describe', '--list' and '--bootstrap-server' options only."},
		cli.Option{Name: "type", Kind: cli.Optional,
			Help: "When specified with '--list', it displays the types of all the groups. It can also be used to list groups with specific types.\nExample: --bootstrap-server localhost:9092 --list --type classic,consumer\nThis option may be used with the '--list' option only."},
	)
	return p
}

// actions are the options of which a command line names exactly one.
var actions = []string{"list", "describe", "delete", "reset-offsets", "delete-offsets"}

// resetScenarios are the reset specifications, in Kafka's order for its
// "requires one of" message.
var resetScenarios = []string{"to-offset", "shift-by", "to-datetime", "by-duration", "to-earliest", "to-latest", "to-current", "from-file"}

// Run is `samsa consumer-groups`.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	p := parser()
	r, err := p.Parse(args)
	if err != nil {
		return p.Handle(err, stdout, stderr)
	}
	if msg := checkArgs(r, stderr); msg != "" {
		return p.Fail(stderr, "%s", msg)
	}
	props := map[string]string{}
	if r.Has("command-config") {
		if props, err = cli.LoadProperties(r.String("command-config")); err != nil {
			printError(stdout, "Executing consumer group command failed due to "+err.Error())
			return 1
		}
	}
	admin, err := cli.Connect(ctx, r.String("bootstrap-server"), props)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer admin.Close()
	c := &command{r: r, admin: admin, stdout: stdout, stderr: stderr, parser: p}
	err = c.run(ctx)
	var ue *cli.UsageError
	switch {
	case errors.As(err, &ue):
		return p.Fail(stderr, "%s", ue.Message)
	case errors.Is(err, errReported):
		return 1
	case err != nil:
		printError(stdout, "Executing consumer group command failed due to "+err.Error())
		return 1
	}
	return 0
}

// errReported says the failure is already printed; only the exit code is
// left to set.
var errReported = errors.New("failure already reported")

// command is one run of the tool against a connected cluster.
type command struct {
	r      *cli.Result
	admin  *cli.Admin
	stdout io.Writer
	stderr io.Writer
	parser *cli.Parser
	failed bool // an error was printed; exit 1 at the end
}

func (c *command) run(ctx context.Context) error {
	var err error
	switch {
	case c.r.Has("list"):
		err = c.list(ctx)
	case c.r.Has("describe"):
		err = c.describe(ctx)
	case c.r.Has("delete"):
		err = c.deleteGroups(ctx)
	case c.r.Has("reset-offsets"):
		err = c.resetOffsets(ctx)
	case c.r.Has("delete-offsets"):
		err = c.deleteOffsets(ctx)
	}
	if err == nil && c.failed {
		return errReported
	}
	return err
}

// printError is Kafka's printError: a blank line, then "Error: msg", on
// stdout.
func printError(w io.Writer, msg string) {
	fmt.Fprintf(w, "\nError: %s\n", msg)
}

func (c *command) error(msg string) {
	printError(c.stdout, msg)
	c.failed = true
}

// checkArgs makes Kafka's ConsumerGroupCommandOptions.checkArgs checks and
// the one-action check of its main, returning the usage error message or
// "". The reset-offsets warning about a missing --execute goes to stderr on
// the way, as in Kafka.
func checkArgs(r *cli.Result, stderr io.Writer) string {
	if msg := checkAvailability(r); msg != "" {
		return msg
	}
	scope := "[group], [all-groups]"
	if r.Has("describe") {
		if !r.Has("group") && !r.Has("all-groups") {
			return "Option [describe] takes one of these options: " + scope
		}
		if count(r, "members", "offsets", "state") > 1 {
			return "Option [describe] takes at most one of these options: [members], [offsets], [state]"
		}
		if r.Has("state") && r.String("state") != "" {
			return "Option [describe] does not take a value for [state]"
		}
	}
	if r.Has("delete") {
		if !r.Has("group") && !r.Has("all-groups") {
			return "Option [delete] takes one of these options: " + scope
		}
		if r.Has("topic") {
			return "The consumer does not support topic-specific offset deletion from a consumer group."
		}
	}
	if r.Has("delete-offsets") && (!r.Has("group") || !r.Has("topic")) {
		return "Option [delete-offsets] takes the following options: [group], [topic]"
	}
	if r.Has("reset-offsets") {
		if msg := checkResetArgs(r, stderr, scope); msg != "" {
			return msg
		}
	}
	if msg := invalidWith(r, "group", "all-groups", "list"); msg != "" {
		return msg
	}
	if msg := invalidWith(r, "topic", "list", "describe"); msg != "" {
		return msg
	}
	if count(r, actions...) != 1 {
		return "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets"
	}
	return ""
}

// checkAvailability is joptsimple's availableIf: --members, --verbose and
// --offsets need --describe, --state needs --describe or --list, --type
// needs --list.
func checkAvailability(r *cli.Result) string {
	needs := []struct {
		option string
		any    []string
	}{
		{"members", []string{"describe"}},
		{"verbose", []string{"describe"}},
		{"offsets", []string{"describe"}},
		{"state", []string{"describe", "list"}},
		{"type", []string{"list"}},
	}
	for _, n := range needs {
		if r.Has(n.option) && count(r, n.any...) == 0 {
			return "Option(s) [" + n.option + "] are unavailable given other options on the command line"
		}
	}
	return ""
}

func checkResetArgs(r *cli.Result, stderr io.Writer, scope string) string {
	if r.Has("dry-run") && r.Has("execute") {
		return "Option [reset-offsets] only accepts one of [execute] and [dry-run]"
	}
	if !r.Has("dry-run") && !r.Has("execute") {
		fmt.Fprintln(stderr, "WARN: No action will be performed as the --execute option is missing."+
			"In a future major release, the default behavior of this command will be to prompt the user before "+
			"executing the reset rather than doing a dry run. You should add the --dry-run option explicitly "+
			"if you are scripting this command and want to keep the current default behavior without prompting.")
	}
	if !r.Has("group") && !r.Has("all-groups") {
		return "Option [reset-offsets] takes one of these options: " + scope
	}
	for _, s := range resetScenarios {
		var others []string
		for _, o := range resetScenarios {
			if o != s {
				others = append(others, o)
			}
		}
		if msg := invalidWith(r, s, others...); msg != "" {
			return msg
		}
	}
	return ""
}

// invalidWith is CommandLineUtils.checkInvalidArgs.
func invalidWith(r *cli.Result, used string, invalid ...string) string {
	if !r.Has(used) {
		return ""
	}
	for _, o := range invalid {
		if r.Has(o) {
			return fmt.Sprintf("Option \"[%s]\" can't be used with option \"[%s]\"", used, o)
		}
	}
	return ""
}

func count(r *cli.Result, names ...string) int {
	n := 0
	for _, name := range names {
		if r.Has(name) {
			n++
		}
	}
	return n
}

// groupIDs are the groups an action applies to: --all-groups lists them.
func (c *command) groupIDs(ctx context.Context) ([]string, error) {
	if !c.r.Has("all-groups") {
		return c.r.Strings("group"), nil
	}
	listed, err := c.listGroups(ctx, nil, nil)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(listed))
	for _, g := range listed {
		ids = append(ids, g.name)
	}
	return ids, nil
}

// quoteJoin joins names as "'a', 'b'".
func quoteJoin(names []string) string {
	return "'" + strings.Join(names, "', '") + "'"
}
