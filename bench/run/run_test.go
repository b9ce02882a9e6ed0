package main

import (
	"os"
	"syscall"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	cases := []struct {
		in   []float64
		want float64
	}{
		{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, c := range cases {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestCPUBetweenInterpolates(t *testing.T) {
	t0 := time.Unix(100, 0)
	samples := []cpuSample{
		{t0, 0},
		{t0.Add(time.Second), 500 * time.Millisecond},
		{t0.Add(2 * time.Second), 1500 * time.Millisecond},
	}
	got, err := cpuBetween(samples, t0.Add(500*time.Millisecond), t0.Add(1500*time.Millisecond))
	if err != nil || got != 750*time.Millisecond {
		t.Fatalf("cpuBetween = %v, %v; want 750ms", got, err)
	}
	if _, err := cpuBetween(samples, t0.Add(-time.Millisecond), t0.Add(time.Second)); err == nil {
		t.Fatal("a window starting before the first sample was accepted")
	}
}

// TestProcessCPU compares this test process's /proc/<pid>/stat reading
// with getrusage around some spinning, so the parsing of utime and stime
// is checked against the kernel.
func TestProcessCPU(t *testing.T) {
	tick := clockTick()
	before, err := processCPU(os.Getpid(), tick)
	if err != nil {
		t.Fatal(err)
	}
	ruBefore := rusage(t)
	for start := rusage(t); rusage(t)-start < 200*time.Millisecond; {
	}
	after, err := processCPU(os.Getpid(), tick)
	if err != nil {
		t.Fatal(err)
	}
	want := rusage(t) - ruBefore
	if diff := (after - before - want).Abs(); diff > 5*tick {
		t.Fatalf("/proc says %v of CPU, getrusage %v", after-before, want)
	}
}

func rusage(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
