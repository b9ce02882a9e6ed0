package console

import (
	"strconv"
	"strings"
	"testing"

	"samsa/internal/testbin"
)

// TestUsageErrors covers command lines refused before any connection.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		first string // first stderr line; the usage follows
	}{
		{"producer unknown flag", []string{"console-producer", "--topic", "t", "--bootstrap-server", "h:1", "--nope"}, "nope is not a recognized option"},
		{"producer missing topic", []string{"console-producer", "--bootstrap-server", "h:1"}, `Missing required argument "[topic]"`},
		{"producer missing bootstrap", []string{"console-producer", "--topic", "t"}, "Error while validating the bootstrap address"},
		{"producer bad bootstrap", []string{"console-producer", "--topic", "t", "--bootstrap-server", "h:1,nohost"}, "Please provide valid host:port like host1:9091,host2:9092"},
		{"producer bad number", []string{"console-producer", "--topic", "t", "--bootstrap-server", "h:1", "--batch-size", "x"}, "Cannot parse argument 'x' of option batch-size"},
		{"consumer unknown flag", []string{"console-consumer", "--topic", "t", "--bootstrap-server", "h:1", "--nope"}, "nope is not a recognized option"},
		{"consumer missing topic", []string{"console-consumer", "--bootstrap-server", "h:1"}, "Exactly one of --include/--topic is required. "},
		{"consumer topic and include", []string{"console-consumer", "--bootstrap-server", "h:1", "--topic", "a", "--include", "b"}, "Exactly one of --include/--topic is required. "},
		{"consumer missing bootstrap", []string{"console-consumer", "--topic", "t"}, `Missing required argument "[bootstrap-server]"`},
		{"consumer partition without topic", []string{"console-consumer", "--include", "t", "--partition", "0", "--bootstrap-server", "h:1"}, "The topic is required when partition is specified."},
		{"consumer help", []string{"console-consumer", "--help"}, "This tool helps to read data from Kafka topics and outputs it to standard output."},
		{"producer help", []string{"console-producer", "--help"}, "This tool helps to read data from standard input and publish it to Kafka."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := run(t, "", tc.args...)
			lines := strings.Split(errOut, "\n")
			usage := 1
			if strings.Contains(tc.first, "bootstrap address") || strings.Contains(tc.first, "host:port") {
				usage = 2 // Kafka's message ends in a newline of its own
				if lines[1] != "" {
					t.Errorf("second line %q, want a blank line", lines[1])
				}
			}
			if code != 1 || out != "" || lines[0] != tc.first || len(lines) <= usage ||
				!strings.HasPrefix(lines[usage], "Option ") || !strings.HasPrefix(lines[usage+1], "------ ") {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s\nwant exit 1, %q, then the usage", code, out, errOut, tc.first)
			}
		})
	}
}

func TestUnreachableBroker(t *testing.T) {
	addr := "127.0.0.1:" + itoa(testbin.FreePort(t))
	for _, tool := range []string{"console-producer", "console-consumer"} {
		out, errOut, code := run(t, "x\n", tool, "--bootstrap-server", addr, "--topic", "t")
		wantLines(t, tool+" stderr", errOut, "Could not connect to the Kafka cluster at "+addr+": connection refused\n")
		if code != 1 || out != "" {
			t.Fatalf("%s: exit %d, stdout %q; want 1 and nothing", tool, code, out)
		}
	}
}

func TestBrokerListAlias(t *testing.T) {
	addr := "127.0.0.1:" + itoa(testbin.FreePort(t))
	_, errOut, code := run(t, "", "console-producer", "--broker-list", addr, "--topic", "t")
	wantLines(t, "stderr", errOut, "Note: --broker-list was removed in Kafka 4.0; use --bootstrap-server instead.\n"+
		"Could not connect to the Kafka cluster at "+addr+": connection refused\n")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
