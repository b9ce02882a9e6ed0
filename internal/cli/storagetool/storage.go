// Package storagetool is `samsa storage` (kafka-storage.sh): random-uuid,
// format and info. It works offline on the data directories named by a
// server.properties file.
package storagetool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"samsa/internal/cli"
	"samsa/internal/config"
	"samsa/internal/metadata"
	"samsa/internal/storage"
)

const description = "The Kafka storage tool (random-uuid, format, info)."

func usage(w io.Writer) {
	fmt.Fprintln(w, `usage: kafka-storage [-h] {info,format,random-uuid} ...

The Kafka storage tool.

commands:
  info         Get information about the Kafka log directories on this node.
               kafka-storage info -c <server.properties>
  format       Format the Kafka log directories on this node.
               kafka-storage format -t <cluster-id> -c <server.properties>
                 [--standalone | --initial-controllers <list> | --no-initial-controllers]
                 [-g | --ignore-formatted]
  random-uuid  Print a random UUID.`)
}

// Run runs `samsa storage`.
func Run(_ context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 1
	}
	// argparse4j wants global flags before the subcommand; accept the
	// subcommand anywhere, as the other tools do.
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "--help":
		usage(stdout)
		return 0
	case "random-uuid":
		fmt.Fprintln(stdout, metadata.NewUuid())
		return 0
	case "format":
		return runFormat(rest, stdout, stderr)
	case "info":
		return runInfo(rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "kafka-storage: error: invalid choice: '%s' (choose from 'info', 'format', 'random-uuid')\n", sub)
	return 1
}

func formatParser() *cli.Parser {
	p := cli.NewParser("kafka-storage format", "Format the Kafka log directories on this node.", cli.Argparse)
	p.Add(
		cli.Option{Name: "config", Aliases: []string{"c"}, Kind: cli.Single, Metavar: "CONFIG", Required: true,
			Help: "The Kafka configuration file to use."},
		cli.Option{Name: "cluster-id", Aliases: []string{"t"}, Kind: cli.Single, Metavar: "CLUSTER_ID", Required: true,
			Help: "The cluster ID to use."},
		cli.Option{Name: "ignore-formatted", Aliases: []string{"g"}, Kind: cli.Flag,
			Help: "When this option is passed, the format command will skip over already formatted directories rather than failing."},
		cli.Option{Name: "standalone", Aliases: []string{"s"}, Kind: cli.Flag,
			Help: "Used to initialize a controller as a single-node dynamic quorum."},
		cli.Option{Name: "initial-controllers", Aliases: []string{"I"}, Kind: cli.Single, Metavar: "INITIAL_CONTROLLERS",
			Help: "Used to initialize a server with a specific dynamic quorum."},
		cli.Option{Name: "no-initial-controllers", Aliases: []string{"N"}, Kind: cli.Flag,
			Help: "Used to initialize a server without a dynamic quorum topology."},
	)
	return p
}

func runFormat(args []string, stdout, stderr io.Writer) int {
	p := formatParser()
	r, err := p.Parse(args)
	if err != nil {
		return p.Handle(err, stdout, stderr)
	}
	cfg, err := loadConfig(r.String("config"))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := checkQuorumFlags(cfg, r); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	clusterID := r.String("cluster-id")
	if _, err := storage.ParseUUID(clusterID); err != nil {
		fmt.Fprintf(stderr, "Cluster ID string %s does not appear to be a valid UUID: Input string with prefix `%s` is too short to be decoded as a base64 UUID\n", clusterID, clusterID)
		return 1
	}
	formatted, err := storage.FormatDirs(cfg.DataDirs(), cfg.MetadataLogDir, clusterID, cfg.NodeID, r.Has("ignore-formatted"))
	version := metadata.MetadataVersionName(metadata.MetadataVersionLatest)
	for _, f := range formatted {
		kind := "data"
		if f.Metadata {
			kind = "metadata"
		}
		fmt.Fprintf(stdout, "Formatting %s directory %s with metadata.version %s.\n", kind, f.Dir, version)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if len(formatted) == 0 {
		fmt.Fprintln(stdout, "All of the log directories are already formatted.")
	}
	return 0
}

// checkQuorumFlags applies kafka-storage's rules for the quorum options.
func checkQuorumFlags(cfg *config.Broker, r *cli.Result) error {
	n := 0
	for _, f := range []string{"standalone", "initial-controllers", "no-initial-controllers"} {
		if r.Has(f) {
			n++
		}
	}
	if n > 1 {
		return errors.New("Only one of --standalone, --initial-controllers, or --no-initial-controllers can be specified.")
	}
	if len(cfg.QuorumVoters) > 0 && n > 0 {
		return errors.New("You cannot specify --standalone, --initial-controllers, or --no-initial-controllers when controller.quorum.voters is set; the voters are static.")
	}
	if cfg.ProcessRoles.Controller && len(cfg.QuorumVoters) == 0 && n == 0 {
		return errors.New("Because controller.quorum.voters is not set on this controller, you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers.")
	}
	if r.Has("initial-controllers") {
		return errors.New("--initial-controllers (a multi-voter dynamic quorum) is not supported yet; list the voters in controller.quorum.voters instead.")
	}
	return nil
}

func runInfo(args []string, stdout, stderr io.Writer) int {
	p := cli.NewParser("kafka-storage info", "Get information about the Kafka log directories on this node.", cli.Argparse)
	p.Add(cli.Option{Name: "config", Aliases: []string{"c"}, Kind: cli.Single, Metavar: "CONFIG", Required: true,
		Help: "The Kafka configuration file to use."})
	r, err := p.Parse(args)
	if err != nil {
		return p.Handle(err, stdout, stderr)
	}
	cfg, err := loadConfig(r.String("config"))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	dirs := cfg.DataDirs()
	var found, problems []string
	var meta *storage.MetaProperties
	for _, d := range dirs {
		m, err := storage.ReadMetaProperties(d)
		switch {
		case errors.Is(err, storage.ErrNotFormatted):
			if _, statErr := os.Stat(d); statErr != nil {
				problems = append(problems, fmt.Sprintf("%s does not exist", d))
			} else {
				problems = append(problems, fmt.Sprintf("%s is not formatted.", d))
			}
		case err != nil:
			problems = append(problems, err.Error())
		default:
			found = append(found, d)
			if meta == nil {
				meta = &m
			} else if meta.ClusterID != m.ClusterID || meta.NodeID != m.NodeID {
				problems = append(problems, fmt.Sprintf("%s has cluster.id %s and node.id %d, unlike the other directories.", d, m.ClusterID, m.NodeID))
			}
		}
	}
	if len(found) > 0 {
		fmt.Fprintln(stdout, "Found log director"+plural(len(found), "y", "ies")+":")
		for _, d := range found {
			fmt.Fprintf(stdout, "  %s\n", d)
		}
		fmt.Fprintln(stdout)
	}
	if meta != nil {
		props := map[string]string{"cluster.id": meta.ClusterID, "node.id": fmt.Sprint(meta.NodeID), "version": "1"}
		if meta.DirectoryID != "" {
			props["directory.id"] = meta.DirectoryID
		}
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + props[k]
		}
		fmt.Fprintf(stdout, "Found metadata: {%s}\n\n", strings.Join(parts, ", "))
	}
	if len(problems) > 0 {
		fmt.Fprintln(stdout, "Found problem"+plural(len(problems), "", "s")+":")
		for _, pr := range problems {
			fmt.Fprintf(stdout, "  %s\n", pr)
		}
		fmt.Fprintln(stdout)
		return 1
	}
	return 0
}

func loadConfig(file string) (*config.Broker, error) {
	cfg, _, err := config.Load(config.Sources{File: file})
	return cfg, err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
