package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"samsa/bench/internal/brokerproc"
)

func run(ctx context.Context, o *options) error {
	binDir, err := os.MkdirTemp("", "samsa-bench-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(binDir)
	bins, err := brokerproc.Build(ctx, o.binDir, binDir)
	if err != nil {
		return err
	}
	printSetup(o)
	tick := clockTick()
	var results []runResult
	var fio []float64
	for round := 1; round <= o.rounds; round++ {
		if o.fio {
			bw, err := fioBandwidth(ctx, o.dataRoot, o.fioBlock)
			if err != nil {
				return err
			}
			fmt.Printf("round %d: fio buffered write + fdatasync every %s: %.1f MiB/s\n", round, o.fioBlock, bw)
			fio = append(fio, bw)
		}
		rs, err := runRound(ctx, o, bins, round, tick)
		results = append(results, rs...)
		if err != nil {
			return err
		}
	}
	report(os.Stdout, o, results, fio)
	if o.jsonOut != "" {
		data, _ := json.MarshalIndent(map[string]any{"runs": results, "fio_mib_per_sec": fio}, "", "  ")
		return os.WriteFile(o.jsonOut, data, 0o644)
	}
	return nil
}

// runRound runs every workload on every target, the target order rotated
// by round.
func runRound(ctx context.Context, o *options, bins brokerproc.Binaries, round int, tick time.Duration) ([]runResult, error) {
	var out []runResult
	n := len(o.targets)
	for _, wname := range o.workloads {
		for i := range n {
			t := targetByName[o.targets[(i+round-1)%n]]
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			r, err := runOne(ctx, o, bins, round, workloadByName[wname], t, tick)
			if err != nil {
				return out, err
			}
			fmt.Printf("round %d %-8s %-16s %10.0f rec/s %8.2f MiB/s  p50 %7.2f ms  p99 %7.2f ms  server %.2f cores  %9.0f rec/s/core  consumer %9.0f rec/s\n",
				round, r.Workload, r.Target, r.RecordsPerSec, r.MBPerSec, r.P50Ms, r.P99Ms, r.ServerCores, r.RecordsPerCore, r.ConsumerRate)
			out = append(out, *r)
		}
	}
	return out, nil
}

func printSetup(o *options) {
	var st syscall.Statfs_t
	fsType := "unknown"
	if err := syscall.Statfs(o.dataRoot, &st); err == nil {
		fsType = fmt.Sprintf("0x%x", st.Type)
		if st.Type == 0x01021994 {
			fsType += " (tmpfs: fsync is free here; results say nothing about a disk)"
		}
	}
	host, _ := os.Hostname()
	fmt.Printf("samsa benchmark on %s, %d CPUs, data root %s (filesystem type %s)\n", host, numCPU(), o.dataRoot, fsType)
	fmt.Printf("targets %s; workloads %s; %d rounds; warm-up %v, window %v\n",
		strings.Join(o.targets, ","), strings.Join(o.workloads, ","), o.rounds, o.warmup, o.measure)
}
