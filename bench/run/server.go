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
	"time"

	"samsa/bench/internal/brokerproc"
)

// target is one broker configuration under test.
type target struct {
	name    string
	command func(o *options, bins brokerproc.Binaries, dataDir string) []string
}

var allTargets = []string{"samsa-pagecache", "samsa-fsync", "kfake-datadir", "kfake-sync"}

var targetByName = map[string]target{
	"samsa-pagecache": {"samsa-pagecache", func(o *options, b brokerproc.Binaries, dir string) []string {
		return samsaCommand(o, b, dir, "log.write.caching=true")
	}},
	"samsa-fsync": {"samsa-fsync", func(o *options, b brokerproc.Binaries, dir string) []string {
		return samsaCommand(o, b, dir)
	}},
	"kfake-datadir": {"kfake-datadir", func(o *options, b brokerproc.Binaries, dir string) []string {
		return []string{b.Kfake, "-port", strconv.Itoa(o.port), "-data-dir", dir}
	}},
	"kfake-sync": {"kfake-sync", func(o *options, b brokerproc.Binaries, dir string) []string {
		return []string{b.Kfake, "-port", strconv.Itoa(o.port), "-data-dir", dir, "-sync"}
	}},
}

func samsaCommand(o *options, b brokerproc.Binaries, dir string, extra ...string) []string {
	return brokerproc.SamsaArgs(b.Samsa, o.port, dir, append(extra, o.overrides...)...)
}

// startServer starts the target on an empty dataDir and waits until it
// answers metadata requests.
func startServer(ctx context.Context, o *options, bins brokerproc.Binaries, t target, dataDir string) (*brokerproc.Server, error) {
	return brokerproc.Start(ctx, t.name, t.command(o, bins, dataDir), fmt.Sprintf("127.0.0.1:%d", o.port))
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
