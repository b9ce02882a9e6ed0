package metadataquorum

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"samsa/internal/testbin"
)

// TestAgainstNode runs the real binary against one node, on both its
// broker and its controller listener.
func TestAgainstNode(t *testing.T) {
	n := testbin.Start(t)
	ctl := fmt.Sprintf("127.0.0.1:%d", n.CtlPort)
	clusterID := regexp.MustCompile(`cluster ID (\S+),`).FindStringSubmatch(n.Logs())
	if clusterID == nil {
		t.Fatalf("no cluster id in the node's log:\n%s", n.Logs())
	}
	wantStatus := func(out string) {
		t.Helper()
		hw := regexp.MustCompile(`(?m)^HighWatermark:          ([0-9]+)$`).FindStringSubmatch(out)
		if hw == nil {
			t.Fatalf("no high watermark in\n%s", out)
		}
		want := strings.Join([]string{
			"ClusterId:              " + clusterID[1],
			"LeaderId:               1",
			"LeaderEpoch:            1",
			"HighWatermark:          " + hw[1],
			"MaxFollowerLag:         0",
			"MaxFollowerLagTimeMs:   0",
			`CurrentVoters:          [{"id": 1, "directoryId": null, "endpoints": ["CONTROLLER://` + ctl + `"]}]`,
			"CurrentObservers:       []",
			"",
		}, "\n")
		compare(t, out, want)
	}
	for _, args := range [][]string{
		{"--bootstrap-server", n.Addr(), "describe", "--status"},
		{"--bootstrap-controller", ctl, "describe", "--status"},
		{"describe", "--status", "--bootstrap-server", n.Addr()}, // any order
	} {
		t.Run("status "+args[0], func(t *testing.T) {
			out, errOut, code := n.Run(append([]string{"metadata-quorum"}, args...)...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			wantStatus(out)
		})
	}
	t.Run("replication", func(t *testing.T) {
		for _, args := range [][]string{
			{"--bootstrap-server", n.Addr(), "describe", "--replication"},
			{"--bootstrap-controller", ctl, "describe", "--replication", "--human-readable"},
		} {
			out, errOut, code := n.Run(append([]string{"metadata-quorum"}, args...)...)
			if code != 0 || errOut != "" {
				t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
			}
			ts := `([0-9]{13}) *`
			if len(args) == 5 {
				ts = `([0-9]+ ms ago) *`
			}
			row := regexp.MustCompile(`^1     \tAAAAAAAAAAAAAAAAAAAAAA\t([0-9]+) *\t0  \t` + ts + `\t` + ts + `\tLeader\t$`)
			lines := strings.Split(out, "\n")
			if len(lines) != 3 || lines[2] != "" {
				t.Fatalf("%v: want a header and one row, got\n%s", args, out)
			}
			compare(t, lines[0]+"\n", "NodeId\tDirectoryId           \tLogEndOffset\tLag\tLastFetchTimestamp\tLastCaughtUpTimestamp\tStatus\t\n")
			if !row.MatchString(lines[1]) {
				t.Errorf("%v: row %q does not match %s", args, lines[1], row)
			}
		}
	})
	t.Run("describe errors", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"describe"}, "One of --status or --replication must be specified with describe sub-command\n"},
			{[]string{"describe", "--status", "--replication"}, "Only one of --status or --replication should be specified with describe sub-command\n"},
			{[]string{"describe", "--status", "--human-readable"}, "The option --human-readable is only supported along with --replication\n"},
			{[]string{"add-controller"}, "You must supply the configuration file of the controller you are adding when using add-controller.\n"},
		} {
			out, errOut, code := n.Run(append([]string{"metadata-quorum", "--bootstrap-server", n.Addr()}, c.args...)...)
			if code != 1 || out != "" {
				t.Errorf("%v: exit %d, stdout %q", c.args, code, out)
			}
			compare(t, errOut, c.want)
		}
	})
}

const usageLines = `usage: kafka-metadata-quorum [-h] [--command-config COMMAND_CONFIG]
                             (--bootstrap-server BOOTSTRAP_SERVER | --bootstrap-controller BOOTSTRAP_CONTROLLER)
                             {describe,add-controller,remove-controller} ...
`

func TestUsageErrors(t *testing.T) {
	bin := testbin.Binary(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "unrecognized arguments: '--bogus'"},
		{[]string{"--bootstrap-server", "x:1"}, "too few arguments"},
		{[]string{"describe", "--status"}, "one of the arguments --bootstrap-server --bootstrap-controller is required"},
		{[]string{"--bootstrap-server", "a:1", "--bootstrap-controller", "b:1", "describe"}, "argument --bootstrap-controller: not allowed with argument --bootstrap-server"},
		{[]string{"--bootstrap-server", "a:1", "show"}, "argument command: invalid choice: 'show' (choose from 'describe', 'add-controller', 'remove-controller')"},
		{[]string{"--bootstrap-server", "a:1", "remove-controller", "-i", "1"}, "argument --controller-directory-id is required"},
	} {
		out, errOut, code := testbin.RunBinary(bin, nil, append([]string{"metadata-quorum"}, c.args...)...)
		if code != 1 || out != "" {
			t.Errorf("%v: exit %d, stdout %q", c.args, code, out)
		}
		compare(t, errOut, usageLines+"kafka-metadata-quorum: error: "+c.want+"\n")
	}
	// Through argv[0], as kafka-metadata-quorum.sh, help goes to stdout
	// with exit 0, as argparse4j does.
	out, _, code := testbin.RunBinary(bin, nil, "metadata-quorum", "--help")
	if code != 0 || !strings.HasPrefix(out, usageLines+"\nThis tool describes kraft metadata quorum status.\n") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
}

func TestUnreachable(t *testing.T) {
	bin := testbin.Binary(t)
	addr := fmt.Sprintf("127.0.0.1:%d", testbin.FreePort(t))
	out, errOut, code := testbin.RunBinary(bin, nil, "metadata-quorum", "--bootstrap-server", addr, "describe", "--status")
	if code != 1 || out != "" {
		t.Errorf("exit %d, stdout %q", code, out)
	}
	compare(t, errOut, "Could not connect to the Kafka cluster at "+addr+": connection refused\n")
	_, errOut, code = testbin.RunBinary(bin, nil, "metadata-quorum", "--bootstrap-server", addr, "--command-config", "/nonexistent/x.properties", "describe", "--status")
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	compare(t, errOut, "Properties file /nonexistent/x.properties does not exists!\n")
}

// compare fails with the first differing line of got and want.
func compare(t *testing.T, got, want string) {
	t.Helper()
	testbin.CompareOutput(t, "output", got, want)
}
