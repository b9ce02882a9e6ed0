package consumergroups

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

func (c *command) describe(ctx context.Context) error {
	ids, err := c.groupIDs(ctx)
	if err != nil {
		return err
	}
	groups, err := c.describeGroups(ctx, ids)
	if err != nil {
		return err
	}
	// Kafka keeps the groups in a TreeMap: sorted by name.
	sorted := make([]*group, 0, len(groups))
	for _, g := range groups {
		sorted = append(sorted, g)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].id < sorted[j].id })
	verbose := c.r.Has("verbose")
	for _, g := range sorted {
		switch {
		case c.r.Has("members"):
			err = c.printMembers(g, verbose)
		case c.r.Has("state"):
			err = c.printState(g)
		default:
			err = c.printOffsets(ctx, g, verbose)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// shouldPrint reports the group's state as Kafka does before a table and
// says whether the table has anything to show: rows > 0 and the group is
// not Dead.
func (c *command) shouldPrint(g *group, rows int) (bool, error) {
	switch g.state {
	case "Dead":
		c.error(fmt.Sprintf("Consumer group '%s' does not exist.", g.id))
		return false, nil
	case "Empty":
		fmt.Fprintf(c.stderr, "\nConsumer group '%s' has no active members.\n", g.id)
	case "PreparingRebalance", "CompletingRebalance", "Assigning", "Reconciling":
		fmt.Fprintf(c.stderr, "\nWarning: Consumer group '%s' is rebalancing.\n", g.id)
	case "Stable":
	default:
		return false, fmt.Errorf("Expected a valid consumer group state, but found '%s'.", g.state) //nolint:staticcheck // Kafka's text
	}
	return rows > 0, nil
}

// offsetRow is one line of the --offsets table; "" is a missing value.
type offsetRow struct {
	group, topic, partition, leaderEpoch, offset, logEndOffset, lag, consumerID, host, clientID string
}

func (c *command) printOffsets(ctx context.Context, g *group, verbose bool) error {
	rows, err := c.collectOffsets(ctx, g)
	if err != nil {
		return err
	}
	ok, err := c.shouldPrint(g, len(rows))
	if err != nil || !ok {
		return err
	}
	groupWidth, topicWidth, consumerWidth, hostWidth := 15, 15, 15, 15
	for _, r := range rows {
		groupWidth = max(groupWidth, len(r.group))
		topicWidth = max(topicWidth, len(orMissing(r.topic)))
		consumerWidth = max(consumerWidth, len(orMissing(r.consumerID)))
		hostWidth = max(hostWidth, len(orMissing(r.host)))
	}
	line := func(cols ...string) {
		var b strings.Builder
		fmt.Fprintf(&b, "\n%-*s %-*s %-10s ", groupWidth, cols[0], topicWidth, cols[1], cols[2])
		if verbose {
			fmt.Fprintf(&b, "%-15s ", cols[3])
		}
		fmt.Fprintf(&b, "%-15s %-15s %-15s %-*s %-*s %s", cols[4], cols[5], cols[6], consumerWidth, cols[7], hostWidth, cols[8], cols[9])
		fmt.Fprint(c.stdout, b.String())
	}
	line("GROUP", "TOPIC", "PARTITION", "LEADER-EPOCH", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID")
	for _, r := range rows {
		line(r.group, orMissing(r.topic), orMissing(r.partition), orMissing(r.leaderEpoch), orMissing(r.offset),
			orMissing(r.logEndOffset), orMissing(r.lag), orMissing(r.consumerID), orMissing(r.host), orMissing(r.clientID))
	}
	fmt.Fprintln(c.stdout)
	return nil
}

func orMissing(s string) string {
	if s == "" {
		return missing
	}
	return s
}

// collectOffsets builds the --offsets rows: the partitions of each member
// with an assignment, members with more partitions first, then the
// partitions with a committed offset that no member owns.
func (c *command) collectOffsets(ctx context.Context, g *group) ([]offsetRow, error) {
	if g.state == "Dead" {
		return nil, nil
	}
	committed, err := c.committedOffsets(ctx, g.id)
	if err != nil {
		return nil, err
	}
	members := make([]member, 0, len(g.members))
	for _, m := range g.members {
		if len(m.assignment) > 0 {
			members = append(members, m)
		}
	}
	sort.SliceStable(members, func(i, j int) bool { return len(members[i].assignment) > len(members[j].assignment) })
	assigned := map[topicPartition]bool{}
	var all []topicPartition
	for _, m := range members {
		for _, tp := range m.assignment {
			assigned[tp] = true
			all = append(all, tp)
		}
	}
	var unassigned []topicPartition
	for tp := range committed {
		if !assigned[tp] {
			unassigned = append(unassigned, tp)
		}
	}
	sortPartitions(unassigned)
	ends, err := c.listOffsets(ctx, append(all, unassigned...), latestTimestamp)
	if err != nil {
		return nil, err
	}
	row := func(tp topicPartition, consumerID, host, clientID string) offsetRow {
		r := offsetRow{group: g.id, topic: tp.topic, partition: strconv.Itoa(int(tp.partition)),
			consumerID: consumerID, host: host, clientID: clientID}
		o, hasOffset := committed[tp]
		end, hasEnd := ends[tp]
		if hasOffset {
			r.offset = strconv.FormatInt(o.At, 10)
			if o.LeaderEpoch >= 0 {
				r.leaderEpoch = strconv.Itoa(int(o.LeaderEpoch))
			}
		}
		if hasEnd {
			r.logEndOffset = strconv.FormatInt(end, 10)
		}
		if hasOffset && hasEnd {
			r.lag = strconv.FormatInt(end-o.At, 10)
		}
		return r
	}
	var rows []offsetRow
	for _, m := range members {
		for _, tp := range m.assignment {
			rows = append(rows, row(tp, m.consumerID, m.host, m.clientID))
		}
	}
	for _, tp := range unassigned {
		rows = append(rows, row(tp, missing, missing, missing))
	}
	return rows, nil
}

// printMembers is the --members table. As in Kafka, the header is printed
// even when the group has no members or does not exist.
func (c *command) printMembers(g *group, verbose bool) error {
	groupWidth, consumerWidth, instanceWidth, hostWidth, clientWidth := 15, 15, 17, 15, 15
	withInstance := false
	ok, err := c.shouldPrint(g, len(g.members))
	if err != nil {
		return err
	}
	if ok {
		for _, m := range g.members {
			groupWidth = max(groupWidth, len(g.id))
			consumerWidth = max(consumerWidth, len(m.consumerID))
			instanceWidth = max(instanceWidth, len(m.instanceID))
			hostWidth = max(hostWidth, len(m.host))
			clientWidth = max(clientWidth, len(m.clientID))
			withInstance = withInstance || m.instanceID != ""
		}
	}
	line := func(group, consumerID, instanceID, host, clientID, partitions string) string {
		if withInstance {
			return fmt.Sprintf("%-*s %-*s %-*s %-*s %-*s %-15s ", groupWidth, group, consumerWidth, consumerID,
				instanceWidth, instanceID, hostWidth, host, clientWidth, clientID, partitions)
		}
		return fmt.Sprintf("%-*s %-*s %-*s %-*s %-15s ", groupWidth, group, consumerWidth, consumerID,
			hostWidth, host, clientWidth, clientID, partitions)
	}
	header := "\n" + line("GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS")
	if verbose {
		header += "ASSIGNMENT"
	}
	fmt.Fprintln(c.stdout, header)
	if g.state == "Dead" {
		return nil
	}
	for _, m := range g.members {
		text := line(g.id, m.consumerID, m.instanceID, m.host, m.clientID, strconv.Itoa(len(m.assignment)))
		if verbose {
			text += formatAssignment(m.assignment)
		}
		fmt.Fprintln(c.stdout, text)
	}
	return nil
}

// formatAssignment is the ASSIGNMENT column: "t1(0,1), t2(0)", each
// topic's partitions and the topics sorted as strings, as Kafka sorts
// them; "-" for none.
func formatAssignment(tps []topicPartition) string {
	if len(tps) == 0 {
		return missing
	}
	byTopic := map[string][]string{}
	for _, tp := range tps {
		byTopic[tp.topic] = append(byTopic[tp.topic], strconv.Itoa(int(tp.partition)))
	}
	var parts []string
	for topic, ps := range byTopic {
		sort.Strings(ps)
		parts = append(parts, topic+"("+strings.Join(ps, ",")+")")
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// printState is the --state table. Kafka sizes its first column from the
// coordinator text, not the group name; so does this.
func (c *command) printState(g *group) error {
	ok, err := c.shouldPrint(g, 1)
	if err != nil || !ok {
		return err
	}
	coordinator := fmt.Sprintf("%s:%d  (%d)", g.coordinator.Host, g.coordinator.Port, g.coordinator.NodeID)
	width := max(25, len(coordinator))
	line := func(cols ...string) {
		fmt.Fprintf(c.stdout, "\n%-*s %-25s %-20s %-15s %s", width, cols[0], cols[1], cols[2], cols[3], cols[4])
	}
	line("GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS")
	line(g.id, coordinator, g.assignor, g.state, strconv.Itoa(len(g.members)))
	fmt.Fprintln(c.stdout)
	return nil
}
