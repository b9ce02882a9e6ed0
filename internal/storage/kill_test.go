package storage

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// childEnv makes the test binary run runChild instead of the tests.
const childEnv = "SAMSA_STORAGE_KILL_CHILD"

// runChild appends to the log in dir until it is killed, syncing every few
// batches and printing the durable offset after each Sync.
func runChild(dir string) int {
	cfg := testConfig()
	cfg.SegmentBytes = 64 << 10
	l, err := Open(Options{Dir: dir, Config: cfg, Logger: quietLogger})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		if _, err := l.Append(makeBatch(int64(i), 1+i%5, 100+i%300, byte(i)), int32(i/500)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if i%8 == 7 {
			off, err := l.Sync()
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			fmt.Fprintf(out, "durable %d\n", off)
			out.Flush()
		}
	}
}

// TestKillDuringAppends kills a real process that appends and syncs, then
// recovers its log from the last durable offset it reported (as the
// recovery-point checkpoint would lag behind it).
func TestKillDuringAppends(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	for round := 0; round < 3; round++ {
		dir := testDir(t)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		durable := int64(0)
		deadline := time.Now().Add(time.Duration(150+100*round) * time.Millisecond)
		for lines.Scan() {
			if v, ok := strings.CutPrefix(lines.Text(), "durable "); ok {
				durable, _ = strconv.ParseInt(v, 10, 64)
			}
			if time.Now().After(deadline) && durable > 0 {
				break
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if durable == 0 {
			t.Fatal("child reported nothing durable")
		}
		cfg := testConfig()
		cfg.SegmentBytes = 64 << 10
		l := openTest(t, dir, cfg, withRecoveryPoint(durable))
		if l.LogEndOffset() < durable {
			t.Fatalf("round %d: log end %d below the reported durable offset %d", round, l.LogEndOffset(), durable)
		}
		got := readAll(t, l, 0)
		var records int64
		for _, b := range got {
			records += int64(b[60]) // recordCount's low byte: 1..5
		}
		if records != l.LogEndOffset() {
			t.Fatalf("round %d: %d records read, log end %d", round, records, l.LogEndOffset())
		}
		if info, err := l.Append(makeBatch(1, 1, 1, 0), 99); err != nil || info.BaseOffset != records {
			t.Fatalf("round %d: append after recovery %+v %v", round, info, err)
		}
		l.Close()
	}
}
