// Package brokerproc starts the brokers Samsa's benchmarks compare: the
// samsa binary and bench/kfakeserver (franz-go's kfake), each as a separate
// process on an empty data directory, so that a benchmark measures the
// broker and not state left by an earlier run.
//
// A Server is started by Start, which returns only once the broker answers
// a Metadata request (or fails with the process's output); Stop ends it
// with SIGTERM and reports a broker that died during the run or ignored
// the signal, so that no benchmark reports numbers from a crashed target.
package brokerproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Binaries are the broker programs a benchmark runs.
type Binaries struct {
	Samsa string
	Kfake string
}

// Build builds samsa and kfakeserver into outDir from the module in the
// working directory or, when binDir is not empty, takes both from binDir.
func Build(ctx context.Context, binDir, outDir string) (Binaries, error) {
	if binDir != "" {
		b := Binaries{Samsa: filepath.Join(binDir, "samsa"), Kfake: filepath.Join(binDir, "kfakeserver")}
		for _, p := range []string{b.Samsa, b.Kfake} {
			if _, err := os.Stat(p); err != nil {
				return b, fmt.Errorf("-bin: %w", err)
			}
		}
		return b, nil
	}
	b := Binaries{Samsa: filepath.Join(outDir, "samsa"), Kfake: filepath.Join(outDir, "kfakeserver")}
	for pkg, out := range map[string]string{"./cmd/samsa": b.Samsa, "./bench/kfakeserver": b.Kfake} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("go build %s (run from the repository root): %w\n%s", pkg, err, msg)
		}
	}
	return b, nil
}

// SamsaArgs is the command line of a single-node samsa server listening
// on 127.0.0.1:port (its controller on port+1) with its log in dataDir;
// overrides are further --override key=value settings.
func SamsaArgs(samsa string, port int, dataDir string, overrides ...string) []string {
	all := []string{
		"log.dirs=" + dataDir,
		fmt.Sprintf("listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d", port, port+1),
		fmt.Sprintf("advertised.listeners=PLAINTEXT://127.0.0.1:%d", port),
	}
	all = append(all, overrides...)
	args := []string{samsa, "server"}
	for _, ov := range all {
		args = append(args, "--override", ov)
	}
	return args
}

// Server is a running broker process. Its methods are not safe for
// concurrent use, except that Pid and Addr may be called at any time.
type Server struct {
	name   string
	cmd    *exec.Cmd
	output *bytes.Buffer
	exited chan struct{} // closed when the process has exited
	err    error         // Wait's result, valid after exited
	addr   string
}

// Start runs argv as the broker called name, listening on addr, and waits
// until it answers metadata requests; a process that exits or stays
// silent for 60 s is an error carrying its output.
func Start(ctx context.Context, name string, argv []string, addr string) (*Server, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &Server{name: name, cmd: cmd, output: &out, exited: make(chan struct{}), addr: addr}
	go func() { s.err = cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("%s did not start (%s): %w\n--- its output ---\n%s", name, strings.Join(argv, " "), err, Tail(out.String()))
	}
	return s, nil
}

// Addr is the broker's host:port.
func (s *Server) Addr() string { return s.addr }

// Pid is the broker's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Output is what the broker has printed so far. Call it only after Stop:
// the process writes the buffer while it runs.
func (s *Server) Output() string { return s.output.String() }

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.addr))
	if err != nil {
		return err
	}
	defer cl.Close()
	for {
		reqCtx, reqCancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := kadm.NewClient(cl).BrokerMetadata(reqCtx)
		reqCancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("exited: %v", s.err)
		case <-ctx.Done():
			return fmt.Errorf("no metadata answer within 60 s: %w", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// CreateTopic makes a replication-factor-1 topic and waits until every
// partition has a leader that answers ListOffsets.
func (s *Server) CreateTopic(ctx context.Context, topic string, partitions int32) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.addr))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	for {
		err := tryCreate(ctx, adm, topic, partitions)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("create topic %s: %w", topic, err)
		case <-s.exited:
			return fmt.Errorf("server exited while creating the topic: %v", s.err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func tryCreate(ctx context.Context, adm *kadm.Client, topic string, partitions int32) error {
	resp, err := adm.CreateTopic(ctx, partitions, 1, nil, topic)
	if err == nil && resp.Err != nil && !errors.Is(resp.Err, kerr.TopicAlreadyExists) {
		err = resp.Err
	}
	if err != nil {
		return err
	}
	offsets, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return err
	}
	ready := 0
	offsets.Each(func(o kadm.ListedOffset) {
		if o.Err == nil {
			ready++
		}
	})
	if ready != int(partitions) {
		return fmt.Errorf("%d of %d partitions ready", ready, partitions)
	}
	return nil
}

// Exited is closed when the broker process has exited.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// Stop sends SIGTERM and waits up to 30 s, then kills; it reports a
// server that had to be killed or had already died.
func (s *Server) Stop() error {
	select {
	case <-s.exited:
		return fmt.Errorf("server had exited during the run: %v\n%s", s.err, Tail(s.output.String()))
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return nil
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return errors.New("server ignored SIGTERM for 30 s and was killed")
	}
}

// Tail is the last 4000 bytes of s, for error messages carrying a
// process's output.
func Tail(s string) string {
	const max = 4000
	if len(s) > max {
		return "…" + s[len(s)-max:]
	}
	return s
}
