package consumergroups

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"samsa/internal/cli"
)

// groupStates are Kafka's consumer group states (ConsumerGroupState) but
// Unknown, in its order.
var groupStates = []string{"PreparingRebalance", "CompletingRebalance", "Stable", "Dead", "Empty", "Assigning", "Reconciling"}

// groupTypes are Kafka's group types (GroupType) but Unknown, in its order.
var groupTypes = []string{"Consumer", "Classic", "Share"}

// listing is one group as ListGroups reports it.
type listing struct {
	name      string
	state     string // Kafka's spelling: Stable, Empty, …
	groupType string // Classic, Consumer, or Unknown
}

func (c *command) list(ctx context.Context) error {
	includeType, includeState := c.r.Has("type"), c.r.Has("state")
	if !includeType && !includeState {
		groups, err := c.listGroups(ctx, nil, nil)
		if err != nil {
			return err
		}
		for _, g := range groups {
			fmt.Fprintln(c.stdout, g.name)
		}
		return nil
	}
	types, err := parseList(c.r.String("type"), groupTypes, "types")
	if err != nil {
		return err
	}
	states, err := parseList(c.r.String("state"), groupStates, "state")
	if err != nil {
		return err
	}
	groups, err := c.listGroups(ctx, types, states)
	if err != nil {
		return err
	}
	c.printListing(groups, includeType, includeState)
	return nil
}

// printListing is the GROUP [TYPE] [STATE] table: the group column is ten
// wider than the longest name (at least 15), the others 20, all padded.
func (c *command) printListing(groups []listing, includeType, includeState bool) {
	width := 15
	for _, g := range groups {
		width = max(width, len(g.name))
	}
	width += 10
	row := func(name, groupType, state string) {
		line := fmt.Sprintf("%-*s", width, name)
		if includeType {
			line += fmt.Sprintf(" %-20s", groupType)
		}
		if includeState {
			line += fmt.Sprintf(" %-20s", state)
		}
		fmt.Fprintln(c.stdout, line)
	}
	row("GROUP", "TYPE", "STATE")
	for _, g := range groups {
		row(g.name, g.groupType, g.state)
	}
}

// parseList reads a comma-separated --state or --type value
// case-insensitively into Kafka's spellings; empty means no filter.
func parseList(value string, valid []string, what string) ([]string, error) {
	if value == "" {
		return nil, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, v := range strings.Split(value, ",") {
		name := canonical(strings.TrimSpace(v), valid)
		if name == "" {
			if what == "state" {
				return nil, &cli.UsageError{Message: fmt.Sprintf("Invalid state list '%s'. Valid states are: %s", value, strings.Join(valid, ", "))}
			}
			return nil, &cli.UsageError{Message: fmt.Sprintf("Invalid types list '%s'. Valid types are: %s", value, strings.Join(valid, ", "))}
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out, nil
}

func canonical(v string, valid []string) string {
	for _, name := range valid {
		if strings.EqualFold(v, name) {
			return name
		}
	}
	return ""
}

// listGroups lists the consumer groups (protocol type "consumer" or none,
// as Kafka's admin client keeps), optionally filtered by type and state,
// sorted by name.
func (c *command) listGroups(ctx context.Context, types, states []string) ([]listing, error) {
	wireTypes := make([]string, len(types))
	for i, t := range types {
		wireTypes[i] = strings.ToLower(t)
	}
	listed, err := c.admin.Adm.ListGroupsByType(ctx, wireTypes, states...)
	if err != nil {
		return nil, fmt.Errorf("listing groups: %w", err)
	}
	var out []listing
	for _, g := range listed {
		if g.ProtocolType != "consumer" && g.ProtocolType != "" {
			continue
		}
		groupType := canonical(g.GroupType, groupTypes)
		if groupType == "" {
			groupType = "Unknown"
		}
		state := g.State
		if state == "" {
			state = "Unknown"
		}
		out = append(out, listing{name: g.Group, state: state, groupType: groupType})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}
