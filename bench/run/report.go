package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
)

func numCPU() int { return runtime.NumCPU() }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// medians is the median of every number of one (workload, target) pair.
type medians struct {
	n                                                           int
	recordsPerSec, mbPerSec, p50, p99, cores, perCore, consumer float64
}

func summarize(results []runResult, workload, target string) (medians, bool) {
	var rate, mb, p50, p99, cores, perCore, cons []float64
	for _, r := range results {
		if r.Workload != workload || r.Target != target {
			continue
		}
		rate, mb, p50, p99 = append(rate, r.RecordsPerSec), append(mb, r.MBPerSec), append(p50, r.P50Ms), append(p99, r.P99Ms)
		cores, perCore, cons = append(cores, r.ServerCores), append(perCore, r.RecordsPerCore), append(cons, r.ConsumerRate)
	}
	if len(rate) == 0 {
		return medians{}, false
	}
	return medians{len(rate), median(rate), median(mb), median(p50), median(p99), median(cores), median(perCore), median(cons)}, true
}

func report(w io.Writer, o *options, results []runResult, fio []float64) {
	fmt.Fprintln(w, "\nMedians per target (producer steady-state window):")
	fmt.Fprintf(w, "%-8s %-16s %4s %12s %10s %9s %9s %8s %12s %12s\n",
		"workload", "target", "runs", "rec/s", "MiB/s", "p50 ms", "p99 ms", "cores", "rec/s/core", "consumer/s")
	for _, wl := range o.workloads {
		for _, t := range o.targets {
			m, ok := summarize(results, wl, t)
			if !ok {
				continue
			}
			fmt.Fprintf(w, "%-8s %-16s %4d %12.0f %10.2f %9.2f %9.2f %8.2f %12.0f %12.0f\n",
				wl, t, m.n, m.recordsPerSec, m.mbPerSec, m.p50, m.p99, m.cores, m.perCore, m.consumer)
		}
	}
	if len(fio) > 0 {
		fmt.Fprintf(w, "fio buffered write + fdatasync every %s: median %.1f MiB/s over %d runs\n", o.fioBlock, median(fio), len(fio))
	}
	printRatios(w, results, median(fio))
}

// printRatios prints the ratios Samsa's targets are stated in; a ratio
// whose targets were not run says so.
func printRatios(w io.Writer, results []runResult, fioMiB float64) {
	fmt.Fprintln(w, "\nRatios:")
	get := func(wl, t string, f func(medians) float64) (float64, bool) {
		m, ok := summarize(results, wl, t)
		return f(m), ok
	}
	rate := func(m medians) float64 { return m.recordsPerSec }
	mb := func(m medians) float64 { return m.mbPerSec }
	p99 := func(m medians) float64 { return m.p99 }
	perCore := func(m medians) float64 { return m.perCore }
	ratio := func(label string, a float64, okA bool, b float64, okB bool) {
		if !okA || !okB || b == 0 {
			fmt.Fprintf(w, "  %-58s n/a (a target was not run)\n", label)
			return
		}
		fmt.Fprintf(w, "  %-58s %.2f  (%.4g / %.4g)\n", label, a/b, a, b)
	}
	a, okA := get("1k", "samsa-pagecache", rate)
	b, okB := get("1k", "kfake-datadir", rate)
	ratio("1 KiB produce: samsa-pagecache / kfake-datadir", a, okA, b, okB)
	a, okA = get("1k", "samsa-fsync", rate)
	b, okB = get("1k", "kfake-sync", rate)
	ratio("1 KiB produce: samsa-fsync / kfake-sync", a, okA, b, okB)
	a, okA = get("1k", "samsa-fsync", mb)
	ratio("1 KiB produce MiB/s: samsa-fsync / fio bandwidth", a, okA, fioMiB, fioMiB > 0)
	a, okA = get("fixed20", "samsa-pagecache", p99)
	b, okB = get("fixed20", "kfake-datadir", p99)
	ratio("p99 at 20 MiB/s: samsa-pagecache / kfake-datadir", a, okA, b, okB)
	a, okA = get("fixed20", "samsa-fsync", p99)
	b, okB = get("fixed20", "kfake-sync", p99)
	ratio("p99 at 20 MiB/s: samsa-fsync / kfake-sync", a, okA, b, okB)
	a, okA = get("100b", "samsa-pagecache", perCore)
	b, okB = get("100b", "kfake-datadir", perCore)
	ratio("100 B records/s per core: samsa-pagecache / kfake-datadir", a, okA, b, okB)
	a, okA = get("100b", "samsa-fsync", perCore)
	b, okB = get("100b", "kfake-sync", perCore)
	ratio("100 B records/s per core: samsa-fsync / kfake-sync", a, okA, b, okB)
}
