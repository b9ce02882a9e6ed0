// Package metadataquorum is `samsa metadata-quorum`
// (kafka-metadata-quorum.sh): `describe --status` and `describe
// --replication` of the KRaft metadata quorum, from DescribeQuorum and
// DescribeCluster sent to a broker (--bootstrap-server) or straight to a
// controller listener (--bootstrap-controller).
//
// Kafka's tool uses argparse4j with subcommands, which wants the global
// options before the subcommand and the subcommand's options after it;
// Samsa accepts them in any order.
package metadataquorum

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"samsa/internal/cli"
)

const program = "kafka-metadata-quorum"

// subcommands are the choices Kafka's parser offers, in its order.
var subcommands = []string{"describe", "add-controller", "remove-controller"}

func newParser() *cli.Parser {
	p := cli.NewParser(program, "This tool describes kraft metadata quorum status.", cli.Argparse)
	p.Add(
		cli.Option{Name: "bootstrap-server", Kind: cli.Single, Metavar: "BOOTSTRAP_SERVER"},
		cli.Option{Name: "bootstrap-controller", Kind: cli.Single, Metavar: "BOOTSTRAP_CONTROLLER"},
		cli.Option{Name: "command-config", Kind: cli.Single, Metavar: "COMMAND_CONFIG"},
		cli.Option{Name: "status", Kind: cli.Flag},
		cli.Option{Name: "replication", Kind: cli.Flag},
		cli.Option{Name: "human-readable", Kind: cli.Flag},
		cli.Option{Name: "dry-run", Kind: cli.Flag},
		cli.Option{Name: "controller-id", Aliases: []string{"i"}, Kind: cli.Single, Type: cli.Int32, Metavar: "CONTROLLER_ID"},
		cli.Option{Name: "controller-directory-id", Aliases: []string{"d"}, Kind: cli.Single, Metavar: "CONTROLLER_DIRECTORY_ID"},
	)
	return p
}

const shortUsage = `usage: kafka-metadata-quorum [-h] [--command-config COMMAND_CONFIG]
                             (--bootstrap-server BOOTSTRAP_SERVER | --bootstrap-controller BOOTSTRAP_CONTROLLER)
                             {describe,add-controller,remove-controller} ...
`

const helpText = shortUsage + `
This tool describes kraft metadata quorum status.

positional arguments:
  {describe,add-controller,remove-controller}
    describe             Describe the metadata quorum info
    add-controller       Add a controller to the KRaft controller cluster
    remove-controller    Remove a controller from the KRaft controller cluster

named arguments:
  -h, --help             show this help message and exit
  --command-config COMMAND_CONFIG
                         Property file containing configs to be passed to Admin Client.
  --bootstrap-server BOOTSTRAP_SERVER
                         A comma-separated list of host:port pairs to use for establishing the connection to the Kafka cluster.
  --bootstrap-controller BOOTSTRAP_CONTROLLER
                         A comma-separated list of host:port pairs to use for establishing the connection to the Kafka controllers.

describe options (samsa metadata-quorum describe):
  --status               A short summary of the quorum status and the other provides detailed information about the status of replication.
  --replication          Detailed information about the status of replication
  --human-readable       Human-readable output
`

// usageError prints argparse4j's short usage and error line; exit 1.
func usageError(stderr io.Writer, format string, args ...any) int {
	fmt.Fprint(stderr, shortUsage)
	fmt.Fprintf(stderr, "%s: error: %s\n", program, fmt.Sprintf(format, args...))
	return 1
}

// Run runs `samsa metadata-quorum`.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	p := newParser()
	r, err := p.Parse(args)
	var ue *cli.UsageError
	switch {
	case errors.Is(err, cli.ErrHelp):
		// argparse4j prints help to stdout and exits 0 (HelpScreenException).
		fmt.Fprint(stdout, helpText)
		return 0
	case errors.As(err, &ue):
		return usageError(stderr, "%s", ue.Message)
	case err != nil:
		return p.Handle(err, stdout, stderr)
	}
	if len(r.Args) == 0 {
		return usageError(stderr, "too few arguments")
	}
	command := r.Args[0]
	if !contains(subcommands, command) {
		return usageError(stderr, "argument command: invalid choice: '%s' (choose from 'describe', 'add-controller', 'remove-controller')", command)
	}
	if len(r.Args) > 1 {
		return usageError(stderr, "unrecognized arguments: '%s'", strings.Join(r.Args[1:], " "))
	}
	server, controller := r.Has("bootstrap-server"), r.Has("bootstrap-controller")
	switch {
	case server && controller:
		return usageError(stderr, "argument --bootstrap-controller: not allowed with argument --bootstrap-server")
	case !server && !controller:
		return usageError(stderr, "one of the arguments --bootstrap-server --bootstrap-controller is required")
	}
	if command == "remove-controller" && (!r.Has("controller-id") || !r.Has("controller-directory-id")) {
		missing := "--controller-id"
		if r.Has("controller-id") {
			missing = "--controller-directory-id"
		}
		return usageError(stderr, "argument %s is required", missing)
	}

	props := map[string]string{}
	if file := r.String("command-config"); r.Has("command-config") {
		if _, err := os.Stat(file); err != nil {
			fmt.Fprintf(stderr, "Properties file %s does not exists!\n", file)
			return 1
		}
		if props, err = cli.LoadProperties(file); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	target := target{bootstrap: r.String("bootstrap-server"), controller: controller}
	if controller {
		target.bootstrap = r.String("bootstrap-controller")
	}

	switch command {
	case "describe":
		return runDescribe(ctx, r, target, props, stdout, stderr)
	case "add-controller":
		if !r.Has("command-config") {
			fmt.Fprintln(stderr, "You must supply the configuration file of the controller you are adding when using add-controller.")
			return 1
		}
	}
	// add-controller and remove-controller change a dynamic (KIP-853)
	// quorum; Samsa's quorum is static, its voters fixed by
	// controller.quorum.voters.
	fmt.Fprintf(stderr, "%s is not supported: the metadata quorum's voters are static (controller.quorum.voters).\n", command)
	return 1
}

func runDescribe(ctx context.Context, r *cli.Result, t target, props map[string]string, stdout, stderr io.Writer) int {
	status, replication := r.Has("status"), r.Has("replication")
	switch {
	case status && replication:
		fmt.Fprintln(stderr, "Only one of --status or --replication should be specified with describe sub-command")
		return 1
	case status && r.Has("human-readable"):
		fmt.Fprintln(stderr, "The option --human-readable is only supported along with --replication")
		return 1
	case !status && !replication:
		fmt.Fprintln(stderr, "One of --status or --replication must be specified with describe sub-command")
		return 1
	}
	q, err := t.describe(ctx, props, status)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if status {
		err = printStatus(stdout, q)
	} else {
		err = printReplication(stdout, q, r.Has("human-readable"), nowMillis())
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
