package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// shimLine is the one command of a bin/kafka-*.sh shim.
var shimLine = regexp.MustCompile(`^exec "\$\(dirname "\$0"\)/samsa-run" ([a-z-]+) "\$@"$`)

// TestShims checks that every bin/kafka-*.sh runs a registered subcommand
// named like it, that every Kafka tool Samsa has a shim, and that each shim
// has its name without .sh beside it.
func TestShims(t *testing.T) {
	shims, err := filepath.Glob("../../bin/kafka-*.sh")
	if err != nil || len(shims) == 0 {
		t.Fatalf("no shims in bin/: %v", err)
	}
	covered := map[string]bool{}
	for _, path := range shims {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 || lines[0] != "#!/bin/sh" {
			t.Errorf("%s: want two lines, a #!/bin/sh and an exec; got %q", path, b)
			continue
		}
		m := shimLine.FindStringSubmatch(lines[1])
		if m == nil {
			t.Errorf("%s: unexpected command %q", path, lines[1])
			continue
		}
		sub := m[1]
		if _, ok := commands[sub]; !ok {
			t.Errorf("%s runs %q, which is not a samsa subcommand", path, sub)
		}
		if want := toolFromArgv0(path); want != sub {
			t.Errorf("%s runs %q, but its name maps to %q", path, sub, want)
		}
		covered[sub] = true
		if info, err := os.Stat(path); err != nil || info.Mode()&0o111 == 0 {
			t.Errorf("%s is not executable", path)
		}
		bare := strings.TrimSuffix(path, ".sh")
		if target, err := os.Readlink(bare); err != nil || target != filepath.Base(path) {
			t.Errorf("%s should be a link to %s: %q, %v", bare, filepath.Base(path), target, err)
		}
	}
	// Samsa's own commands have no Kafka name.
	own := map[string]bool{"cluster": true}
	for name := range commands {
		if !own[name] && !covered[name] {
			t.Errorf("subcommand %q has no bin/kafka-%s.sh", name, name)
		}
	}
}
