package storagetool

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"samsa/internal/storage"
	"samsa/internal/testbin"
)

// writeConfig writes a server.properties for one node with two data
// directories and a separate metadata directory.
func writeConfig(t *testing.T, quorum string) (path, dir string) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, "server.properties")
	text := fmt.Sprintf(`process.roles=broker,controller
node.id=1
%s
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
controller.listener.names=CONTROLLER
log.dirs=%s/a,%s/b
metadata.log.dir=%s/m
`, quorum, dir, dir, dir)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, dir
}

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return testbin.RunBinary(testbin.Binary(t), nil, append([]string{"storage"}, args...)...)
}

func TestRandomUUID(t *testing.T) {
	a, _, code := run(t, "random-uuid")
	b, _, _ := run(t, "random-uuid")
	re := regexp.MustCompile(`^[A-Za-z0-9_-]{22}\n$`)
	if code != 0 || !re.MatchString(a) || !re.MatchString(b) || a == b {
		t.Fatalf("random-uuid: exit %d, %q then %q", code, a, b)
	}
	if _, err := storage.ParseUUID(strings.TrimSpace(a)); err != nil {
		t.Fatalf("random-uuid printed %q: %v", a, err)
	}
}

func TestFormatAndInfo(t *testing.T) {
	cfg, dir := writeConfig(t, "controller.quorum.voters=1@localhost:9093")
	const id = "MdyIwpbTSbeqSuUYQ4yTCw"
	out, errOut, code := run(t, "format", "-t", id, "-c", cfg)
	want := fmt.Sprintf(`Formatting data directory %[1]s/a with metadata.version 4.0-IV3.
Formatting data directory %[1]s/b with metadata.version 4.0-IV3.
Formatting metadata directory %[1]s/m with metadata.version 4.0-IV3.
`, dir)
	if code != 0 || out != want || errOut != "" {
		t.Fatalf("format: exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", code, out, want, errOut)
	}
	// Twice: refused, naming the flag that skips formatted directories.
	out, errOut, code = run(t, "format", "-t", id, "-c", cfg)
	if code != 1 || out != "" || errOut != fmt.Sprintf("Log directory %s/a is already formatted. Use --ignore-formatted to ignore this directory and format the others.\n", dir) {
		t.Fatalf("second format: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// --ignore-formatted formats only what is new.
	if err := os.RemoveAll(filepath.Join(dir, "b")); err != nil {
		t.Fatal(err)
	}
	out, _, code = run(t, "format", "-g", "-t", id, "-c", cfg)
	if code != 0 || out != fmt.Sprintf("Formatting data directory %s/b with metadata.version 4.0-IV3.\n", dir) {
		t.Fatalf("format -g: exit %d, %q", code, out)
	}
	out, _, code = run(t, "format", "--ignore-formatted", "-t", id, "-c", cfg)
	if code != 0 || out != "All of the log directories are already formatted.\n" {
		t.Fatalf("format -g, all done: exit %d, %q", code, out)
	}

	out, _, code = run(t, "info", "-c", cfg)
	m, err := storage.ReadMetaProperties(filepath.Join(dir, "a"))
	if err != nil {
		t.Fatal(err)
	}
	want = fmt.Sprintf(`Found log directories:
  %[1]s/a
  %[1]s/b
  %[1]s/m

Found metadata: {cluster.id=%[2]s, directory.id=%[3]s, node.id=1, version=1}

`, dir, id, m.DirectoryID)
	if code != 0 || out != want {
		t.Fatalf("info: exit %d\n%s\nwant:\n%s", code, out, want)
	}
	// An unformatted directory is a problem info reports, exit 1.
	if err := os.RemoveAll(filepath.Join(dir, "b")); err != nil {
		t.Fatal(err)
	}
	out, _, code = run(t, "info", "-c", cfg)
	if code != 1 || !strings.Contains(out, fmt.Sprintf("Found problem:\n  %s/b does not exist\n", dir)) {
		t.Fatalf("info with a missing directory: exit %d\n%s", code, out)
	}
}

func TestQuorumFlags(t *testing.T) {
	const id = "MdyIwpbTSbeqSuUYQ4yTCw"
	static, _ := writeConfig(t, "controller.quorum.voters=1@localhost:9093")
	dynamic, dir := writeConfig(t, "controller.quorum.bootstrap.servers=localhost:9093")
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"-c", dynamic}, "Because controller.quorum.voters is not set on this controller, you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers."},
		{[]string{"-c", dynamic, "--standalone", "--no-initial-controllers"}, "Only one of --standalone, --initial-controllers, or --no-initial-controllers can be specified."},
		{[]string{"-c", static, "--standalone"}, "You cannot specify --standalone, --initial-controllers, or --no-initial-controllers when controller.quorum.voters is set; the voters are static."},
		{[]string{"-c", dynamic, "--initial-controllers", "1localhost:9093"}, "No '@' found in the controller entry '1localhost:9093' of --initial-controllers (expected id@host:port:directory-id)."},
		{[]string{"-c", dynamic, "--initial-controllers", "1@localhost:9093:nope"}, "Failed to parse directory id 'nope' in the controller entry '1@localhost:9093:nope' of --initial-controllers."},
		{[]string{"-c", dynamic, "--initial-controllers", "1@localhost:9093:jLYaOMXMYKmb-SprxIjBaw,2@localhost:9094:Hy_UGgBM5d64NdQereFw3w"}, "--initial-controllers with more than one controller is not supported yet: Samsa runs single-node quorums so far; use --standalone."},
		{[]string{"-c", dynamic, "--standalone", "-t", "short"}, "Cluster ID string short does not appear to be a valid UUID"},
	} {
		args := append([]string{"format"}, tc.args...)
		if !strings.Contains(strings.Join(args, " "), " -t ") {
			args = append(args, "-t", id)
		}
		out, errOut, code := run(t, args...)
		if code != 1 || out != "" || !strings.HasPrefix(errOut, tc.err) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q\nwant %q", tc.args, code, out, errOut, tc.err)
		}
	}
	// One initial controller that is this node names its metadata
	// directory's id.
	out, errOut, code := run(t, "format", "-t", id, "-c", dynamic, "--initial-controllers", "1@localhost:9093:jLYaOMXMYKmb-SprxIjBaw")
	if code != 0 {
		t.Fatalf("format --initial-controllers: exit %d\n%s%s", code, out, errOut)
	}
	m, err := storage.ReadMetaProperties(filepath.Join(dir, "m"))
	if err != nil || m.DirectoryID != "jLYaOMXMYKmb-SprxIjBaw" {
		t.Fatalf("metadata directory id %q (%v), want the one given", m.DirectoryID, err)
	}
	if a, _ := storage.ReadMetaProperties(filepath.Join(dir, "a")); a.DirectoryID == m.DirectoryID {
		t.Fatal("a data directory took the metadata directory's id")
	}
}

func TestUsageErrors(t *testing.T) {
	out, errOut, code := run(t)
	if code != 1 || out != "" || !strings.HasPrefix(errOut, "usage: kafka-storage [-h] {info,format,random-uuid} ...") {
		t.Errorf("no arguments: exit %d, %q, %q", code, out, errOut)
	}
	out, _, code = run(t, "--help")
	if code != 0 || !strings.HasPrefix(out, "usage: kafka-storage") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
	_, errOut, code = run(t, "frobnicate")
	if code != 1 || errOut != "kafka-storage: error: invalid choice: 'frobnicate' (choose from 'info', 'format', 'random-uuid')\n" {
		t.Errorf("unknown subcommand: exit %d, %q", code, errOut)
	}
	_, errOut, code = run(t, "format", "-t", "MdyIwpbTSbeqSuUYQ4yTCw")
	if code != 1 || !strings.Contains(errOut, "-c") {
		t.Errorf("format without -c: exit %d, %q", code, errOut)
	}
	_, errOut, code = run(t, "format", "-t", "MdyIwpbTSbeqSuUYQ4yTCw", "-c", "/nonexistent/server.properties")
	if code != 1 || !strings.Contains(errOut, "/nonexistent/server.properties") {
		t.Errorf("missing config file: exit %d, %q", code, errOut)
	}
}
