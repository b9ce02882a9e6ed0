// Package testbin runs the real samsa binary for tests: it builds it once
// per test process, starts nodes on free loopback ports in temporary data
// directories, and stops, kills (SIGKILL) and restarts them. Interop and
// fault tests drive these processes with real clients.
package testbin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Binary builds the samsa command once per test process (the go build
// cache makes repeats cheap) and returns its path. SAMSA_BIN overrides it
// with a prebuilt binary.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("SAMSA_BIN"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "samsa-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "samsa")
		out, err := exec.Command("go", "build", "-o", buildPath, "samsa/cmd/samsa").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build samsa: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// Node is one samsa server process.
type Node struct {
	t       testing.TB
	bin     string
	Dir     string // data directory
	Port    int    // PLAINTEXT listener
	CtlPort int    // CONTROLLER listener
	args    []string
	// custom replaces the default server arguments (see Args); env adds
	// environment variables.
	custom []string
	env    []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	logs *bytes.Buffer
	done chan struct{}
}

// Option adjusts a node before it starts.
type Option func(*Node)

// Override adds a --override key=value argument.
func Override(kv string) Option { return func(n *Node) { n.args = append(n.args, "--override", kv) } }

// Args replaces the default `server --override …` arguments: the test
// configures the node itself (a properties file, the environment), using
// the node's Dir, Port and CtlPort. fn receives the node before it starts.
func Args(fn func(n *Node) []string) Option {
	return func(n *Node) { n.custom = fn(n) }
}

// Env adds KEY=value environment variables to the server process.
func Env(kv ...string) Option { return func(n *Node) { n.env = append(n.env, kv...) } }

// Start starts a node and waits until it answers Metadata. The node is
// killed when the test ends.
func Start(t testing.TB, opts ...Option) *Node {
	t.Helper()
	n := &Node{t: t, bin: Binary(t), Dir: t.TempDir(), Port: FreePort(t), CtlPort: FreePort(t)}
	for _, o := range opts {
		o(n)
	}
	n.start()
	t.Cleanup(func() { n.Kill() })
	return n
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Addr is the bootstrap address of the node.
func (n *Node) Addr() string { return "127.0.0.1:" + strconv.Itoa(n.Port) }

func (n *Node) commandArgs() []string {
	if n.custom != nil {
		return n.custom
	}
	args := []string{"server",
		"--override", "log.dirs=" + n.Dir,
		"--override", fmt.Sprintf("listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d", n.Port, n.CtlPort),
		"--override", fmt.Sprintf("advertised.listeners=PLAINTEXT://127.0.0.1:%d", n.Port),
		"--override", fmt.Sprintf("controller.quorum.voters=1@127.0.0.1:%d", n.CtlPort),
	}
	return append(args, n.args...)
}

func (n *Node) start() {
	n.t.Helper()
	n.mu.Lock()
	cmd := exec.Command(n.bin, n.commandArgs()...)
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = &lockedWriter{w: logs, mu: &n.mu}, &lockedWriter{w: logs, mu: &n.mu}
	cmd.Env = append(append(os.Environ(), "SAMSA_LOG_LEVEL=info"), n.env...)
	if err := cmd.Start(); err != nil {
		n.mu.Unlock()
		n.t.Fatalf("starting samsa: %v", err)
	}
	done := make(chan struct{})
	n.cmd, n.logs, n.done = cmd, logs, done
	n.mu.Unlock()
	go func() {
		cmd.Wait()
		close(done)
	}()
	if err := n.waitReady(30 * time.Second); err != nil {
		n.Kill()
		n.t.Fatalf("samsa did not become ready: %v\n%s", err, n.Logs())
	}
}

// waitReady polls Metadata until the broker lists itself.
func (n *Node) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-n.done:
			return fmt.Errorf("process exited")
		default:
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(n.Addr()), kgo.RequestRetries(0))
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			resp, rerr := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
			cancel()
			cl.Close()
			if rerr == nil && len(resp.Brokers) > 0 {
				return nil
			}
			last = rerr
		} else {
			last = err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("timed out: %v", last)
}

// Logs returns what the process has printed so far.
func (n *Node) Logs() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.logs == nil {
		return ""
	}
	return n.logs.String()
}

// Stop sends SIGTERM and waits for a clean exit, failing the test if the
// process does not exit cleanly within the timeout.
func (n *Node) Stop() {
	n.t.Helper()
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		n.t.Fatalf("samsa did not stop within 30s after SIGTERM\n%s", n.Logs())
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		n.t.Errorf("samsa exited with code %d after SIGTERM\n%s", code, n.Logs())
	}
	n.mu.Lock()
	n.cmd = nil
	n.mu.Unlock()
}

// Kill sends SIGKILL: no shutdown code runs, as after a crash.
func (n *Node) Kill() {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.cmd = nil
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	<-done
}

// Restart starts the stopped or killed node again on the same ports and
// data directory.
func (n *Node) Restart() {
	n.t.Helper()
	n.start()
}

// Run runs another samsa subcommand (a tool) and returns its output and
// exit code.
func (n *Node) Run(args ...string) (stdout, stderr string, code int) {
	return RunBinary(n.bin, nil, args...)
}

// RunBinary runs the samsa binary to completion with extra environment
// variables and returns its output and exit code.
func RunBinary(bin string, env []string, args ...string) (stdout, stderr string, code int) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	code = ExitCode(cmd.Run())
	return o.String(), e.String(), code
}

// ExitCode is the exit code of a finished command from the error its Run
// or Wait returned: 0 for nil, -1 when it did not run or exit normally.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// SyncBuffer collects a running process's output while a test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Client returns a franz-go client for the node, closed with the test.
func (n *Node) Client(opts ...kgo.Opt) *kgo.Client {
	n.t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(n.Addr())}, opts...)...)
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(cl.Close)
	return cl
}

// LogContains reports whether the node printed s.
func (n *Node) LogContains(s string) bool { return strings.Contains(n.Logs(), s) }

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// CompareOutput fails t unless got equals want, naming the first line that
// differs (what says which output) and showing the whole output got.
func CompareOutput(t testing.TB, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			t.Errorf("%s line %d:\n got  %q\n want %q\nwhole output:\n%s", what, i+1, gl, wl, got)
			return
		}
	}
}
