package cluster

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"samsa/internal/testbin"
)

// freeBase finds three consecutive free loopback ports.
func freeBase(t *testing.T) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		base := testbin.FreePort(t)
		if base+2 > 65535 {
			continue
		}
		if portsFree(base, base+1, base+2) == nil {
			return base
		}
	}
	t.Fatal("no three consecutive free ports")
	return 0
}

func TestUpStatusDown(t *testing.T) {
	bin := testbin.Binary(t)
	dir := t.TempDir()
	base := freeBase(t)
	run := func(args ...string) (string, string, int) {
		return testbin.RunBinary(bin, nil, append(args, "--dir", dir)...)
	}
	out, errOut, code := run("cluster", "up", "--controllers", "1", "--brokers", "2", "--base-port", fmt.Sprint(base))
	if code != 0 {
		t.Fatalf("up: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Cleanup(func() { run("cluster", "down") })
	want := []string{
		fmt.Sprintf("Wrote %s (node 1, localhost:%d).", filepath.Join(dir, "config", "controller1.properties"), base),
		fmt.Sprintf("Wrote %s (node 2, localhost:%d).", filepath.Join(dir, "config", "broker1.properties"), base+1),
		fmt.Sprintf("Wrote %s (node 3, localhost:%d).", filepath.Join(dir, "config", "broker2.properties"), base+2),
		fmt.Sprintf("Note: Samsa runs single-node clusters only, so far; starting one combined broker+controller node (%s) in place of 1 controller(s) and 2 broker(s).", filepath.Join(dir, "config", "combined.properties")),
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("up printed %d lines, want 6:\n%s", len(lines), out)
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d:\n got %q\nwant %q", i+1, lines[i], w)
		}
	}
	if !regexp.MustCompile(`^Started node combined \(pid \d+\), cluster id [A-Za-z0-9_-]{22}, log .*combined\.log\.$`).MatchString(lines[4]) {
		t.Errorf("line 5: %q", lines[4])
	}
	if lines[5] != fmt.Sprintf("Bootstrap servers: localhost:%d", base+1) {
		t.Errorf("line 6: %q", lines[5])
	}
	b, err := os.ReadFile(filepath.Join(dir, "config", "broker2.properties"))
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range []string{"process.roles=broker\n", "node.id=3\n", fmt.Sprintf("controller.quorum.voters=1@localhost:%d\n", base), fmt.Sprintf("listeners=PLAINTEXT://localhost:%d\n", base+2)} {
		if !strings.Contains(string(b), kv) {
			t.Errorf("broker2.properties lacks %q:\n%s", kv, b)
		}
	}

	// The node serves Kafka clients on the first broker's address.
	c, err := net.Dial("tcp", fmt.Sprintf("localhost:%d", base+1))
	if err != nil {
		t.Fatalf("broker address: %v", err)
	}
	c.Close()

	out, _, code = run("cluster", "status")
	if code != 0 || !regexp.MustCompile(`^Node combined: running \(pid \d+\)\.\n$`).MatchString(out) {
		t.Fatalf("status: exit %d, %q", code, out)
	}
	// A second up refuses while it runs.
	_, errOut, code = run("cluster", "up", "--base-port", fmt.Sprint(base))
	if code != 1 || !strings.Contains(errOut, "is already running") {
		t.Fatalf("second up: exit %d, stderr %q", code, errOut)
	}
	out, _, code = run("cluster", "down")
	if code != 0 || !regexp.MustCompile(`^Stopped node combined \(pid \d+\)\.\n$`).MatchString(out) {
		t.Fatalf("down: exit %d, %q", code, out)
	}
	out, _, code = run("cluster", "status")
	if code != 1 || out != fmt.Sprintf("No cluster in %s.\n", dir) {
		t.Fatalf("status after down: exit %d, %q", code, out)
	}
	// The data survives: up again reuses the formatted directories.
	out, errOut, code = run("cluster", "up", "--base-port", fmt.Sprint(base))
	if code != 0 {
		t.Fatalf("up again: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, _, code = run("cluster", "down"); code != 0 {
		t.Fatal("down again failed")
	}
}

func TestBadInput(t *testing.T) {
	bin := testbin.Binary(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cluster"}, "usage: samsa cluster"},
		{[]string{"cluster", "sideways"}, "invalid choice: 'sideways'"},
		{[]string{"cluster", "up", "--controllers", "0", "--dir", dir}, "--controllers must be at least 1"},
		{[]string{"cluster", "up", "--bogus", "--dir", dir}, "bogus"},
	} {
		_, errOut, code := testbin.RunBinary(bin, nil, tc.args...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want exit 1 and %q", tc.args, code, errOut, tc.want)
		}
	}
	// A taken port is named before anything is written or started.
	l, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	_, errOut, code := testbin.RunBinary(bin, nil, "cluster", "up", "--dir", dir, "--base-port", fmt.Sprint(port))
	if code != 1 || !strings.Contains(errOut, fmt.Sprintf("port %d is in use", port)) {
		t.Errorf("taken port: exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "config")); !os.IsNotExist(err) {
		t.Errorf("configs written despite the taken port: %v", err)
	}
}
