package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
)

// fioBandwidth measures buffered sequential writes with an fdatasync after
// every block in a fresh directory under root, in MiB/s. This is the rate
// a log that syncs before acknowledging each write of blockSize bytes can
// reach on this filesystem.
func fioBandwidth(ctx context.Context, root, blockSize string) (float64, error) {
	if _, err := exec.LookPath("fio"); err != nil {
		return 0, fmt.Errorf("fio is not installed (apt-get install fio), or pass -fio=false: %w", err)
	}
	dir, err := os.MkdirTemp(root, "samsa-bench-fio-")
	if err != nil {
		return 0, fmt.Errorf("fio directory: %w", err)
	}
	defer os.RemoveAll(dir)
	out, err := exec.CommandContext(ctx, "fio", "--name=fdatasync-write", "--directory="+dir,
		"--rw=write", "--ioengine=sync", "--direct=0", "--bs="+blockSize, "--fdatasync=1",
		"--size=256m", "--runtime=15", "--output-format=json").Output()
	if err != nil {
		return 0, fmt.Errorf("fio: %w", err)
	}
	var res struct {
		Jobs []struct {
			Write struct {
				BwBytes float64 `json:"bw_bytes"`
			} `json:"write"`
		} `json:"jobs"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Jobs) == 0 {
		return 0, fmt.Errorf("fio output not understood: %v", err)
	}
	return res.Jobs[0].Write.BwBytes / (1 << 20), nil
}
