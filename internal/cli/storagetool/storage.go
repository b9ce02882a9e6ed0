// Package storagetool is `samsa storage` (kafka-storage.sh): random-uuid,
// format and info. It works offline on the data directories named by a
// server.properties file.
package storagetool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
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
	dirID, err := metadataDirID(cfg, r)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	clusterID := r.String("cluster-id")
	if _, err := storage.ParseUUID(clusterID); err != nil {
		fmt.Fprintf(stderr, "Cluster ID string %s does not appear to be a valid UUID: Input string with prefix `%s` is too short to be decoded as a base64 UUID\n", clusterID, clusterID)
		return 1
	}
	formatted, err := storage.FormatDirsWithMetadataID(cfg.DataDirs(), cfg.MetadataLogDir, clusterID, cfg.NodeID, r.Has("ignore-formatted"), dirID)
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
	return nil
}

// initialController is one entry of --initial-controllers:
// id@host:port:directory-id.
type initialController struct {
	id    int32
	addr  string
	dirID [16]byte
}

func parseInitialControllers(s string) ([]initialController, error) {
	var out []initialController
	for _, e := range strings.Split(s, ",") {
		e = strings.TrimSpace(e)
		at := strings.IndexByte(e, '@')
		if at < 0 {
			return nil, fmt.Errorf("No '@' found in the controller entry '%s' of --initial-controllers (expected id@host:port:directory-id).", e)
		}
		id, err := strconv.ParseInt(e[:at], 10, 32)
		if err != nil || id < 0 {
			return nil, fmt.Errorf("Failed to parse node id in the controller entry '%s' of --initial-controllers.", e)
		}
		rest := e[at+1:]
		colon := strings.LastIndexByte(rest, ':')
		if colon < 0 {
			return nil, fmt.Errorf("No directory id found in the controller entry '%s' of --initial-controllers (expected id@host:port:directory-id).", e)
		}
		addr, dir := rest[:colon], rest[colon+1:]
		if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
			return nil, fmt.Errorf("Failed to parse host:port in the controller entry '%s' of --initial-controllers.", e)
		}
		dirID, err := storage.ParseUUID(dir)
		if err != nil || dirID == [16]byte{} {
			return nil, fmt.Errorf("Failed to parse directory id '%s' in the controller entry '%s' of --initial-controllers.", dir, e)
		}
		out = append(out, initialController{id: int32(id), addr: addr, dirID: dirID})
	}
	return out, nil
}

// metadataDirID returns the metadata directory id --initial-controllers
// gives this node, or zero. Samsa's quorum is one voter so far: a list of
// several is refused.
func metadataDirID(cfg *config.Broker, r *cli.Result) ([16]byte, error) {
	if !r.Has("initial-controllers") {
		return [16]byte{}, nil
	}
	ctrls, err := parseInitialControllers(r.String("initial-controllers"))
	if err != nil {
		return [16]byte{}, err
	}
	if len(ctrls) > 1 {
		return [16]byte{}, errors.New("--initial-controllers with more than one controller is not supported yet: Samsa runs single-node quorums so far; use --standalone.")
	}
	if ctrls[0].id != cfg.NodeID || !cfg.ProcessRoles.Controller {
		return [16]byte{}, nil
	}
	return ctrls[0].dirID, nil
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
