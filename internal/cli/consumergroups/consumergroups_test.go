package consumergroups

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

const warnNoExecute = "WARN: No action will be performed as the --execute option is missing.In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.\n"

const uuid = "UUUUUUUU-UUUU-UUUU-UUUU-UUUUUUUUUUUU"

// TestClassicGroup walks a classic group through its life: two live
// members splitting four partitions, then stopped, reset, trimmed and
// deleted.
func TestClassicGroup(t *testing.T) {
	e := newEnv(t)
	e.createTopic("orders", 5, 4, 3, 2)
	e.createTopic("events", 3)
	range_ := kgo.Balancers(kgo.RangeBalancer())
	a := e.join("shop", "member-a", []string{"orders"}, range_)
	b := e.join("shop", "member-b", []string{"orders"}, range_)
	e.waitGroup("shop", func(state string, sizes []int) bool {
		return state == "Stable" && len(sizes) == 2 && sizes[0] == 2 && sizes[1] == 2
	})
	// The range assignor gives the member whose id sorts first (member-a)
	// partitions 0 and 1.
	a.commit(t, "orders", map[int32]int64{0: 2, 1: 4})
	b.commit(t, "orders", map[int32]int64{2: 1})

	t.Run("describe live", func(t *testing.T) {
		o, er, c := e.run("--describe", "--group", "shop")
		expect(t, o, er, c, `
GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID                                   HOST            CLIENT-ID
shop            orders          0          2               5               3               member-a-`+uuid+` /127.0.0.1      member-a
shop            orders          1          4               4               0               member-a-`+uuid+` /127.0.0.1      member-a
shop            orders          2          1               3               2               member-b-`+uuid+` /127.0.0.1      member-b
shop            orders          3          -               2               -               member-b-`+uuid+` /127.0.0.1      member-b
`, "", 0)
	})
	t.Run("describe verbose", func(t *testing.T) {
		o, er, c := e.run("--describe", "--group", "shop", "--offsets", "--verbose")
		expect(t, o, er, c, `
GROUP           TOPIC           PARTITION  LEADER-EPOCH    CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID                                   HOST            CLIENT-ID
shop            orders          0          -               2               5               3               member-a-`+uuid+` /127.0.0.1      member-a
shop            orders          1          -               4               4               0               member-a-`+uuid+` /127.0.0.1      member-a
shop            orders          2          -               1               3               2               member-b-`+uuid+` /127.0.0.1      member-b
shop            orders          3          -               -               2               -               member-b-`+uuid+` /127.0.0.1      member-b
`, "", 0)
	})
	t.Run("members", func(t *testing.T) {
		o, er, c := e.run("--describe", "--group", "shop", "--members")
		expect(t, o, er, c, `
GROUP           CONSUMER-ID                                   HOST            CLIENT-ID       #PARTITIONS     
shop            member-a-`+uuid+` /127.0.0.1      member-a        2               
shop            member-b-`+uuid+` /127.0.0.1      member-b        2               
`, "", 0)
		o, er, c = e.run("--describe", "--group", "shop", "--members", "--verbose")
		expect(t, o, er, c, `
GROUP           CONSUMER-ID                                   HOST            CLIENT-ID       #PARTITIONS     ASSIGNMENT
shop            member-a-`+uuid+` /127.0.0.1      member-a        2               orders(0,1)
shop            member-b-`+uuid+` /127.0.0.1      member-b        2               orders(2,3)
`, "", 0)
	})
	t.Run("state", func(t *testing.T) {
		o, er, c := e.run("--describe", "--group", "shop", "--state")
		expect(t, o, er, c, `
GROUP                     COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE           #MEMBERS
shop                      127.0.0.1:PPPPP  (1)      range                Stable          2
`, "", 0)
	})
	t.Run("list", func(t *testing.T) {
		o, er, c := e.run("--list")
		expect(t, o, er, c, "shop\n", "", 0)
		o, er, c = e.run("--list", "--state")
		expect(t, o, er, c, "GROUP                     STATE               \nshop                      Stable              \n", "", 0)
		o, er, c = e.run("--list", "--state", "empty")
		expect(t, o, er, c, "GROUP                     STATE               \n", "", 0)
		o, er, c = e.run("--list", "--type", "--state", "Stable")
		expect(t, o, er, c, "GROUP                     TYPE                 STATE               \nshop                      Classic              Stable              \n", "", 0)
	})
	t.Run("reset refused while live", func(t *testing.T) {
		o, er, c := e.run("--reset-offsets", "--group", "shop", "--to-earliest", "--all-topics")
		expect(t, o, er, c, `
Error: Assignments can only be reset if the group 'shop' is inactive, but the current state is Stable.

GROUP                          TOPIC                          PARTITION  NEW-OFFSET     
`, warnNoExecute, 1)
	})
	t.Run("delete refused while live", func(t *testing.T) {
		o, er, c := e.run("--delete", "--group", "shop")
		expect(t, o, er, c, `
Error: Deletion of some consumer groups failed:
* Group 'shop' could not be deleted due to: java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.
`, "", 1)
	})

	a.stop()
	b.stop()
	e.waitGroup("shop", func(state string, _ []int) bool { return state == "Empty" })

	t.Run("describe empty", func(t *testing.T) {
		o, er, c := e.run("--describe", "--group", "shop")
		expect(t, o, er, c, `
GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID
shop            orders          0          2               5               3               -               -               -
shop            orders          1          4               4               0               -               -               -
shop            orders          2          1               3               2               -               -               -
`, "\nConsumer group 'shop' has no active members.\n", 0)
		o, er, c = e.run("--describe", "--group", "shop", "--members")
		expect(t, o, er, c, "\nGROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     \n",
			"\nConsumer group 'shop' has no active members.\n", 0)
		o, er, c = e.run("--describe", "--group", "shop", "--state")
		expect(t, o, er, c, `
GROUP                     COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE           #MEMBERS
shop                      127.0.0.1:PPPPP  (1)                           Empty           0
`, "\nConsumer group 'shop' has no active members.\n", 0)
	})
	t.Run("reset dry run", func(t *testing.T) {
		o, er, c := e.run("--reset-offsets", "--group", "shop", "--to-earliest", "--all-topics")
		expect(t, o, er, c, `
GROUP                          TOPIC                          PARTITION  NEW-OFFSET     
shop                           orders                         0          0              
shop                           orders                         1          0              
shop                           orders                         2          0              
`, warnNoExecute, 0)
		o, er, c = e.run("--reset-offsets", "--group", "shop", "--to-latest", "--topic", "orders:1,3", "--dry-run")
		expect(t, o, er, c, `
GROUP                          TOPIC                          PARTITION  NEW-OFFSET     
shop                           orders                         1          4              
shop                           orders                         3          2              
`, "", 0)
		// Nothing changed.
		o, _, _ = e.run("--describe", "--group", "shop")
		if !strings.Contains(o, "shop            orders          0          2               5") {
			t.Errorf("dry run changed offsets:\n%s", o)
		}
	})
	t.Run("reset execute clamps", func(t *testing.T) {
		o, er, c := e.run("--reset-offsets", "--group", "shop", "--to-offset", "3", "--topic", "orders", "--execute")
		expect(t, o, er, c, `
GROUP                          TOPIC                          PARTITION  NEW-OFFSET     
shop                           orders                         0          3              
shop                           orders                         1          3              
shop                           orders                         2          3              
shop                           orders                         3          2              
`, "[TIME] WARN New offset (3) is higher than latest offset for topic partition orders-3. Value will be set to 2 (org.apache.kafka.tools.consumer.group.ConsumerGroupCommand)\n", 0)
		o, er, c = e.run("--describe", "--group", "shop")
		expect(t, o, er, c, `
GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID
shop            orders          0          3               5               2               -               -               -
shop            orders          1          3               4               1               -               -               -
shop            orders          2          3               3               0               -               -               -
shop            orders          3          2               2               0               -               -               -
`, "\nConsumer group 'shop' has no active members.\n", 0)
	})
	t.Run("reset export and from file", func(t *testing.T) {
		o, er, c := e.run("--reset-offsets", "--group", "shop", "--shift-by", "-1", "--topic", "orders:0,1", "--dry-run", "--export")
		expect(t, o, er, c, "orders,0,2\norders,1,2\n\n", "", 0)
		plan := filepath.Join(t.TempDir(), "plan.csv")
		if err := os.WriteFile(plan, []byte("orders,0,1\norders,2,9\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		o, er, c = e.run("--reset-offsets", "--group", "shop", "--from-file", plan, "--execute")
		expect(t, o, er, c, `
GROUP                          TOPIC                          PARTITION  NEW-OFFSET     
shop                           orders                         0          1              
shop                           orders                         2          3              
`, "[TIME] WARN New offset (9) is higher than latest offset for topic partition orders-2. Value will be set to 3 (org.apache.kafka.tools.consumer.group.ConsumerGroupCommand)\n", 0)
	})
	t.Run("reset by time", func(t *testing.T) {
		o, er, c := e.run("--reset-offsets", "--group", "shop", "--to-datetime", "2020-01-01T00:00:00.000", "--topic", "orders:3", "--dry-run")
		expect(t, o, er, c, `
GROUP                          TOPIC                          PARTITION  NEW-OFFSET     
shop                           orders                         3          0              
`, "", 0)
		future := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000")
		o, er, c = e.run("--reset-offsets", "--group", "shop", "--to-datetime", future, "--topic", "events", "--dry-run")
		expect(t, o, er, c, `
Warn: Partition 0 from topic events is empty. Falling back to latest known offset.

GROUP                          TOPIC                          PARTITION  NEW-OFFSET     
shop                           events                         0          3              
`, "", 0)
		o, er, c = e.run("--reset-offsets", "--group", "shop", "--by-duration", "PT1H", "--topic", "events", "--dry-run")
		expect(t, o, er, c, `
GROUP                          TOPIC                          PARTITION  NEW-OFFSET     
shop                           events                         0          0              
`, "", 0)
	})
	t.Run("reset a new group", func(t *testing.T) {
		o, er, c := e.run("--reset-offsets", "--group", "fresh", "--to-earliest", "--topic", "events", "--execute")
		expect(t, o, er, c, `
GROUP                          TOPIC                          PARTITION  NEW-OFFSET     
fresh                          events                         0          0              
`, "", 0)
		o, er, c = e.run("--describe", "--group", "fresh")
		expect(t, o, er, c, `
GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID
fresh           events          0          0               3               3               -               -               -
`, "\nConsumer group 'fresh' has no active members.\n", 0)
	})
	t.Run("delete offsets", func(t *testing.T) {
		o, er, c := e.run("--delete-offsets", "--group", "shop", "--topic", "orders:0")
		expect(t, o, er, c, `Request succeed for deleting offsets with topic orders:0 group shop

TOPIC                          PARTITION       STATUS         
orders                         0               Successful     
`, "", 0)
		o, er, c = e.run("--delete-offsets", "--group", "shop", "--topic", "nosuch")
		expect(t, o, er, c, `Request succeed for deleting offsets with topic nosuch group shop

TOPIC                          PARTITION       STATUS         
nosuch                         Not Provided    Error: :org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.
`, "", 1)
		o, er, c = e.run("--delete-offsets", "--group", "nope", "--topic", "orders")
		expect(t, o, er, c, `
Error: 'nope' does not exist.

TOPIC                          PARTITION       STATUS         
orders                         0               Error: :org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist.
orders                         1               Error: :org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist.
orders                         2               Error: :org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist.
orders                         3               Error: :org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist.
`, "", 1)
	})
	t.Run("delete", func(t *testing.T) {
		o, er, c := e.run("--delete", "--group", "shop", "--group", "fresh")
		expect(t, o, er, c, "Deletion of requested consumer groups ('fresh', 'shop') was successful.\n", "", 0)
		o, er, c = e.run("--delete", "--group", "shop")
		expect(t, o, er, c, `
Error: Deletion of some consumer groups failed:
* Group 'shop' could not be deleted due to: java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist.
`, "", 1)
		o, er, c = e.run("--list")
		expect(t, o, er, c, "", "", 0)
	})
	t.Run("nonexistent group", func(t *testing.T) {
		o, er, c := e.run("--describe", "--group", "nope")
		expect(t, o, er, c, "\nError: Consumer group 'nope' does not exist.\n", "", 1)
		o, er, c = e.run("--describe", "--group", "nope", "--state")
		expect(t, o, er, c, "\nError: Consumer group 'nope' does not exist.\n", "", 1)
	})
}

// TestConsumerProtocolGroup describes a KIP-848 group, which Kafka's tool
// reads with ConsumerGroupDescribe.
func TestConsumerProtocolGroup(t *testing.T) {
	e := newEnv(t)
	e.createTopic("events", 3, 1)
	k := e.join("kip", "member-k", []string{"events"}, kgo.ServerSideBalancer())
	e.waitGroup("kip", func(state string, sizes []int) bool {
		return state == "Stable" && len(sizes) == 1 && sizes[0] == 2
	})
	k.commit(t, "events", map[int32]int64{0: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	described, err := e.adm.DescribeConsumerGroups(ctx, "kip")
	if err != nil || len(described["kip"].Members) != 1 {
		t.Fatalf("describe kip: %v %+v", err, described)
	}
	// The member id is the client's random one; keep its width.
	id := described["kip"].Members[0].MemberID
	mask := func(s string) string { return strings.ReplaceAll(s, id, strings.Repeat("M", len(id))) }
	m := strings.Repeat("M", len(id))
	pad := strings.Repeat(" ", max(15, len(id))-len(id))
	pad15 := strings.Repeat(" ", max(15, len(id))-len("CONSUMER-ID"))

	o, er, c := e.run("--describe", "--group", "kip")
	expect(t, mask(o), er, c, `
GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID`+pad15+` HOST            CLIENT-ID
kip             events          0          1               3               2               `+m+pad+` /127.0.0.1      member-k
kip             events          1          -               1               -               `+m+pad+` /127.0.0.1      member-k
`, "", 0)
	o, er, c = e.run("--describe", "--group", "kip", "--state")
	expect(t, o, er, c, `
GROUP                     COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE           #MEMBERS
kip                       127.0.0.1:PPPPP  (1)      uniform              Stable          1
`, "", 0)
	o, er, c = e.run("--list", "--type")
	expect(t, o, er, c, "GROUP                     TYPE                \nkip                       Consumer            \n", "", 0)
	o, er, c = e.run("--list", "--type", "classic")
	expect(t, o, er, c, "GROUP                     TYPE                \n", "", 0)
	o, er, c = e.run("--reset-offsets", "--group", "kip", "--to-latest", "--all-topics", "--dry-run")
	expect(t, o, er, c, `
Error: Assignments can only be reset if the group 'kip' is inactive, but the current state is Stable.

GROUP                          TOPIC                          PARTITION  NEW-OFFSET     
`, "", 1)
}

// TestUsage checks the command-line errors, which need no broker, and an
// unreachable one.
func TestUsage(t *testing.T) {
	bin := binary(t)
	run := func(args ...string) (string, string, int) {
		return runBinary(bin, append([]string{"consumer-groups"}, args...)...)
	}
	usageStart := "Option                                   Description\n"
	cases := []struct {
		name  string
		args  []string
		first string // stderr's first line
	}{
		{"unknown flag", []string{"--bootstrap-server", "x:1", "--list", "--bogus"}, "bogus is not a recognized option"},
		{"no bootstrap", []string{"--list"}, `Missing required argument "[bootstrap-server]"`},
		{"no action", []string{"--bootstrap-server", "x:1"}, "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets"},
		{"two actions", []string{"--bootstrap-server", "x:1", "--list", "--describe", "--group", "g"}, `Option "[group]" can't be used with option "[list]"`},
		{"describe without group", []string{"--bootstrap-server", "x:1", "--describe"}, "Option [describe] takes one of these options: [group], [all-groups]"},
		{"describe two views", []string{"--bootstrap-server", "x:1", "--describe", "--group", "g", "--members", "--state"}, "Option [describe] takes at most one of these options: [members], [offsets], [state]"},
		{"members without describe", []string{"--bootstrap-server", "x:1", "--list", "--members"}, "Option(s) [members] are unavailable given other options on the command line"},
		{"delete with topic", []string{"--bootstrap-server", "x:1", "--delete", "--group", "g", "--topic", "t"}, "The consumer does not support topic-specific offset deletion from a consumer group."},
		{"delete-offsets without topic", []string{"--bootstrap-server", "x:1", "--delete-offsets", "--group", "g"}, "Option [delete-offsets] takes the following options: [group], [topic]"},
		{"reset two scenarios", []string{"--bootstrap-server", "x:1", "--reset-offsets", "--group", "g", "--to-earliest", "--to-latest", "--dry-run"}, `Option "[to-earliest]" can't be used with option "[to-latest]"`},
		{"reset execute and dry run", []string{"--bootstrap-server", "x:1", "--reset-offsets", "--group", "g", "--execute", "--dry-run"}, "Option [reset-offsets] only accepts one of [execute] and [dry-run]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, er, c := run(tc.args...)
			first, rest, _ := strings.Cut(er, "\n")
			if o != "" || c != 1 || first != tc.first || !strings.HasPrefix(rest, usageStart) {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant first line %q then usage", c, o, er, tc.first)
			}
		})
	}
	t.Run("help", func(t *testing.T) {
		o, er, c := run("--help")
		if o != "" || c != 1 || !strings.HasPrefix(er, description+"\n"+usageStart) {
			t.Errorf("exit %d, stdout %q, stderr:\n%s", c, o, er)
		}
	})
	t.Run("invoked as kafka-consumer-groups.sh", func(t *testing.T) {
		t.Parallel() // waits for the connect timeout
		link := filepath.Join(t.TempDir(), "kafka-consumer-groups.sh")
		if err := os.Symlink(bin, link); err != nil {
			t.Fatal(err)
		}
		o, er, c := runBinary(link, "--bootstrap-server", "127.0.0.1:1", "--describe", "--all-groups")
		expect(t, o, er, c, "", "Could not connect to the Kafka cluster at 127.0.0.1:1: connection refused\n", 1)
	})
	t.Run("unreachable broker", func(t *testing.T) {
		t.Parallel() // waits for the connect timeout
		o, er, c := run("--bootstrap-server", "127.0.0.1:1", "--list")
		expect(t, o, er, c, "", "Could not connect to the Kafka cluster at 127.0.0.1:1: connection refused\n", 1)
	})
}
