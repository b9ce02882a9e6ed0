package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

func init() {
	register("server-stop", "stop the servers run from this samsa binary (kafka-server-stop.sh)", runServerStop)
}

// runServerStop is kafka-server-stop.sh: it sends SIGTERM (a clean
// shutdown) to every server process run from this samsa binary and does
// not wait for them to finish. Kafka's script stops every Kafka on the
// machine; keeping to one installation's binary leaves other
// installations (and other users' nodes) alone.
func runServerStop(_ context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "samsa server-stop: unexpected argument %s\nUSAGE: samsa server-stop (kafka-server-stop.sh): stops the servers run from this samsa binary\n", args[0])
		return 1
	}
	pids := serverPids()
	if len(pids) == 0 {
		fmt.Fprintln(stderr, "No kafka server to stop")
		return 1
	}
	code := 0
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
			fmt.Fprintf(stderr, "samsa server-stop: signalling process %d: %v\n", pid, err)
			code = 1
		}
	}
	return code
}

// serverPids lists the processes, other than this one, that run this
// binary as a server: `samsa server …` or a kafka-server-start link to it.
func serverPids() []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		// A binary replaced since the process started (make, make install)
		// reads "<path> (deleted)": still this installation's server.
		target, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || strings.TrimSuffix(target, " (deleted)") != exe {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(cmdline) == 0 {
			continue
		}
		if isServerCommand(strings.Split(string(bytes.TrimRight(cmdline, "\x00")), "\x00")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func isServerCommand(argv []string) bool {
	base := filepath.Base(argv[0])
	if toolFromArgv0(base) == "server" {
		// The binary under a kafka-server-start(.sh) link. A shell script
		// of that name never shows as argv[0]: the kernel puts its
		// interpreter there.
		return true
	}
	return toolFromArgv0(base) == "" && len(argv) > 1 && argv[1] == "server"
}
