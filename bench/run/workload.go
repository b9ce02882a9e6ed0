package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"samsa/bench/internal/brokerproc"
)

type workload struct {
	name       string
	recordSize int
	throughput float64 // records/s; -1 unthrottled
}

var workloadByName = map[string]workload{
	"1k":      {"1k", 1024, -1},
	"100b":    {"100b", 100, -1},
	"fixed20": {"fixed20", 1024, 20 * 1024 * 1024 / 1024},
}

const benchTopic = "bench"

// bufferMemory bounds the producer's backlog (Java's default is 32 MiB):
// five requests in flight of at most 6 × 16 KiB never starve on 4 MiB, and
// a slow target drains its backlog after the window in seconds rather
// than minutes.
const bufferMemory = 4 << 20

// producerResult and consumerResult are the perf tools' --json-result.
type summary struct {
	Records       int64   `json:"records"`
	Bytes         int64   `json:"bytes"`
	StartUnixMs   int64   `json:"start_unix_ms"`
	EndUnixMs     int64   `json:"end_unix_ms"`
	RecordsPerSec float64 `json:"records_per_sec"`
	MBPerSec      float64 `json:"mb_per_sec"`
	LatencyP50Ms  float64 `json:"latency_p50_ms"`
	LatencyP99Ms  float64 `json:"latency_p99_ms"`
}

type producerResult struct {
	Errors int64    `json:"errors"`
	Total  summary  `json:"total"`
	Steady *summary `json:"steady"`
}

type consumerResult struct {
	Records       int64   `json:"records"`
	RecordsPerSec float64 `json:"records_per_sec"`
}

// runResult is one run's numbers.
type runResult struct {
	Round          int     `json:"round"`
	Target         string  `json:"target"`
	Workload       string  `json:"workload"`
	RecordsPerSec  float64 `json:"records_per_sec"`
	MBPerSec       float64 `json:"mb_per_sec"`
	P50Ms          float64 `json:"p50_ms"`
	P99Ms          float64 `json:"p99_ms"`
	ServerCPUSec   float64 `json:"server_cpu_sec"`
	ServerCores    float64 `json:"server_cores"`
	RecordsPerCore float64 `json:"records_per_core_sec"`
	ConsumerRate   float64 `json:"consumer_records_per_sec"`
}

// runTools runs the producer and the consumer together against addr and
// returns their results.
func runTools(ctx context.Context, o *options, bins brokerproc.Binaries, w workload, addr, dir string) (*producerResult, *consumerResult, error) {
	total := o.warmup + o.measure
	prodJSON, consJSON := filepath.Join(dir, "producer.json"), filepath.Join(dir, "consumer.json")
	consumer := exec.CommandContext(ctx, bins.Samsa, "consumer-perf-test", "--bootstrap-server", addr,
		"--topic", benchTopic, "--messages", "1000000000000", "--no-group", "--timeout", "60000",
		"--duration-ms", ms(total+time.Second), "--json-result", consJSON)
	producer := exec.CommandContext(ctx, bins.Samsa, "producer-perf-test", "--topic", benchTopic,
		"--num-records", "1000000000000", "--record-size", strconv.Itoa(w.recordSize),
		"--throughput", strconv.FormatFloat(w.throughput, 'f', -1, 64),
		"--warmup-ms", ms(o.warmup), "--duration-ms", ms(total), "--json-result", prodJSON,
		"--producer-props", "bootstrap.servers="+addr, "linger.ms=5",
		"max.in.flight.requests.per.connection=5", "acks=all", "enable.idempotence=false",
		"buffer.memory="+strconv.Itoa(bufferMemory))
	var consOut, prodOut bytes.Buffer
	consumer.Stdout, consumer.Stderr = &consOut, &consOut
	producer.Stdout, producer.Stderr = &prodOut, &prodOut
	if err := consumer.Start(); err != nil {
		return nil, nil, fmt.Errorf("start consumer: %w", err)
	}
	prodErr := producer.Run()
	consErr := consumer.Wait()
	if prodErr != nil {
		return nil, nil, fmt.Errorf("producer-perf-test: %w\n%s", prodErr, brokerproc.Tail(prodOut.String()))
	}
	if consErr != nil {
		return nil, nil, fmt.Errorf("consumer-perf-test: %w\n%s", consErr, brokerproc.Tail(consOut.String()))
	}
	var pr producerResult
	var cr consumerResult
	if err := readJSON(prodJSON, &pr); err != nil {
		return nil, nil, err
	}
	if err := readJSON(consJSON, &cr); err != nil {
		return nil, nil, err
	}
	if pr.Steady == nil || pr.Steady.Records == 0 || pr.Errors > 0 {
		return nil, nil, fmt.Errorf("producer had no steady-state window or failed sends (errors %d):\n%s", pr.Errors, brokerproc.Tail(prodOut.String()))
	}
	return &pr, &cr, nil
}

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read result: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// runOne is one (round, workload, target) run on a fresh server and an
// empty data directory.
func runOne(ctx context.Context, o *options, bins brokerproc.Binaries, round int, w workload, t target, tick time.Duration) (*runResult, error) {
	dir, err := os.MkdirTemp(o.dataRoot, "samsa-bench-"+t.name+"-")
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	defer os.RemoveAll(dir)
	dataDir, resultDir := filepath.Join(dir, "data"), filepath.Join(dir, "results")
	if err := os.MkdirAll(resultDir, 0o755); err != nil {
		return nil, err
	}
	srv, err := startServer(ctx, o, bins, t, dataDir)
	if err != nil {
		return nil, err
	}
	res, runErr := measureRun(ctx, o, bins, srv, w, resultDir, tick)
	if stopErr := srv.Stop(); runErr == nil && stopErr != nil {
		runErr = fmt.Errorf("%s: %w", t.name, stopErr)
	}
	if runErr != nil {
		return nil, fmt.Errorf("%s %s: %w", t.name, w.name, runErr)
	}
	res.Round, res.Target, res.Workload = round, t.name, w.name
	return res, nil
}

func measureRun(ctx context.Context, o *options, bins brokerproc.Binaries, srv *brokerproc.Server, w workload, dir string, tick time.Duration) (*runResult, error) {
	if err := srv.CreateTopic(ctx, benchTopic, 6); err != nil {
		return nil, err
	}
	sampler := startCPUSampler(srv.Pid(), tick)
	pr, cr, err := runTools(ctx, o, bins, w, srv.Addr(), dir)
	samples := sampler.finish()
	if err != nil {
		return nil, err
	}
	st := pr.Steady
	from, to := time.UnixMilli(st.StartUnixMs), time.UnixMilli(st.EndUnixMs)
	cpu, err := cpuBetween(samples, from, to)
	if err != nil {
		return nil, err
	}
	window := to.Sub(from).Seconds()
	res := &runResult{RecordsPerSec: st.RecordsPerSec, MBPerSec: st.MBPerSec, P50Ms: st.LatencyP50Ms, P99Ms: st.LatencyP99Ms,
		ServerCPUSec: cpu.Seconds(), ConsumerRate: cr.RecordsPerSec}
	if window > 0 {
		res.ServerCores = cpu.Seconds() / window
	}
	if cpu > 0 {
		res.RecordsPerCore = float64(st.Records) / cpu.Seconds()
	}
	return res, nil
}
