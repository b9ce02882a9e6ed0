package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

func printRun(w io.Writer, r *runResult) {
	var parts []string
	for _, e := range r.Events {
		parts = append(parts, fmt.Sprintf("%s %5.2f s, unmoved %6.2f p·s, moved %2d (%6.2f p·s)",
			e.Event, e.Recovery.Seconds(), e.UnmovedPaused.Seconds(), e.Moved, e.MovedPaused.Seconds()))
	}
	fmt.Fprintf(w, "round %d %-18s %-15s %s\n", r.Round, r.Mode, r.Target, strings.Join(parts, " | "))
}

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

// summary is one (mode, target, event) over the rounds.
type summary struct {
	runs int
	// Medians: seconds, partition-seconds, partitions.
	recovery, unmoved, movedPaused, moved float64
	unmovedMax                            float64
	// spread is the largest minus the smallest recovery, in seconds.
	spread float64
}

func summarizeEvent(results []runResult, mode, target, event string) (summary, bool) {
	var recovery, unmoved, movedPaused, moved []float64
	for _, r := range results {
		if r.Mode != mode || r.Target != target {
			continue
		}
		for _, e := range r.Events {
			if e.Event == event {
				recovery = append(recovery, e.Recovery.Seconds())
				unmoved = append(unmoved, e.UnmovedPaused.Seconds())
				movedPaused = append(movedPaused, e.MovedPaused.Seconds())
				moved = append(moved, float64(e.Moved))
			}
		}
	}
	if len(recovery) == 0 {
		return summary{}, false
	}
	return summary{
		runs: len(recovery), recovery: median(recovery), unmoved: median(unmoved),
		movedPaused: median(movedPaused), moved: median(moved), unmovedMax: slices.Max(unmoved),
		spread: slices.Max(recovery) - slices.Min(recovery),
	}, true
}

func report(w io.Writer, o *options, results []runResult) {
	fmt.Fprintln(w, "\nMedians over rounds (recover: until every partition is consumed again; unmoved/moved p·s: partition-seconds such partitions were not consumed):")
	fmt.Fprintf(w, "%-18s %-15s %-6s %4s %10s %12s %12s %6s %10s\n", "mode", "target", "event", "runs", "recover s", "unmoved p·s", "unmoved max", "moved", "moved p·s")
	for _, m := range o.modes {
		for _, t := range o.targets {
			for _, ev := range eventNames {
				s, ok := summarizeEvent(results, m, t, ev)
				if !ok {
					continue
				}
				fmt.Fprintf(w, "%-18s %-15s %-6s %4d %10.2f %12.2f %12.2f %6.0f %10.2f\n", m, t, ev, s.runs, s.recovery, s.unmoved, s.unmovedMax, s.moved, s.movedPaused)
			}
		}
	}
	printTargets(w, o, results)
}

// comparisons are the (Samsa, kfake) pairs whose times to recover are
// compared, the stated one first; the others compare like with like on
// durability: fsync before acknowledging on both sides, or on neither.
var comparisons = [][2]string{
	{"samsa-fsync", "kfake-datadir"},
	{"samsa-fsync", "kfake-sync"},
	{"samsa-pagecache", "kfake-datadir"},
}

// printTargets prints the ratios and sums Samsa's targets are stated in,
// each marked met or missed, for every pair of targets that was run.
func printTargets(w io.Writer, o *options, results []runResult) {
	fmt.Fprintln(w, "\nTargets:")
	for _, pair := range comparisons {
		if !slices.Contains(o.targets, pair[0]) || !slices.Contains(o.targets, pair[1]) {
			continue
		}
		fmt.Fprintf(w, "  time to recover, %s / %s (target ≤ 1 in every mode):\n", pair[0], pair[1])
		for _, m := range o.modes {
			for _, ev := range eventNames {
				a, _ := summarizeEvent(results, m, pair[0], ev)
				b, _ := summarizeEvent(results, m, pair[1], ev)
				fmt.Fprintf(w, "    %-26s %s\n", m+" "+ev, recoveryVerdict(a, b))
			}
		}
	}
	for _, samsa := range o.targets {
		if !strings.HasPrefix(samsa, "samsa") {
			continue
		}
		fmt.Fprintf(w, "  unmoved partitions paused, %s, max over rounds (target 0 with cooperative and KIP-848):\n", samsa)
		for _, m := range o.modes {
			if m == "eager-range" {
				continue
			}
			for _, ev := range eventNames {
				if s, ok := summarizeEvent(results, m, samsa, ev); ok {
					fmt.Fprintf(w, "    %-26s %6.2f p·s  %s\n", m+" "+ev, s.unmovedMax, verdict(s.unmovedMax == 0))
				}
			}
		}
	}
}

// recoveryVerdict compares the median times to recover of Samsa (a) and
// kfake (b). The ratio decides; the difference is shown beside it because
// most of each time is the same client-side wait (heartbeat interval,
// session timeout) on both targets, which pulls the ratio towards 1, and
// a miss smaller than the spread between rounds is flagged as such.
func recoveryVerdict(a, b summary) string {
	if b.recovery == 0 {
		return fmt.Sprintf("n/a (the peer recovered in 0 s; samsa %.3f s)", a.recovery)
	}
	ratio := a.recovery / b.recovery
	// Adding 0 turns a negative zero into a positive one: "+0 ms".
	diff := math.Round((a.recovery-b.recovery)*1000) + 0
	line := fmt.Sprintf("%.3f  (%.3f s / %.3f s, %+.0f ms)  %s", ratio, a.recovery, b.recovery, diff, verdict(ratio <= 1))
	if spread := max(a.spread, b.spread) * 1000; ratio > 1 && diff <= spread {
		line += fmt.Sprintf(" by less than the spread between rounds (%.0f ms)", spread)
	}
	return line
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}
