// Package metadatashell is `samsa metadata-shell`
// (kafka-metadata-shell.sh): it replays the metadata log offline into the
// tree Kafka 4's metadata shell shows (/image/{cluster,configs,features,
// topics,…}, /local/{version,commitId}) and lets the user walk it with ls,
// cd, pwd, cat, tree, find, history, help, man and exit.
//
// Sources: --snapshot <file> reads one checkpoint or log segment, as
// Kafka's shell does; --directory <dir> (Samsa's addition) replays a whole
// __cluster_metadata-0 directory: its newest checkpoint and the log after
// it; --bootstrap-server (Samsa's addition too) builds the same tree from a
// running cluster's admin APIs. The files are only read, never locked or
// written, so the shell is safe to run beside a running server.
//
// Trailing arguments are one command, run once (only cat, find, ls and
// tree, as in Kafka); without them the shell reads commands from standard
// input, one per line, printing the ">> " prompt only on a terminal.
package metadatashell

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"samsa/internal/cli"
)

const program = "kafka-metadata-shell"

const helpText = `usage: kafka-metadata-shell [-h] [--snapshot SNAPSHOT] [--directory DIRECTORY]
                            [--bootstrap-server BOOTSTRAP_SERVER] [--command-config COMMAND_CONFIG]
                            [command [command ...]]

The Apache Kafka metadata shell

positional arguments:
  command                The command to run.

named arguments:
  -h, --help             show this help message and exit
  --snapshot SNAPSHOT, -s SNAPSHOT
                         The snapshot file to read.
  --directory DIRECTORY, -d DIRECTORY
                         Samsa's addition: the metadata log directory to replay (its newest
                         snapshot, then the log after it), e.g. <metadata.log.dir>/__cluster_metadata-0.
  --bootstrap-server BOOTSTRAP_SERVER
                         Samsa's addition: build the tree from a running cluster's admin APIs
                         (Metadata, DescribeConfigs, ApiVersions) instead of files. Broker epochs,
                         incarnation ids, listener names and partition epochs are not available
                         this way and show as -1 or zero ids.
  --command-config COMMAND_CONFIG
                         Samsa's addition: property file with admin client configs for --bootstrap-server.
`

// stdin is where an interactive session reads commands.
var stdin io.Reader = os.Stdin

func newParser() *cli.Parser {
	p := cli.NewParser(program, "The Apache Kafka metadata shell", cli.Argparse)
	p.Add(
		cli.Option{Name: "snapshot", Aliases: []string{"s"}, Kind: cli.Single, Metavar: "SNAPSHOT"},
		cli.Option{Name: "directory", Aliases: []string{"d"}, Kind: cli.Single, Metavar: "DIRECTORY"},
		cli.Option{Name: "bootstrap-server", Kind: cli.Single, Metavar: "BOOTSTRAP_SERVER"},
		cli.Option{Name: "command-config", Kind: cli.Single, Metavar: "COMMAND_CONFIG"},
	)
	return p
}

func usageError(stderr io.Writer, format string, args ...any) int {
	fmt.Fprintln(stderr, strings.SplitN(helpText, "\n\n", 2)[0])
	fmt.Fprintf(stderr, "%s: error: %s\n", program, fmt.Sprintf(format, args...))
	return 1
}

// Run runs `samsa metadata-shell`.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// Everything from the first word that is not an option (or an
	// option's value) on is the command, options included, as argparse's
	// nargs '*' positional takes them.
	opts, command := splitCommand(args)
	p := newParser()
	r, err := p.Parse(opts)
	var ue *cli.UsageError
	switch {
	case errors.Is(err, cli.ErrHelp):
		fmt.Fprint(stdout, helpText)
		return 0
	case errors.As(err, &ue):
		return usageError(stderr, "%s", ue.Message)
	case err != nil:
		return p.Handle(err, stdout, stderr)
	}
	n := 0
	for _, o := range []string{"snapshot", "directory", "bootstrap-server"} {
		if r.Has(o) {
			n++
		}
	}
	if n != 1 {
		fmt.Fprintln(stderr, "Error: give exactly one of --snapshot <file>, --directory <metadata log directory> or --bootstrap-server <host:port>.")
		return 1
	}
	st, err := load(ctx, r)
	var ce *cli.ConnectError
	switch {
	case errors.As(err, &ce):
		fmt.Fprintln(stderr, err)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	sh := &shell{root: buildTree(st, cli.Version), cwd: "/", out: stdout}
	if len(command) > 0 {
		sh.run(command)
		return 0
	}
	return sh.interactiveLoop(ctx, stdout)
}

// splitCommand separates the shell's options from the command words.
func splitCommand(args []string) (opts, command []string) {
	takesValue := map[string]bool{"--snapshot": true, "-s": true, "--directory": true, "-d": true,
		"--bootstrap-server": true, "--command-config": true}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			return opts, args[i:]
		}
		opts = append(opts, a)
		if takesValue[a] && i+1 < len(args) {
			opts = append(opts, args[i+1])
			i++
		}
	}
	return opts, nil
}

func load(ctx context.Context, r *cli.Result) (*state, error) {
	switch {
	case r.Has("snapshot"):
		return loadSnapshot(r.String("snapshot"))
	case r.Has("directory"):
		return loadDirectory(r.String("directory"))
	}
	var props map[string]string
	if r.Has("command-config") {
		var err error
		if props, err = cli.LoadProperties(r.String("command-config")); err != nil {
			return nil, err
		}
	}
	return loadLive(ctx, r.String("bootstrap-server"), props)
}

// interactiveLoop reads commands from stdin until exit, end of input or
// a signal.
func (s *shell) interactiveLoop(ctx context.Context, stdout io.Writer) int {
	s.interactive = true
	fmt.Fprintln(stdout, "Loading...")
	fmt.Fprintln(stdout, "Starting...")
	fmt.Fprintln(stdout, "[ Kafka Metadata Shell ]")
	prompt := isTerminal(stdin)
	// The reader goroutine blocks in Read, which nothing can interrupt;
	// it ends with the input, or with the process once the loop returns.
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	for !s.exit {
		if prompt {
			fmt.Fprint(stdout, ">> ")
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(stdout)
			return 0
		case line, ok := <-lines:
			if !ok {
				if prompt {
					fmt.Fprintln(stdout)
				}
				return 0
			}
			words := splitWords(line)
			if len(words) > 0 {
				s.history = append(s.history, line)
			}
			s.run(words)
		}
	}
	return 0
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// splitWords splits a command line at blanks, keeping quoted parts
// together as a shell's line reader does.
func splitWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, c := range line {
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(c)
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
