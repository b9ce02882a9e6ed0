package quorum

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// childDirEnv makes the test binary run killChild instead of the tests.
const childDirEnv = "SAMSA_QUORUM_KILL_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		os.Exit(killChild(dir))
	}
	os.Exit(m.Run())
}

// killChild runs a single voter on dir with proposers that print "ack
// <index> <data>" for every acknowledged proposal, until it is killed.
func killChild(dir string) int {
	cfg := Config{NodeID: 1, Voters: singleVoter, Dir: dir, ClusterID: "kill", Transport: nopTransport{}}
	n, err := Open(cfg, &testSM{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 1
	}
	n.Start()
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	round := os.Getenv(childDirEnv + "_ROUND")
	for w := range 8 {
		go func() {
			for i := 0; ; i++ {
				data := fmt.Sprintf("r%s-w%d-%d", round, w, i)
				index, err := n.Propose(context.Background(), []byte(data))
				if err != nil {
					fmt.Fprintln(os.Stderr, "propose:", err)
					os.Exit(1)
				}
				mu.Lock()
				fmt.Fprintf(out, "ack %d %s\n", index, data)
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	select {}
}

// TestKill9LosesNoAcknowledgedProposal runs a single voter in a child
// process, kills it with SIGKILL while it acknowledges proposals, twice,
// and checks that the log recovered from disk holds every acknowledged
// proposal at its index.
func TestKill9LosesNoAcknowledgedProposal(t *testing.T) {
	dir := t.TempDir()
	acked := make(map[string]uint64)
	for round := range 2 {
		runAndKill(t, dir, round, acked)
	}
	sm := &testSM{}
	n, err := Open(Config{NodeID: 1, Voters: singleVoter, Dir: dir, ClusterID: "kill", Transport: nopTransport{}}, sm)
	if err != nil {
		t.Fatalf("open after kill -9: %v", err)
	}
	defer n.Close()
	applied := make(map[string]uint64)
	for _, e := range sm.snapshotEntries() {
		applied[string(e.Data)] = e.Index
	}
	for data, index := range acked {
		if got, ok := applied[data]; !ok || got != index {
			t.Fatalf("acknowledged %s at %d: after kill -9 found at %d (present %v)", data, index, got, ok)
		}
	}
	t.Logf("%d acknowledged proposals survived two kill -9s; %d entries applied", len(acked), len(applied))
}

func runAndKill(t *testing.T, dir string, round int, acked map[string]uint64) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir, childDirEnv+"_ROUND="+strconv.Itoa(round))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	deadline := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	killed := false
	for lines.Scan() {
		f := strings.Fields(lines.Text())
		if len(f) != 3 || f[0] != "ack" {
			t.Fatalf("child printed %q", lines.Text())
		}
		index, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		acked[f[2]] = index
		if !killed && len(acked) >= 1000*(round+1) {
			killed = true
			cmd.Process.Kill() // SIGKILL; acks already in the pipe still count
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatalf("child stopped after %d acknowledgements without being killed", len(acked))
	}
}
