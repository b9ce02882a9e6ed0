// Package cluster is `samsa cluster`: a local development cluster in one
// directory. `up` writes a configuration file per node laid out like the
// tutorials' one-machine KRaft example (controller1.properties,
// broker1.properties, … with consecutive ports from 9093) and starts the
// nodes in the background; `status` tells which are running and reachable;
// `down` stops them.
//
// Samsa runs single-node clusters only, so far: `up` writes every file a
// multi-node cluster would use, but starts one combined broker+controller
// node (combined.properties) that answers on the first broker's address,
// and says so.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/cli"
	"samsa/internal/config"
	"samsa/internal/metadata"
	"samsa/internal/storage"
)

const description = "Start, inspect and stop a local Samsa cluster for development."

func usage(w io.Writer) {
	fmt.Fprintln(w, `usage: samsa cluster {up,status,down} [options]

Start, inspect and stop a local Samsa cluster for development.

commands:
  up      Write one configuration file per node into --dir and start the
          cluster in the background.
            samsa cluster up [--controllers 1] [--brokers 2] [--dir ./samsa-cluster] [--base-port 9093]
  status  Show which nodes of the cluster in --dir are running.
  down    Stop the nodes of the cluster in --dir.`)
}

// Run runs `samsa cluster`.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 1
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "--help":
		usage(stdout)
		return 0
	case "up":
		return runUp(ctx, rest, stdout, stderr)
	case "status":
		return runStatus(rest, stdout, stderr)
	case "down":
		return runDown(rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "samsa cluster: error: invalid choice: '%s' (choose from 'up', 'status', 'down')\n", sub)
	return 1
}

func dirOption() cli.Option {
	return cli.Option{Name: "dir", Kind: cli.Single, Metavar: "DIR", Default: "./samsa-cluster",
		Help: "The directory holding the cluster's configuration files, data, logs and process ids."}
}

func upParser() *cli.Parser {
	p := cli.NewParser("samsa cluster up", "Write per-node configuration files and start a local cluster.", cli.Argparse)
	p.Add(
		cli.Option{Name: "controllers", Kind: cli.Single, Type: cli.Int32, Metavar: "N", Default: "1",
			Help: "Number of controller nodes."},
		cli.Option{Name: "brokers", Kind: cli.Single, Type: cli.Int32, Metavar: "N", Default: "2",
			Help: "Number of broker nodes."},
		dirOption(),
		cli.Option{Name: "base-port", Kind: cli.Single, Type: cli.Int32, Metavar: "PORT", Default: "9093",
			Help: "The first controller's port; the other nodes take the ports after it."},
	)
	return p
}

// node is one planned cluster member.
type node struct {
	name string // controller1, broker2
	id   int32
	port int
	file string // its configuration file
}

// plan lays the cluster out as the tutorials do: controllers first (node
// ids from 1, ports from base), then brokers, each with its own port and
// data directory.
func plan(dir string, controllers, brokers int32, base int) (ctrl, brk []node) {
	id, port := int32(1), base
	for i := int32(1); i <= controllers; i++ {
		ctrl = append(ctrl, node{name: "controller" + strconv.Itoa(int(i)), id: id, port: port})
		id++
		port++
	}
	for i := int32(1); i <= brokers; i++ {
		brk = append(brk, node{name: "broker" + strconv.Itoa(int(i)), id: id, port: port})
		id++
		port++
	}
	for i := range ctrl {
		ctrl[i].file = filepath.Join(dir, "config", ctrl[i].name+".properties")
	}
	for i := range brk {
		brk[i].file = filepath.Join(dir, "config", brk[i].name+".properties")
	}
	return ctrl, brk
}

func voters(ctrl []node) string {
	parts := make([]string, len(ctrl))
	for i, c := range ctrl {
		parts[i] = fmt.Sprintf("%d@localhost:%d", c.id, c.port)
	}
	return strings.Join(parts, ",")
}

func controllerConfig(dir string, c node, ctrl []node) string {
	return fmt.Sprintf(`# Written by samsa cluster up.
process.roles=controller
node.id=%d
controller.quorum.voters=%s
listeners=CONTROLLER://localhost:%d
controller.listener.names=CONTROLLER
log.dirs=%s
`, c.id, voters(ctrl), c.port, filepath.Join(dir, "data", c.name))
}

func brokerConfig(dir string, b node, ctrl []node) string {
	return fmt.Sprintf(`# Written by samsa cluster up.
process.roles=broker
node.id=%d
controller.quorum.voters=%s
listeners=PLAINTEXT://localhost:%d
advertised.listeners=PLAINTEXT://localhost:%d
controller.listener.names=CONTROLLER
log.dirs=%s
`, b.id, voters(ctrl), b.port, b.port, filepath.Join(dir, "data", b.name))
}

// bootstrapPort is where the combined node takes clients: the first
// broker's port, or the one after the last controller's without brokers.
func bootstrapPort(ctrl, brk []node) int {
	if len(brk) > 0 {
		return brk[0].port
	}
	return ctrl[len(ctrl)-1].port + 1
}

// combinedName is the one node Samsa starts in place of the planned ones.
const combinedName = "combined"

// combinedConfig is a broker+controller node answering on the first
// broker's address and the first controller's port.
func combinedConfig(dir string, ctrl, brk []node) string {
	bport := bootstrapPort(ctrl, brk)
	return fmt.Sprintf(`# Written by samsa cluster up: Samsa runs single-node clusters only, so
# far, so this one node stands in for the controllers and brokers whose
# files are beside it. It answers on the first broker's address.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:%d
listeners=PLAINTEXT://localhost:%d,CONTROLLER://localhost:%d
advertised.listeners=PLAINTEXT://localhost:%d
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=%s
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
`, ctrl[0].port, bport, ctrl[0].port, bport, filepath.Join(dir, "data", combinedName))
}

func runUp(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	p := upParser()
	r, err := p.Parse(args)
	if err != nil {
		return p.Handle(err, stdout, stderr)
	}
	controllers, brokers, base := r.Int32("controllers"), r.Int32("brokers"), int(r.Int32("base-port"))
	switch {
	case controllers < 1:
		return p.Fail(stderr, "--controllers must be at least 1")
	case brokers < 0:
		return p.Fail(stderr, "--brokers must not be negative")
	case base < 1 || base+int(controllers+brokers) > 65535:
		return p.Fail(stderr, "--base-port %d leaves no room for %d nodes", base, controllers+brokers)
	}
	dir, err := filepath.Abs(r.String("dir"))
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	if pid, ok := runningPid(dir, combinedName); ok {
		fmt.Fprintf(stderr, "Error: the cluster in %s is already running (node %s, pid %d); run samsa cluster down first.\n", dir, combinedName, pid)
		return 1
	}
	ctrl, brk := plan(dir, controllers, brokers, base)
	if err := portsFree(ctrl[0].port, bootstrapPort(ctrl, brk)); err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	if err := writeConfigs(dir, ctrl, brk); err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	for _, n := range append(append([]node(nil), ctrl...), brk...) {
		fmt.Fprintf(stdout, "Wrote %s (node %d, localhost:%d).\n", n.file, n.id, n.port)
	}
	combined := filepath.Join(dir, "config", combinedName+".properties")
	fmt.Fprintf(stdout, "Note: Samsa runs single-node clusters only, so far; starting one combined broker+controller node (%s) in place of %d controller(s) and %d broker(s).\n",
		combined, controllers, brokers)
	clusterID, err := formatOnce(dir, combined)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	pid, logPath, err := start(dir, combinedName, combined)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	bootstrap := fmt.Sprintf("localhost:%d", bootstrapPort(ctrl, brk))
	if err := waitReady(ctx, bootstrap, pid, 30*time.Second); err != nil {
		fmt.Fprintf(stderr, "Error: node %s (pid %d) did not start: %v; see %s\n", combinedName, pid, err, logPath)
		return 1
	}
	fmt.Fprintf(stdout, "Started node %s (pid %d), cluster id %s, log %s.\n", combinedName, pid, clusterID, logPath)
	fmt.Fprintf(stdout, "Bootstrap servers: %s\n", bootstrap)
	return 0
}

func writeConfigs(dir string, ctrl, brk []node) error {
	if err := os.MkdirAll(filepath.Join(dir, "config"), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	write := func(path, text string) error {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return nil
	}
	for _, c := range ctrl {
		if err := write(c.file, controllerConfig(dir, c, ctrl)); err != nil {
			return err
		}
	}
	for _, b := range brk {
		if err := write(b.file, brokerConfig(dir, b, ctrl)); err != nil {
			return err
		}
	}
	return write(filepath.Join(dir, "config", combinedName+".properties"), combinedConfig(dir, ctrl, brk))
}

// formatOnce formats the node's directories with a new cluster id unless
// they already are, and returns the cluster id in use.
func formatOnce(dir, configPath string) (string, error) {
	cfg, _, err := config.Load(config.Sources{File: configPath})
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", configPath, err)
	}
	if m, err := storage.ReadMetaProperties(cfg.MetadataLogDir); err == nil {
		return m.ClusterID, nil
	}
	id := metadata.NewUuid().String()
	if _, err := storage.FormatDirs(cfg.DataDirs(), cfg.MetadataLogDir, id, cfg.NodeID, true); err != nil {
		return "", fmt.Errorf("formatting %s: %w", dir, err)
	}
	return id, nil
}

func pidPath(dir, name string) string { return filepath.Join(dir, name+".pid") }

// start runs `samsa server <config>` detached in its own session, its
// output appended to <dir>/logs/<name>.log, and records its pid.
func start(dir, name, configPath string) (int, string, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, "", fmt.Errorf("finding the samsa binary: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return 0, "", fmt.Errorf("creating the log directory: %w", err)
	}
	logPath := filepath.Join(dir, "logs", name+".log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, "", fmt.Errorf("opening %s: %w", logPath, err)
	}
	defer logf.Close()
	cmd := exec.Command(self, "server", configPath)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, "", fmt.Errorf("starting node %s: %w", name, err)
	}
	pid := cmd.Process.Pid
	// The node outlives this command; nothing waits for it here.
	if err := cmd.Process.Release(); err != nil {
		return 0, "", fmt.Errorf("detaching node %s: %w", name, err)
	}
	if err := os.WriteFile(pidPath(dir, name), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return 0, "", fmt.Errorf("recording the pid of node %s: %w", name, err)
	}
	return pid, logPath, nil
}

// waitReady waits until a broker answers on addr, failing early if the
// process pid exits (a port already taken, a bad configuration).
func waitReady(ctx context.Context, addr string, pid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if !alive(pid) {
			return errors.New("the process exited")
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
			if err != nil {
				return fmt.Errorf("creating a client for %s: %w", addr, err)
			}
			err = cli.Ping(ctx, cl, addr)
			cl.Close()
			if err == nil && alive(pid) {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not reachable after %v", addr, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// portsFree checks that nothing listens on the ports the node will bind.
func portsFree(ports ...int) error {
	for _, p := range ports {
		l, err := net.Listen("tcp", fmt.Sprintf("localhost:%d", p))
		if err != nil {
			return fmt.Errorf("port %d is in use; choose others with --base-port", p)
		}
		l.Close()
	}
	return nil
}

// alive reports whether pid is a running process (not a zombie).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no procfs: trust the signal check
	}
	// The state follows the parenthesised command name.
	if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

// runningPid reads <dir>/<name>.pid and reports whether that process is
// alive.
func runningPid(dir, name string) (int, bool) {
	b, err := os.ReadFile(pidPath(dir, name))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, alive(pid)
}

// nodeNames lists the nodes that have pid files in dir.
func nodeNames(dir string) []string {
	matches, _ := filepath.Glob(filepath.Join(dir, "*.pid"))
	names := make([]string, 0, len(matches))
	for _, m := range matches {
		names = append(names, strings.TrimSuffix(filepath.Base(m), ".pid"))
	}
	sort.Strings(names)
	return names
}

func dirParser(prog, desc string) *cli.Parser {
	p := cli.NewParser(prog, desc, cli.Argparse)
	p.Add(dirOption())
	return p
}

func runStatus(args []string, stdout, stderr io.Writer) int {
	p := dirParser("samsa cluster status", "Show which nodes of the local cluster are running.")
	r, err := p.Parse(args)
	if err != nil {
		return p.Handle(err, stdout, stderr)
	}
	dir, _ := filepath.Abs(r.String("dir"))
	names := nodeNames(dir)
	if len(names) == 0 {
		fmt.Fprintf(stdout, "No cluster in %s.\n", dir)
		return 1
	}
	allUp := true
	for _, n := range names {
		if pid, ok := runningPid(dir, n); ok {
			fmt.Fprintf(stdout, "Node %s: running (pid %d).\n", n, pid)
		} else {
			fmt.Fprintf(stdout, "Node %s: stopped.\n", n)
			allUp = false
		}
	}
	if !allUp {
		return 1
	}
	return 0
}

func runDown(args []string, stdout, stderr io.Writer) int {
	p := dirParser("samsa cluster down", "Stop the nodes of the local cluster.")
	r, err := p.Parse(args)
	if err != nil {
		return p.Handle(err, stdout, stderr)
	}
	dir, _ := filepath.Abs(r.String("dir"))
	names := nodeNames(dir)
	if len(names) == 0 {
		fmt.Fprintf(stdout, "No cluster in %s.\n", dir)
		return 0
	}
	code := 0
	for _, n := range names {
		pid, ok := runningPid(dir, n)
		if !ok {
			os.Remove(pidPath(dir, n))
			fmt.Fprintf(stdout, "Node %s was not running.\n", n)
			continue
		}
		if err := stop(pid, 30*time.Second); err != nil {
			fmt.Fprintf(stderr, "Error: stopping node %s (pid %d): %v\n", n, pid, err)
			code = 1
			continue
		}
		os.Remove(pidPath(dir, n))
		fmt.Fprintf(stdout, "Stopped node %s (pid %d).\n", n, pid)
	}
	return code
}

// stop sends SIGTERM (a clean shutdown) and waits for the process to go,
// escalating to SIGKILL after timeout.
func stop(pid int, timeout time.Duration) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for alive(pid) {
		if time.Now().After(deadline) {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				return err
			}
			return fmt.Errorf("no clean shutdown within %v; killed", timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}
