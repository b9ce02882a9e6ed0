package metadatashell

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"samsa/internal/metadata"
	"samsa/internal/testbin"
)

// TestShell runs the shell on the metadata log of one node: live while
// the node runs, on its files while it runs and after it stopped.
func TestShell(t *testing.T) {
	// A snapshot after every metadata entry: --directory then replays a
	// checkpoint and the log after it.
	n := testbin.Start(t, testbin.Override("offsets.topic.num.partitions=1"),
		testbin.Override("metadata.log.max.record.bytes.between.snapshots=1"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := kadm.NewClient(n.Client())
	if _, err := adm.CreateTopic(ctx, 2, 1, map[string]*string{"retention.ms": new("60000")}, "golden"); err != nil {
		t.Fatal(err)
	}
	resp, err := adm.ListTopics(ctx, "golden")
	if err != nil {
		t.Fatal(err)
	}
	topicID := metadata.Uuid(resp["golden"].ID).String()
	metaDir := filepath.Join(n.Dir, "__cluster_metadata-0")
	bin := testbin.Binary(t)
	run := func(args ...string) (string, string, int) {
		return testbin.RunBinary(bin, nil, append([]string{"metadata-shell"}, args...)...)
	}
	partition := "PartitionRegistration(replicas=[1], directories=[AAAAAAAAAAAAAAAAAAAAAg], isr=[1], removingReplicas=[], addingReplicas=[], elr=[], lastKnownElr=[], leader=1, leaderRecoveryState=RECOVERED, leaderEpoch=0, partitionEpoch=0)\n"

	offline := func(t *testing.T, partition string, source ...string) {
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"ls", "/"}, "brokers\nconfigs\nfeatures\nimage\nlocal\ntopicIds\ntopics\n"},
			// The pre-3.7 layout the tutorials show.
			{[]string{"ls", "/topics"}, "golden\n"},
			{[]string{"ls", "/topics/golden"}, "0\n1\nid\nname\n"},
			{[]string{"cat", "/topicIds/" + topicID + "/name"}, "golden\n"},
			{[]string{"cat", "/configs/topic/golden/retention.ms"}, "60000\n"},
			{[]string{"cat", "/features/metadata.version"}, "{\n  \"name\" : \"metadata.version\",\n  \"featureLevel\" : 25\n}\n"},
			{[]string{"ls", "/image"}, "acls\nclientQuotas\ncluster\nconfigs\ndelegationToken\nfeatures\nproducerIds\nprovenance\nscram\ntopics\n"},
			{[]string{"ls", "/image/topics/byName"}, "golden\n"},
			{[]string{"ls", "/image/topics/byName/golden"}, "0\n1\nid\nname\n"},
			{[]string{"ls", "/image/topics/byId"}, topicID + "\n"},
			{[]string{"cat", "/image/topics/byName/golden/0"}, partition},
			{[]string{"cat", "/image/topics/byId/" + topicID + "/name"}, "golden\n"},
			{[]string{"cat", "/image/topics/byName/golden/id", "/image/features/metadataVersion"}, topicID + "\n4.0-IV3\n"},
			{[]string{"tree", "/image/configs"}, "TOPIC:golden:\n  retention.ms:\n    60000\n"},
			{[]string{"tree", "/image/features"}, "metadataVersion:\n  4.0-IV3\nzkMigrationState:\n  NONE\n"},
			{[]string{"find", "/image/topics/byName"}, "/image/topics/byName\n/image/topics/byName/golden\n/image/topics/byName/golden/0\n/image/topics/byName/golden/1\n/image/topics/byName/golden/id\n/image/topics/byName/golden/name\n"},
			{[]string{"ls", "/image/topics/byName/golden/*"}, "0\n1\nid\nname\n"},
			{[]string{"ls", "/image/topics/byName/golden/{0,id}"}, "0\nid\n"},
			{[]string{"ls", "/nope"}, "ls: /nope: no such file or directory.\n"},
			{[]string{"cat", "/image"}, "cat: /image: Is a directory\n"},
			{[]string{"cat", "/image/nope"}, "cat: /image/nope: No such file or directory.\n"},
			{[]string{"pwd"}, "invalid choice: 'pwd' (choose from 'cat', 'find', 'ls', 'tree')\n"},
		} {
			out, errOut, code := run(append(append([]string{}, source...), c.args...)...)
			if code != 0 || errOut != "" {
				t.Errorf("%v: exit %d, stderr %q", c.args, code, errOut)
			}
			compare(t, c.args, out, c.want)
		}
		// A partition's data in the pre-3.7 layout is its record as JSON;
		// leader and epochs depend on whether the node stopped.
		out, _, _ := run(append(append([]string{}, source...), "cat", "/topics/golden/0/data", "/brokers/1/isFenced")...)
		data := regexp.MustCompile(`^\{\n  "partitionId" : 0,\n  "topicId" : "` + topicID + `",\n  "replicas" : \[ 1 \],\n  "isr" : \[ 1 \],\n  "removingReplicas" : \[ \],\n  "addingReplicas" : \[ \],\n  "leader" : (1|-1),\n  "leaderEpoch" : [01],\n  "partitionEpoch" : [01]\n\}\n(true|false)\n$`)
		if !data.MatchString(out) {
			t.Errorf("legacy partition data and fencing %q", out)
		}
		out, _, _ = run(append(append([]string{}, source...), "cat", "/image/cluster/brokers/1")...)
		broker := regexp.MustCompile(`^BrokerRegistration\(id=1, epoch=[0-9]+, incarnationId=[A-Za-z0-9_-]{22}, listeners=\[Endpoint\(listenerName='PLAINTEXT', securityProtocol=PLAINTEXT, host='127\.0\.0\.1', port=[0-9]+\)\], supportedFeatures=\{(metadata\.version: [0-9]+-[0-9]+)?\}, rack=Optional\.empty, fenced=(true|false), inControlledShutdown=false, isMigratingZkBroker=false, directories=\[[A-Za-z0-9_-]{22}\]\)\n$`)
		if !broker.MatchString(out) {
			t.Errorf("broker leaf %q", out)
		}
	}

	t.Run("directory while running", func(t *testing.T) { offline(t, partition, "--directory", metaDir) })
	t.Run("live", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"ls", "/image/topics/byName"}, "golden\n"},
			{[]string{"cat", "/image/topics/byName/golden/1"}, strings.Replace(partition, "partitionEpoch=0", "partitionEpoch=-1", 1)},
			{[]string{"tree", "/image/configs/TOPIC:golden"}, "retention.ms:\n  60000\n"},
			{[]string{"cat", "/image/topics/byName/golden/id"}, topicID + "\n"},
		} {
			out, errOut, code := run(append([]string{"--bootstrap-server", n.Addr()}, c.args...)...)
			if code != 0 || errOut != "" {
				t.Errorf("%v: exit %d, stderr %q", c.args, code, errOut)
			}
			compare(t, c.args, out, c.want)
		}
	})

	n.Stop()
	// Stopping fences the only broker: its partitions lose their leader.
	stopped := strings.Replace(partition, "leader=1, leaderRecoveryState=RECOVERED, leaderEpoch=0, partitionEpoch=0", "leader=-1, leaderRecoveryState=RECOVERED, leaderEpoch=1, partitionEpoch=1", 1)
	t.Run("directory", func(t *testing.T) { offline(t, stopped, "--directory", metaDir) })
	t.Run("log segment as snapshot", func(t *testing.T) {
		offline(t, stopped, "--snapshot", filepath.Join(metaDir, "00000000000000000000.log"))
	})
	t.Run("checkpoint", func(t *testing.T) {
		cps, _ := filepath.Glob(filepath.Join(metaDir, "*.checkpoint"))
		if len(cps) == 0 {
			t.Fatal("the node wrote no checkpoint")
		}
		// The newest checkpoint may predate the fencing at shutdown.
		out, errOut, code := run("--snapshot", cps[len(cps)-1], "cat", "/image/topics/byName/golden/name", "/image/topics/byName/golden/id")
		if code != 0 || errOut != "" {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		compare(t, []string{"checkpoint"}, out, "golden\n"+topicID+"\n")
	})
	t.Run("interactive", func(t *testing.T) {
		cmd := exec.Command(bin, "metadata-shell", "--directory", metaDir)
		cmd.Stdin = strings.NewReader("pwd\ncd /image/topics/byName\npwd\nls\n\ncd golden/id\ncd /nope\nbogus\nman pwd\nhistory 3\nexit\nls\n")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v\n%s", err, errOut.String())
		}
		want := "Loading...\nStarting...\n[ Kafka Metadata Shell ]\n" +
			"/\n" +
			"/image/topics/byName\n" +
			"golden\n" +
			"cd: golden/id: not a directory.\n" +
			"cd: /nope: no such directory.\n" +
			"invalid choice: 'bogus' (choose from 'cat', 'cd', 'exit', 'find', 'help', 'history', 'ls', 'man', 'pwd', 'tree')\n" +
			"pwd: Print the current working directory.\n\nusage: pwd [-h]\n\nnamed arguments:\n  -h, --help             show this help message and exit\n" +
			"    6  bogus\n    7  man pwd\n    8  history 3\n"
		compare(t, []string{"interactive"}, out.String(), want)
	})
	t.Run("errors", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"ls"}, "Error: give exactly one of --snapshot <file>, --directory <metadata log directory> or --bootstrap-server <host:port>.\n"},
			{[]string{"--directory", n.Dir + "/nope", "ls"}, "Error: reading the metadata log directory: open " + n.Dir + "/nope: no such file or directory\n"},
			{[]string{"--directory", n.Dir, "ls"}, "Error: " + n.Dir + " holds no metadata log segments or snapshots; is it a __cluster_metadata-0 directory?\n"},
			{[]string{"--snapshot", filepath.Join(metaDir, "quorum-state"), "ls"}, ""},
			{[]string{"--bootstrap-server", n.Addr(), "ls"}, "Could not connect to the Kafka cluster at " + n.Addr() + ": connection refused\n"},
		} {
			out, errOut, code := run(c.args...)
			if code != 1 || out != "" {
				t.Errorf("%v: exit %d, stdout %q", c.args, code, out)
			}
			if c.want != "" {
				compare(t, c.args, errOut, c.want)
			} else if !strings.HasPrefix(errOut, "Error: ") {
				t.Errorf("%v: stderr %q", c.args, errOut)
			}
		}
		_, errOut, code := run("--bogus")
		if code != 1 || !strings.HasSuffix(errOut, "kafka-metadata-shell: error: unrecognized arguments: '--bogus'\n") {
			t.Errorf("--bogus: exit %d, stderr %q", code, errOut)
		}
	})
	// A garbage file: an error, not a crash.
	t.Run("garbage", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "00000000000000000000.log")
		os.WriteFile(p, bytes.Repeat([]byte("garbage!"), 20), 0o644)
		_, errOut, code := run("--snapshot", p, "ls")
		if code != 1 || !strings.HasPrefix(errOut, "Error: ") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})
}

func compare(t *testing.T, what []string, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%v:\n got  %q\n want %q", what, got, want)
	}
}
