// Package tutorial runs the command sequences of the Kafka course notes
// Samsa is built for (../shared/seeds) through the bin/kafka-*.sh shims, as
// a learner types them, and checks what they print line by line: storage
// random-uuid and format, server start, topics, the console producer and
// consumer with keys, two console consumers in one group, consumer-groups
// --describe before and after they stop, metadata-quorum, dump-log and
// metadata-shell.
//
// Each test works in a fresh directory holding a copy of the repository's
// bin/ and config/ with the samsa binary beside the shims. Only the ports
// (9092 and 9093 in the tutorials) and the data directory
// (/tmp/kraft-combined-logs) are moved, so tests can run side by side.
package tutorial

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/cli"
	"samsa/internal/testbin"
)

// workspace is a Kafka-like installation directory: bin/, config/ and the
// data directory, with the tutorial's ports replaced by free ones.
type workspace struct {
	t          *testing.T
	dir        string
	dataDir    string
	port, ctrl int // replace 9092 and 9093
	server     *exec.Cmd
	serverOut  *testbin.SyncBuffer
}

func newWorkspace(t *testing.T) *workspace {
	t.Helper()
	root := repoRoot(t)
	w := &workspace{t: t, dir: t.TempDir()}
	w.dataDir = filepath.Join(w.dir, "kraft-combined-logs")
	w.port, w.ctrl = testbin.FreePort(t), testbin.FreePort(t)
	for w.ctrl == w.port {
		w.ctrl = testbin.FreePort(t)
	}
	// bin/: the shims as shipped, and the binary under test beside them.
	copyTree(t, filepath.Join(root, "bin"), filepath.Join(w.dir, "bin"))
	bin, err := os.ReadFile(testbin.Binary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.dir, "bin", "samsa"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	copyTree(t, filepath.Join(root, "config"), filepath.Join(w.dir, "config"))
	for _, f := range []string{"config/server.properties", "config/kraft/server.properties"} {
		path := filepath.Join(w.dir, f)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(w.relocate(string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(w.stopServer)
	return w
}

// relocate moves the tutorial's ports and data directory.
func (w *workspace) relocate(s string) string {
	s = strings.ReplaceAll(s, "/tmp/kraft-combined-logs", w.dataDir)
	s = strings.ReplaceAll(s, ":9092", fmt.Sprintf(":%d", w.port))
	return strings.ReplaceAll(s, ":9093", fmt.Sprintf(":%d", w.ctrl))
}

// unrelocate turns the moved ports and directory back into the tutorial's,
// so expected output reads as in the course notes.
func (w *workspace) unrelocate(s string) string {
	s = strings.ReplaceAll(s, w.dataDir, "/tmp/kraft-combined-logs")
	s = strings.ReplaceAll(s, fmt.Sprintf(":%d", w.port), ":9092")
	return strings.ReplaceAll(s, fmt.Sprintf(":%d", w.ctrl), ":9093")
}

// sh runs a command line as typed in the tutorial (from the installation
// directory, through /bin/sh) with the given stdin; it returns stdout and
// stderr with the tutorial's ports and paths put back.
func (w *workspace) sh(line, stdin string) (stdout, stderr string, code int) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", w.relocate(line))
	cmd.Dir = w.dir
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	code = testbin.ExitCode(cmd.Run())
	return w.unrelocate(o.String()), w.unrelocate(e.String()), code
}

// must runs line and fails the test unless it exits 0.
func (w *workspace) must(line, stdin string) string {
	w.t.Helper()
	out, errOut, code := w.sh(line, stdin)
	if code != 0 {
		w.t.Fatalf("%s\nexit %d\nstdout:\n%s\nstderr:\n%s", line, code, out, errOut)
	}
	return out
}

// startServer runs bin/kafka-server-start.sh in the background, as the
// tutorial does in its own terminal, and waits until it answers.
func (w *workspace) startServer(configFile string) {
	w.t.Helper()
	w.serverOut = &testbin.SyncBuffer{}
	w.server = exec.Command(filepath.Join(w.dir, "bin", "kafka-server-start.sh"), configFile)
	w.server.Dir = w.dir
	w.server.Stdout, w.server.Stderr = w.serverOut, w.serverOut
	if err := w.server.Start(); err != nil {
		w.t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(fmt.Sprintf("127.0.0.1:%d", w.port)))
	if err != nil {
		w.t.Fatal(err)
	}
	defer cl.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := cli.Ping(context.Background(), cl, "server"); err == nil {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("server did not start:\n%s", w.serverOut.String())
		}
	}
}

func (w *workspace) stopServer() {
	if w.server == nil || w.server.Process == nil {
		return
	}
	_ = w.server.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = w.server.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = w.server.Process.Kill()
		<-done
	}
	w.server = nil
}

// background is a tool left running, like a console consumer in a second
// terminal; stop ends it with Ctrl-C (SIGINT).
type background struct {
	cmd      *exec.Cmd
	out, err *testbin.SyncBuffer
	done     chan struct{}
}

func (w *workspace) background(line string) *background {
	w.t.Helper()
	b := &background{out: &testbin.SyncBuffer{}, err: &testbin.SyncBuffer{}, done: make(chan struct{})}
	// exec replaces the shell so that the signal reaches the tool.
	b.cmd = exec.Command("/bin/sh", "-c", "exec "+w.relocate(line))
	b.cmd.Dir = w.dir
	b.cmd.Stdout, b.cmd.Stderr = b.out, b.err
	if err := b.cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	go func() { _ = b.cmd.Wait(); close(b.done) }()
	w.t.Cleanup(func() { b.stop() })
	return b
}

// stop sends Ctrl-C and waits for the tool to exit.
func (b *background) stop() {
	select {
	case <-b.done:
		return
	default:
	}
	_ = b.cmd.Process.Signal(os.Interrupt)
	select {
	case <-b.done:
	case <-time.After(20 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.done
	}
}

// lines splits output into lines without the final newline.
func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// expect compares got with want line by line; a want line starting with
// "re:" is a regular expression the whole line must match.
func expect(t *testing.T, what, got string, want ...string) {
	t.Helper()
	g := lines(got)
	ok := len(g) == len(want)
	for i := 0; ok && i < len(g); i++ {
		ok = matchLine(g[i], want[i])
	}
	if !ok {
		t.Errorf("%s:\ngot:\n%s\nwant:\n%s", what, strings.Join(g, "\n"), strings.Join(want, "\n"))
	}
}

func matchLine(got, want string) bool {
	if re, ok := strings.CutPrefix(want, "re:"); ok {
		return regexp.MustCompile("^" + re + "$").MatchString(got)
	}
	return got == want
}

// eventually retries check until it passes or 20 s pass.
func eventually(t *testing.T, what string, check func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, last := check()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: never happened; last:\n%s", what, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// copyTree copies regular files and symbolic links from src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		switch {
		case info.IsDir():
			return os.MkdirAll(target, 0o755)
		case info.Mode()&os.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case rel == "samsa":
			return nil // a locally built binary; the test supplies its own
		default:
			in, err := os.Open(path)
			if err != nil {
				return err
			}
			defer in.Close()
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, in); err != nil {
				out.Close()
				return err
			}
			return out.Close()
		}
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}
