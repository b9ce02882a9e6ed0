package interop

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Consumer groups with KafkaJS 2.2.4, from npm (kafkajs/package-lock.json;
// scripts/test.sh runs npm ci), run by the machine's node. Each member is a
// node process running kafkajs/member.js; a killed member is that process
// ended with SIGKILL. KafkaJS has one assignor (round robin), eager
// rebalancing only and no static membership.

func TestGroupsKafkaJS(t *testing.T) {
	grpSuite(t, &grpClient{
		name:    "kafkajs",
		require: kafkajsRequire,
		command: func(t *testing.T, cfg grpMemberConfig) *exec.Cmd {
			return exec.Command("node", "kafkajs/member.js", grpJSON(t, cfg))
		},
		// GROUP_JOIN reports each generation's whole assignment; nothing
		// reports a revocation.
		assignEvents: true,
	})
}

// kafkajsRequire fails the test when node or the installed KafkaJS is
// missing: scripts/test.sh installs it, so a missing one is a broken
// setup, not a reason to skip.
func kafkajsRequire(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("kafkajs: node is not on PATH: %v", err)
	}
	if _, err := os.Stat(filepath.Join("kafkajs", "node_modules", "kafkajs", "package.json")); err != nil {
		t.Fatalf("kafkajs is not installed: run npm ci in test/interop/kafkajs (scripts/test.sh does): %v", err)
	}
}
