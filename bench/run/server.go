package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// target is one broker configuration under test.
type target struct {
	name    string
	command func(o *options, bins binaries, dataDir string) []string
}

var allTargets = []string{"samsa-pagecache", "samsa-fsync", "kfake-datadir", "kfake-sync"}

var targetByName = map[string]target{
	"samsa-pagecache": {"samsa-pagecache", func(o *options, b binaries, dir string) []string {
		return samsaCommand(o, b, dir, "log.write.caching=true")
	}},
	"samsa-fsync": {"samsa-fsync", func(o *options, b binaries, dir string) []string {
		return samsaCommand(o, b, dir)
	}},
	"kfake-datadir": {"kfake-datadir", func(o *options, b binaries, dir string) []string {
		return []string{b.kfake, "-port", strconv.Itoa(o.port), "-data-dir", dir}
	}},
	"kfake-sync": {"kfake-sync", func(o *options, b binaries, dir string) []string {
		return []string{b.kfake, "-port", strconv.Itoa(o.port), "-data-dir", dir, "-sync"}
	}},
}

func samsaCommand(o *options, b binaries, dir string, extra ...string) []string {
	overrides := []string{
		"log.dirs=" + dir,
		fmt.Sprintf("listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d", o.port, o.port+1),
		fmt.Sprintf("advertised.listeners=PLAINTEXT://127.0.0.1:%d", o.port),
	}
	overrides = append(append(overrides, extra...), o.overrides...)
	args := []string{b.samsa, "server"}
	for _, ov := range overrides {
		args = append(args, "--override", ov)
	}
	return args
}

// server is a running broker process.
type server struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	exited chan struct{} // closed when the process has exited
	err    error         // Wait's result, valid after exited
	addr   string
}

// startServer starts the target on an empty dataDir and waits until it
// answers metadata requests; a process that exits or stays silent for
// 60 s is an error carrying its output.
func startServer(ctx context.Context, o *options, bins binaries, t target, dataDir string) (*server, error) {
	argv := t.command(o, bins, dataDir)
	cmd := exec.Command(argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", t.name, err)
	}
	s := &server{cmd: cmd, stderr: &out, exited: make(chan struct{}), addr: fmt.Sprintf("127.0.0.1:%d", o.port)}
	go func() { s.err = cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, fmt.Errorf("%s did not start (%s): %w\n--- its output ---\n%s", t.name, strings.Join(argv, " "), err, tail(out.String()))
	}
	return s, nil
}

func (s *server) waitReady(ctx context.Context) error {
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

// createTopic makes the benchmark topic and waits until every partition
// has a leader that answers ListOffsets.
func (s *server) createTopic(ctx context.Context, topic string, partitions int32) error {
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

// stop sends SIGTERM and waits up to 30 s, then kills; it reports a
// server that had to be killed or had already died.
func (s *server) stop() error {
	select {
	case <-s.exited:
		return fmt.Errorf("server had exited during the run: %v\n%s", s.err, tail(s.stderr.String()))
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

func tail(s string) string {
	const max = 4000
	if len(s) > max {
		return "…" + s[len(s)-max:]
	}
	return s
}

// cpuSampler records a process's CPU time (utime+stime) every 100 ms.
type cpuSampler struct {
	mu      sync.Mutex
	samples []cpuSample
	stop    chan struct{}
	done    chan struct{}
}

type cpuSample struct {
	at  time.Time
	cpu time.Duration
}

func startCPUSampler(pid int, tick time.Duration) *cpuSampler {
	c := &cpuSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop(pid, tick)
	return c
}

func (c *cpuSampler) loop(pid int, tick time.Duration) {
	defer close(c.done)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		c.sample(pid, tick)
		select {
		case <-c.stop:
			// A last sample, so that the window's end (stamped by the
			// producer just before it exited) lies inside the samples.
			c.sample(pid, tick)
			return
		case <-t.C:
		}
	}
}

func (c *cpuSampler) sample(pid int, tick time.Duration) {
	cpu, err := processCPU(pid, tick)
	if err != nil {
		return
	}
	c.mu.Lock()
	c.samples = append(c.samples, cpuSample{time.Now(), cpu})
	c.mu.Unlock()
}

// finish stops sampling and returns the samples.
func (c *cpuSampler) finish() []cpuSample {
	close(c.stop)
	<-c.done
	return c.samples
}

// processCPU reads utime+stime of pid; tick is the kernel's clock tick.
func processCPU(pid int, tick time.Duration) (time.Duration, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses and may
	// contain spaces: state is field 3, utime 14, stime 15.
	rest := string(data[bytes.LastIndexByte(data, ')')+1:])
	fields := strings.Fields(rest)
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * tick, nil
}

// cpuBetween interpolates the CPU time used between two instants.
func cpuBetween(samples []cpuSample, from, to time.Time) (time.Duration, error) {
	a, errA := cpuAt(samples, from)
	b, errB := cpuAt(samples, to)
	if err := errors.Join(errA, errB); err != nil {
		return 0, err
	}
	return b - a, nil
}

func cpuAt(samples []cpuSample, at time.Time) (time.Duration, error) {
	for i := 1; i < len(samples); i++ {
		s0, s1 := samples[i-1], samples[i]
		if at.Before(s0.at) || at.After(s1.at) {
			continue
		}
		frac := float64(at.Sub(s0.at)) / float64(s1.at.Sub(s0.at))
		return s0.cpu + time.Duration(frac*float64(s1.cpu-s0.cpu)), nil
	}
	if len(samples) == 0 {
		return 0, fmt.Errorf("no CPU samples of the server were taken")
	}
	return 0, fmt.Errorf("no CPU samples around %s (%d samples from %s to %s)", at.Format(time.RFC3339Nano),
		len(samples), samples[0].at.Format(time.RFC3339Nano), samples[len(samples)-1].at.Format(time.RFC3339Nano))
}

// clockTick is the kernel's USER_HZ, the unit of /proc/<pid>/stat times.
func clockTick() time.Duration {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err != nil {
		return 10 * time.Millisecond
	}
	hz, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || hz <= 0 {
		return 10 * time.Millisecond
	}
	return time.Second / time.Duration(hz)
}
