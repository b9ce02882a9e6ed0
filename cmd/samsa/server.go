package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"

	"samsa/internal/config"
	"samsa/internal/server"
)

func init() {
	register("server", "run a broker and controller (kafka-server-start.sh)", runServer)
}

const serverUsage = `USAGE: samsa server [-daemon] [server.properties] [--override property=value]*

Runs a Samsa node. Without a properties file it runs the built-in
single-node configuration: broker and controller on localhost:9092 and
localhost:9093, data in ./samsa-data, formatted on first start.
With -daemon it runs in the background, its output in
$LOG_DIR/kafkaServer.out (LOG_DIR defaults to ./logs), as
kafka-server-start.sh -daemon does; samsa server-stop
(kafka-server-stop.sh) stops it.`

// parseServerArgs splits kafka-server-start.sh's arguments: an optional
// -daemon first, an optional properties file, then --override key=value
// pairs.
func parseServerArgs(args []string) (file string, overrides []string, daemon bool, err error) {
	if len(args) > 0 && args[0] == "-daemon" {
		daemon, args = true, args[1:]
	}
	file, overrides, err = parseServerFileArgs(args)
	return file, overrides, daemon, err
}

func parseServerFileArgs(args []string) (file string, overrides []string, err error) {
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
			return "", nil, fmt.Errorf("-daemon must come first")
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
	file, overrides, daemon, err := parseServerArgs(args)
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
	if daemon {
		// The configuration is known to load: start the node detached and
		// leave its output to the log file.
		if err := startDaemon(args[1:]); err != nil {
			fmt.Fprintf(stderr, "samsa server: %v\n", err)
			return 1
		}
		return 0
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

// startDaemon runs `samsa server args...` in a new session with its
// output appended to $LOG_DIR/kafkaServer.out, and does not wait for it.
func startDaemon(args []string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the samsa binary: %w", err)
	}
	logDir := os.Getenv("LOG_DIR")
	if logDir == "" {
		logDir = "logs"
	}
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return fmt.Errorf("creating LOG_DIR: %w", err)
	}
	out, err := os.OpenFile(filepath.Join(logDir, "kafkaServer.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("opening the server output file: %w", err)
	}
	defer out.Close()
	cmd := exec.Command(self, append([]string{"server"}, args...)...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the server: %w", err)
	}
	return cmd.Process.Release()
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
