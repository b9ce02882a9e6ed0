// Command samsa is the Samsa broker, controller and command-line tools in
// one binary. The first argument names the subcommand (samsa server,
// samsa topics, …); invoked through a link or shim named like a Kafka tool
// (kafka-topics.sh), the tool is taken from that name instead.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// command runs one subcommand and returns the process exit code.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands is filled by the init functions of this package's files, one
// file per subcommand.
var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	if _, dup := commands[name]; dup {
		panic("samsa: subcommand registered twice: " + name)
	}
	commands[name] = command{summary: summary, run: run}
}

func main() {
	os.Exit(dispatch(os.Args))
}

// dispatch picks the subcommand from argv[0] (kafka-<tool>.sh) or argv[1].
func dispatch(argv []string) int {
	name, args := toolFromArgv0(argv[0]), argv[1:]
	if name == "" {
		if len(args) == 0 {
			usage(os.Stderr)
			return 1
		}
		name, args = args[0], args[1:]
	}
	switch name {
	case "help", "-h", "--help":
		usage(os.Stdout)
		return 0
	case "version", "--version":
		fmt.Println(version)
		return 0
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "samsa: unknown command %q\n\n", name)
		usage(os.Stderr)
		return 1
	}
	// The server installs its own signal handling (a second signal forces
	// exit); tools stop on the first one.
	ctx := context.Background()
	if name != "server" {
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	return cmd.run(ctx, args, os.Stdout, os.Stderr)
}

// toolFromArgv0 maps kafka-topics.sh or kafka-topics to "topics"; any other
// program name yields "".
func toolFromArgv0(argv0 string) string {
	base := strings.TrimSuffix(filepath.Base(argv0), ".sh")
	if !strings.HasPrefix(base, "kafka-") {
		return ""
	}
	tool := strings.TrimPrefix(base, "kafka-")
	if tool == "server-start" {
		return "server"
	}
	return tool
}

// version is set at link time with -ldflags "-X main.version=…".
var version = "samsa (development build)"

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: samsa <command> [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-22s %s\n", n, commands[n].summary)
	}
}
