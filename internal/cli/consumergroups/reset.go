package consumergroups

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"samsa/internal/cli"
)

// resetPlan is the new offset of each partition, by group.
type resetPlan map[string]map[topicPartition]int64

func (c *command) resetOffsets(ctx context.Context) error {
	ids, err := c.groupIDs(ctx)
	if err != nil {
		return err
	}
	ids = dedupe(ids)
	groups, err := c.describeGroups(ctx, ids)
	if err != nil {
		return err
	}
	execute := c.r.Has("execute") && !c.r.Has("dry-run")
	plan := resetPlan{}
	for _, id := range ids {
		g := groups[id]
		if g.state != "Empty" && g.state != "Dead" {
			c.error(fmt.Sprintf("Assignments can only be reset if the group '%s' is inactive, but the current state is %s.", id, g.state))
			plan[id] = map[topicPartition]int64{}
			continue
		}
		partitions, err := c.partitionsToReset(ctx, id)
		if err != nil {
			return err
		}
		prepared, err := c.prepareOffsets(ctx, id, partitions)
		if err != nil {
			return err
		}
		if execute {
			if err := c.commit(ctx, id, prepared); err != nil {
				return err
			}
		}
		plan[id] = prepared
	}
	if c.r.Has("export") {
		fmt.Fprintln(c.stdout, c.exportCSV(plan))
		return nil
	}
	printPlan(c, plan)
	return nil
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// printPlan is Kafka's printOffsetsToReset: the header when any group was
// considered, even one refused, then a row per partition.
func printPlan(c *command, plan resetPlan) {
	line := func(group, topic, partition, offset string) {
		fmt.Fprintf(c.stdout, "\n%-30s %-30s %-10s %-15s", group, topic, partition, offset)
	}
	if len(plan) > 0 {
		line("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET")
	}
	for _, id := range sortedKeys(plan) {
		for _, tp := range sortedPartitions(plan[id]) {
			line(id, tp.topic, strconv.Itoa(int(tp.partition)), strconv.FormatInt(plan[id][tp], 10))
		}
	}
	fmt.Fprintln(c.stdout)
}

// exportCSV is the --export text: "topic,partition,offset" lines for one
// --group, "group,topic,partition,offset" otherwise.
func (c *command) exportCSV(plan resetPlan) string {
	single := len(c.r.Strings("group")) == 1
	var b strings.Builder
	for _, id := range sortedKeys(plan) {
		for _, tp := range sortedPartitions(plan[id]) {
			if !single {
				b.WriteString(csvField(id) + ",")
			}
			fmt.Fprintf(&b, "%s,%d,%d\n", csvField(tp.topic), tp.partition, plan[id][tp])
		}
	}
	return b.String()
}

// csvField quotes a value the way Jackson's CSV writer does when it holds
// a separator, a quote or a line break.
func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\n\r") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func sortedKeys(plan resetPlan) []string {
	keys := make([]string, 0, len(plan))
	for k := range plan {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedPartitions(m map[topicPartition]int64) []topicPartition {
	tps := make([]topicPartition, 0, len(m))
	for tp := range m {
		tps = append(tps, tp)
	}
	sortPartitions(tps)
	return tps
}

// partitionsToReset is the scope: the partitions with a committed offset
// for --all-topics, or those --topic names.
func (c *command) partitionsToReset(ctx context.Context, groupID string) ([]topicPartition, error) {
	switch {
	case c.r.Has("all-topics"):
		committed, err := c.committedOffsets(ctx, groupID)
		if err != nil {
			return nil, err
		}
		tps := make([]topicPartition, 0, len(committed))
		for tp := range committed {
			tps = append(tps, tp)
		}
		sortPartitions(tps)
		return tps, nil
	case c.r.Has("topic"):
		return c.topicPartitions(ctx, c.r.Strings("topic"))
	case c.r.Has("from-file"):
		return nil, nil
	}
	return nil, &cli.UsageError{Message: "One of the reset scopes should be defined: --all-topics, --topic."}
}

// prepareOffsets computes the new offsets by the reset specification.
func (c *command) prepareOffsets(ctx context.Context, groupID string, tps []topicPartition) (map[topicPartition]int64, error) {
	r := c.r
	switch {
	case r.Has("to-offset"):
		requested := map[topicPartition]int64{}
		for _, tp := range tps {
			requested[tp] = r.Int64("to-offset")
		}
		return c.checkOffsetsRange(ctx, requested)
	case r.Has("to-earliest"):
		return c.logOffsets(ctx, tps, earliestTimestamp, "Error getting starting offset of topic partition: ")
	case r.Has("to-latest"):
		return c.logOffsets(ctx, tps, latestTimestamp, "Error getting ending offset of topic partition: ")
	case r.Has("shift-by"):
		return c.shiftBy(ctx, groupID, tps, r.Int64("shift-by"))
	case r.Has("to-datetime"):
		ts, err := parseDateTime(r.String("to-datetime"))
		if err != nil {
			return nil, err
		}
		return c.timestampOffsets(ctx, tps, ts)
	case r.Has("by-duration"):
		d, err := parseDuration(r.String("by-duration"))
		if err != nil {
			return nil, err
		}
		return c.timestampOffsets(ctx, tps, time.Now().Add(-d).UnixMilli())
	case r.Has("from-file"):
		return c.fromFile(ctx, groupID)
	case r.Has("to-current"):
		return c.toCurrent(ctx, groupID, tps)
	}
	scenarios := make([]string, len(resetScenarios))
	for i, s := range resetScenarios {
		scenarios[i] = "[" + s + "]"
	}
	return nil, &cli.UsageError{Message: fmt.Sprintf("Option '[reset-offsets]' requires one of the following scenarios: [%s]", strings.Join(scenarios, ", "))}
}

// logOffsets is each partition's offset at a special timestamp; a
// partition the leader does not answer for is a usage error, as in Kafka.
func (c *command) logOffsets(ctx context.Context, tps []topicPartition, timestamp int64, failure string) (map[topicPartition]int64, error) {
	offsets, err := c.listOffsets(ctx, tps, timestamp)
	if err != nil {
		return nil, err
	}
	out := map[topicPartition]int64{}
	for _, tp := range tps {
		o, ok := offsets[tp]
		if !ok {
			return nil, &cli.UsageError{Message: failure + tp.String()}
		}
		out[tp] = o
	}
	return out, nil
}

func (c *command) shiftBy(ctx context.Context, groupID string, tps []topicPartition, shift int64) (map[topicPartition]int64, error) {
	committed, err := c.committedOffsets(ctx, groupID)
	if err != nil {
		return nil, err
	}
	requested := map[topicPartition]int64{}
	for _, tp := range tps {
		o, ok := committed[tp]
		if !ok {
			return nil, &cli.UsageError{Message: fmt.Sprintf("Cannot shift offset for partition %s since there is no current committed offset", tp)}
		}
		requested[tp] = o.At + shift
	}
	return c.checkOffsetsRange(ctx, requested)
}

// timestampOffsets is the first offset at or after ts; a partition
// without one falls back to its end offset, with Kafka's notice.
func (c *command) timestampOffsets(ctx context.Context, tps []topicPartition, ts int64) (map[topicPartition]int64, error) {
	offsets, err := c.listOffsets(ctx, tps, ts)
	if err != nil {
		return nil, err
	}
	out := map[topicPartition]int64{}
	var empty []topicPartition
	for _, tp := range tps {
		o, ok := offsets[tp]
		switch {
		case !ok:
			return nil, &cli.UsageError{Message: "Error getting offset by timestamp of topic partition: " + tp.String()}
		case o < 0:
			empty = append(empty, tp)
		default:
			out[tp] = o
		}
	}
	if len(empty) == 0 {
		return out, nil
	}
	for _, tp := range empty {
		fmt.Fprintf(c.stdout, "\nWarn: Partition %d from topic %s is empty. Falling back to latest known offset.\n", tp.partition, tp.topic)
	}
	ends, err := c.logOffsets(ctx, empty, latestTimestamp, "Error getting offset by timestamp of topic partition: ")
	if err != nil {
		return nil, err
	}
	for tp, o := range ends {
		out[tp] = o
	}
	return out, nil
}

func (c *command) toCurrent(ctx context.Context, groupID string, tps []topicPartition) (map[topicPartition]int64, error) {
	committed, err := c.committedOffsets(ctx, groupID)
	if err != nil {
		return nil, err
	}
	out := map[topicPartition]int64{}
	var uncommitted []topicPartition
	for _, tp := range tps {
		if o, ok := committed[tp]; ok {
			out[tp] = o.At
		} else {
			uncommitted = append(uncommitted, tp)
		}
	}
	ends, err := c.logOffsets(ctx, uncommitted, latestTimestamp, "Error getting ending offset of topic partition: ")
	if err != nil {
		return nil, err
	}
	for tp, o := range ends {
		out[tp] = o
	}
	return out, nil
}

// checkOffsetsRange clamps requested offsets into [log start, log end],
// warning on stderr in the layout of Kafka's tools log.
func (c *command) checkOffsetsRange(ctx context.Context, requested map[topicPartition]int64) (map[topicPartition]int64, error) {
	tps := sortedPartitions(requested)
	starts, err := c.listOffsets(ctx, tps, earliestTimestamp)
	if err != nil {
		return nil, err
	}
	ends, err := c.listOffsets(ctx, tps, latestTimestamp)
	if err != nil {
		return nil, err
	}
	out := map[topicPartition]int64{}
	for _, tp := range tps {
		offset := requested[tp]
		if end, ok := ends[tp]; ok && offset > end {
			c.warn(fmt.Sprintf("New offset (%d) is higher than latest offset for topic partition %s. Value will be set to %d", offset, tp, end))
			offset = end
		} else if start, ok := starts[tp]; ok && offset < start {
			c.warn(fmt.Sprintf("New offset (%d) is lower than earliest offset for topic partition %s. Value will be set to %d", offset, tp, start))
			offset = start
		}
		out[tp] = offset
	}
	return out, nil
}

// warn writes a WARN line as Kafka's tools log4j layout does
// ("[%d] %p %m (%c)%n").
func (c *command) warn(msg string) {
	now := time.Now().Format("2006-01-02 15:04:05,000")
	fmt.Fprintf(c.stderr, "[%s] WARN %s (org.apache.kafka.tools.consumer.group.ConsumerGroupCommand)\n", now, msg)
}

// commit stores the new offsets as Kafka's alterConsumerGroupOffsets
// does: an OffsetCommit with no member and generation -1.
func (c *command) commit(ctx context.Context, groupID string, offsets map[topicPartition]int64) error {
	os := kadm.Offsets{}
	for tp, at := range offsets {
		os.Add(kadm.Offset{Topic: tp.topic, Partition: tp.partition, At: at, LeaderEpoch: -1})
	}
	if len(os) == 0 {
		return nil
	}
	resp, err := c.admin.Adm.CommitOffsets(ctx, groupID, os)
	if err != nil {
		return javaError(err)
	}
	if err := resp.Error(); err != nil {
		return javaError(err)
	}
	return nil
}

// fromFile reads the --from-file plan for the group and clamps it.
func (c *command) fromFile(ctx context.Context, groupID string) (map[topicPartition]int64, error) {
	data, err := os.ReadFile(c.r.String("from-file"))
	if err != nil {
		return nil, fmt.Errorf("java.nio.file.NoSuchFileException: %s", c.r.String("from-file"))
	}
	plan, err := parseResetPlan(string(data), c.r.Strings("group"))
	if err != nil {
		return nil, err
	}
	requested, ok := plan[groupID]
	if !ok {
		c.error("No reset plan for group " + groupID + " found")
		return map[topicPartition]int64{}, nil
	}
	return c.checkOffsetsRange(ctx, requested)
}

// parseResetPlan reads an --export file: "topic,partition,offset" lines
// when one --group is given and the first line has that shape, otherwise
// "group,topic,partition,offset" lines.
func parseResetPlan(text string, groups []string) (resetPlan, error) {
	lines := javaSplit(text, "\n")
	noGroup := len(groups) == 1 && len(lines) > 0
	if noGroup {
		_, _, _, err := parseCSVRecord(lines[0], 3)
		noGroup = err == nil
	}
	plan := resetPlan{}
	for _, line := range lines {
		var group, topic string
		var partition int32
		var offset int64
		var err error
		if noGroup {
			group = groups[0]
			topic, partition, offset, err = parseCSVRecord(line, 3)
		} else {
			fields := strings.SplitN(line, ",", 2)
			if len(fields) != 2 {
				return nil, fmt.Errorf("invalid reset plan line %q", line)
			}
			group = fields[0]
			topic, partition, offset, err = parseCSVRecord(fields[1], 3)
		}
		if err != nil {
			return nil, err
		}
		if plan[group] == nil {
			plan[group] = map[topicPartition]int64{}
		}
		plan[group][topicPartition{topic, partition}] = offset
	}
	return plan, nil
}

func parseCSVRecord(line string, n int) (string, int32, int64, error) {
	fields := strings.Split(strings.TrimSuffix(line, "\r"), ",")
	if len(fields) != n {
		return "", 0, 0, fmt.Errorf("invalid reset plan line %q: want topic,partition,offset", line)
	}
	partition, err := strconv.ParseInt(fields[1], 10, 32)
	if err != nil {
		return "", 0, 0, fmt.Errorf("invalid partition in reset plan line %q", line)
	}
	offset, err := strconv.ParseInt(fields[2], 10, 64)
	if err != nil {
		return "", 0, 0, fmt.Errorf("invalid offset in reset plan line %q", line)
	}
	return fields[0], int32(partition), offset, nil
}
