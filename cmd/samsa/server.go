package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"samsa/internal/config"
	"samsa/internal/server"
)

func init() {
	register("server", "run a broker and controller (kafka-server-start.sh)", runServer)
}

const serverUsage = `USAGE: samsa server [server.properties] [--override property=value]*

Runs a Samsa node. Without a properties file it runs the built-in
single-node configuration: broker and controller on localhost:9092 and
localhost:9093, data in ./samsa-data, formatted on first start.`

// parseServerArgs splits kafka-server-start.sh's arguments: an optional
// properties file, then --override key=value pairs.
func parseServerArgs(args []string) (file string, overrides []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--override":
			if i+1 >= len(args) {
				return "", nil, fmt.Errorf("--override needs a property=value argument")
			}
			overrides = append(overrides, args[i+1])
			i++
		case strings.HasPrefix(a, "--override="):
			overrides = append(overrides, strings.TrimPrefix(a, "--override="))
		case a == "-daemon":
			return "", nil, fmt.Errorf("-daemon is not supported: run samsa under a service manager or with &")
		case strings.HasPrefix(a, "-"):
			return "", nil, fmt.Errorf("unknown option %s", a)
		case file != "":
			return "", nil, fmt.Errorf("unexpected argument %s: only one properties file may be given", a)
		default:
			file = a
		}
	}
	return file, overrides, nil
}

func runServer(_ context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "--help" || args[0] == "-h") {
		fmt.Fprintln(stdout, serverUsage)
		return 0
	}
	file, overrides, err := parseServerArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "samsa server: %v\n\n%s\n", err, serverUsage)
		return 1
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel()}))
	cfg, static, err := config.Load(config.Sources{File: file, Env: os.Environ(), Overrides: overrides})
	if static != nil {
		for _, u := range static.Unknown {
			log.Warn(u.String())
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "samsa server: %v\n", err)
		return 1
	}
	if path := os.Getenv("SAMSA_CPUPROFILE"); path != "" {
		stopProfile, err := startCPUProfile(path)
		if err != nil {
			fmt.Fprintf(stderr, "samsa server: %v\n", err)
			return 1
		}
		defer stopProfile()
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	started := make(chan struct{})
	go func() {
		<-signals
		log.Info("shutting down; a second signal forces exit")
		stop()
		<-signals
		log.Warn("second signal: exiting without a clean shutdown")
		os.Exit(1)
	}()
	s, err := server.Start(ctx, server.Options{Config: cfg, ClusterID: static.ClusterID, Logger: log})
	close(started)
	if err != nil {
		fmt.Fprintf(stderr, "samsa server: %v\n", err)
		return 1
	}
	<-ctx.Done()
	if err := s.Close(); err != nil {
		log.Error("shutdown finished with errors", "err", err)
		return 1
	}
	log.Info("shut down cleanly")
	return 0
}

// logLevel reads SAMSA_LOG_LEVEL (debug, info, warn, error; default info).
func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("SAMSA_LOG_LEVEL"))); err != nil {
		return slog.LevelInfo
	}
	return l
}

// startCPUProfile writes a CPU profile of the whole run to path
// (SAMSA_CPUPROFILE), for performance work.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
