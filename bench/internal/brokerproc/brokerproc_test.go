package brokerproc

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestStartReportsAnExitWithItsOutput starts a process that prints and
// exits at once: Start must fail quickly, saying it exited and carrying
// what it printed, rather than waiting 60 s for a broker that never comes.
func TestStartReportsAnExitWithItsOutput(t *testing.T) {
	begin := time.Now()
	_, err := Start(context.Background(), "broken", []string{"sh", "-c", "echo cannot bind; exit 3"}, "127.0.0.1:1")
	if err == nil {
		t.Fatal("a process that exited at once was reported as started")
	}
	for _, want := range []string{"broken did not start", "exited", "cannot bind"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if took := time.Since(begin); took > 20*time.Second {
		t.Errorf("Start took %v to notice the exit", took)
	}
}

func TestStartMissingProgram(t *testing.T) {
	if _, err := Start(context.Background(), "missing", []string{"/nonexistent/samsa"}, "127.0.0.1:1"); err == nil {
		t.Fatal("a program that does not exist was started")
	}
}

func TestSamsaArgs(t *testing.T) {
	got := SamsaArgs("/bin/samsa", 29092, "/d", "a=b")
	want := []string{"/bin/samsa", "server",
		"--override", "log.dirs=/d",
		"--override", "listeners=PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093",
		"--override", "advertised.listeners=PLAINTEXT://127.0.0.1:29092",
		"--override", "a=b"}
	if !slices.Equal(got, want) {
		t.Fatalf("SamsaArgs = %q, want %q", got, want)
	}
}

func TestTail(t *testing.T) {
	if got := Tail("short"); got != "short" {
		t.Errorf("Tail(short) = %q", got)
	}
	long := strings.Repeat("a", 5000) + "end"
	got := Tail(long)
	if !strings.HasSuffix(got, "end") || !strings.HasPrefix(got, "…") || len(got) != len("…")+4000 {
		t.Errorf("Tail of 5003 bytes = %d bytes, prefix %q", len(got), got[:8])
	}
}
