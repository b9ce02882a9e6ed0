package consumergroups

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// deleteGroups is --delete: Kafka's summary line on success, a list of
// failures otherwise.
func (c *command) deleteGroups(ctx context.Context) error {
	ids, err := c.groupIDs(ctx)
	if err != nil {
		return err
	}
	ids = dedupe(ids)
	if len(ids) == 0 {
		fmt.Fprintln(c.stdout, "Deletion of requested consumer groups ('') was successful.")
		return nil
	}
	resp, err := c.admin.Adm.DeleteGroups(ctx, ids...)
	if err != nil {
		return fmt.Errorf("deleting groups: %w", err)
	}
	var deleted, failed []string
	reasons := map[string]error{}
	for _, id := range ids {
		r, ok := resp[id]
		switch {
		case !ok:
			failed = append(failed, id)
			reasons[id] = kerr.GroupIDNotFound
		case r.Err != nil:
			failed = append(failed, id)
			reasons[id] = r.Err
		default:
			deleted = append(deleted, id)
		}
	}
	sort.Strings(deleted)
	sort.Strings(failed)
	if len(failed) == 0 {
		fmt.Fprintf(c.stdout, "Deletion of requested consumer groups (%s) was successful.\n", quoteJoin(deleted))
		return nil
	}
	c.error("Deletion of some consumer groups failed:")
	for _, id := range failed {
		fmt.Fprintf(c.stdout, "* Group '%s' could not be deleted due to: java.util.concurrent.ExecutionException: %v\n", id, javaError(reasons[id]))
	}
	if len(deleted) > 0 {
		// Kafka joins these names with a lone quote and ends with ", '".
		fmt.Fprintf(c.stdout, "\nThese consumer groups were deleted successfully: '%s', '\n", strings.Join(deleted, "'"))
	}
	return nil
}

// deleteOffsets is --delete-offsets: the committed offsets of the named
// topics (all their partitions, or those after a colon) are removed from
// one group, and each partition's outcome is listed.
func (c *command) deleteOffsets(ctx context.Context) error {
	groupID := c.r.String("group")
	topics := c.r.Strings("topic")
	results := map[topicPartition]error{}
	set := kadm.TopicsSet{}
	var whole []string
	for _, t := range topics {
		if !strings.Contains(t, ":") {
			whole = append(whole, t)
			continue
		}
		tps, err := parseTopicWithPartitions(t)
		if err != nil {
			return err
		}
		for _, tp := range tps {
			set.Add(tp.topic, tp.partition)
		}
	}
	if len(whole) > 0 {
		details, err := c.admin.Adm.ListTopics(ctx, whole...)
		if err != nil {
			return fmt.Errorf("describing topics: %w", err)
		}
		for _, t := range whole {
			d, ok := details[t]
			if !ok || d.Err != nil {
				results[topicPartition{t, -1}] = kerr.UnknownTopicOrPartition
				continue
			}
			for p := range d.Partitions {
				set.Add(t, p)
			}
		}
	}
	topLevel, err := c.offsetDelete(ctx, groupID, set, results)
	if err != nil {
		return err
	}
	c.reportDeleteOffsets(groupID, topics, topLevel)
	c.printDeleteOffsets(results)
	return nil
}

// offsetDelete sends OffsetDelete and records each partition's outcome in
// results. It returns the error Kafka's admin client would raise for the
// whole call: the group's error, else the first partition's.
func (c *command) offsetDelete(ctx context.Context, groupID string, set kadm.TopicsSet, results map[topicPartition]error) (error, error) { //nolint:revive // two kinds of error
	if len(set) == 0 {
		// kadm sends nothing for no partitions; Kafka's admin client
		// still asks, which reports the group's own errors.
		req := kmsg.NewPtrOffsetDeleteRequest()
		req.Group = groupID
		resp, err := req.RequestWith(ctx, c.admin.Client)
		if err != nil {
			return nil, fmt.Errorf("deleting offsets of group %s: %w", groupID, err)
		}
		return kerr.ErrorForCode(resp.ErrorCode), nil
	}
	resp, err := c.admin.Adm.DeleteOffsets(ctx, groupID, set)
	var ke *kerr.Error
	if err != nil && !errors.As(err, &ke) {
		return nil, fmt.Errorf("deleting offsets of group %s: %w", groupID, err)
	}
	var topLevel error
	if ke != nil {
		topLevel = ke
	}
	for t, ps := range set {
		for p := range ps {
			tp := topicPartition{t, p}
			switch {
			case ke != nil:
				results[tp] = ke
			default:
				perr, ok := resp.Lookup(t, p)
				if !ok {
					perr = kerr.UnknownTopicOrPartition
				}
				results[tp] = perr
				if perr != nil && topLevel == nil {
					topLevel = perr
				}
			}
		}
	}
	return topLevel, nil
}

func (c *command) reportDeleteOffsets(groupID string, topics []string, topLevel error) {
	var ke *kerr.Error
	errors.As(topLevel, &ke)
	switch {
	case topLevel == nil:
		fmt.Fprintf(c.stdout, "Request succeed for deleting offsets with topic %s group %s\n", strings.Join(topics, ", "), groupID)
	case errors.Is(topLevel, kerr.InvalidGroupID):
		c.error("'" + groupID + "' is not valid.")
	case errors.Is(topLevel, kerr.GroupIDNotFound):
		c.error("'" + groupID + "' does not exist.")
	case errors.Is(topLevel, kerr.GroupAuthorizationFailed):
		c.error("Access to '" + groupID + "' is not authorized.")
	case errors.Is(topLevel, kerr.NonEmptyGroup):
		c.error("Deleting offsets of a consumer group '" + groupID + "' is forbidden if the group is not empty.")
	case errors.Is(topLevel, kerr.GroupSubscribedToTopic), errors.Is(topLevel, kerr.TopicAuthorizationFailed),
		errors.Is(topLevel, kerr.UnknownTopicOrPartition):
		c.error("Encounter some partition level error, see the follow-up details:")
	case ke != nil:
		c.error("Encounter some unknown error: " + ke.Message)
	default:
		c.error(fmt.Sprintf("Encounter some unknown error: %v", topLevel))
	}
}

// printDeleteOffsets is the TOPIC PARTITION STATUS table, sorted as Kafka
// sorts it: by topic and partition number concatenated as text.
func (c *command) printDeleteOffsets(results map[topicPartition]error) {
	line := func(topic, partition, status string) {
		fmt.Fprintf(c.stdout, "\n%-30s %-15s %-15s", topic, partition, status)
	}
	line("TOPIC", "PARTITION", "STATUS")
	tps := make([]topicPartition, 0, len(results))
	for tp := range results {
		tps = append(tps, tp)
	}
	key := func(tp topicPartition) string { return tp.topic + strconv.Itoa(int(tp.partition)) }
	sort.Slice(tps, func(i, j int) bool { return key(tps[i]) < key(tps[j]) })
	for _, tp := range tps {
		partition := "Not Provided"
		if tp.partition >= 0 {
			partition = strconv.Itoa(int(tp.partition))
		}
		status := "Successful"
		if err := results[tp]; err != nil {
			status = "Error: :" + javaError(err).Error()
			c.failed = true
		}
		line(tp.topic, partition, status)
	}
	fmt.Fprintln(c.stdout)
}
