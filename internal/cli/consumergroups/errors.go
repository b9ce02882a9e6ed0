package consumergroups

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"

	"samsa/internal/cli"
)

// javaExceptions names the exception Kafka's clients raise for a protocol
// error, for the messages the tool prints (Kafka prints the exception's
// class and message).
var javaExceptions = map[int16]string{
	kerr.UnknownTopicOrPartition.Code:  "UnknownTopicOrPartitionException",
	kerr.CoordinatorNotAvailable.Code:  "CoordinatorNotAvailableException",
	kerr.NotCoordinator.Code:           "NotCoordinatorException",
	kerr.InvalidGroupID.Code:           "InvalidGroupIdException",
	kerr.GroupAuthorizationFailed.Code: "GroupAuthorizationException",
	kerr.TopicAuthorizationFailed.Code: "TopicAuthorizationException",
	kerr.NonEmptyGroup.Code:            "GroupNotEmptyException",
	kerr.GroupIDNotFound.Code:          "GroupIdNotFoundException",
	kerr.GroupSubscribedToTopic.Code:   "GroupSubscribedToTopicException",
	kerr.UnknownMemberID.Code:          "UnknownMemberIdException",
	kerr.IllegalGeneration.Code:        "IllegalGenerationException",
	kerr.RebalanceInProgress.Code:      "RebalanceInProgressException",
	kerr.OffsetMetadataTooLarge.Code:   "OffsetMetadataTooLarge",
	kerr.UnstableOffsetCommit.Code:     "UnstableOffsetCommitException",
	kerr.StaleMemberEpoch.Code:         "StaleMemberEpochException",
}

// javaError renders a protocol error as Kafka's tool shows an
// ExecutionException's message: "org.apache.kafka.common.errors.<Class>:
// <description>".
func javaError(err error) error {
	var ke *kerr.Error
	if !errors.As(err, &ke) {
		return err
	}
	class, ok := javaExceptions[ke.Code]
	if !ok {
		class = "ApiException"
	}
	return fmt.Errorf("org.apache.kafka.common.errors.%s: %s", class, ke.Description)
}

// parseTopicWithPartitions reads "topic:0,1,2" as Kafka's
// parseTopicsWithPartitions does, Java's String.split included: trailing
// empty fields vanish.
func parseTopicWithPartitions(arg string) ([]topicPartition, error) {
	parts := javaSplit(arg, ":")
	if len(parts) != 2 {
		return nil, &cli.UsageError{Message: fmt.Sprintf("Invalid topic arg '%s', expected topic name and partitions", arg)}
	}
	var out []topicPartition
	for _, p := range javaSplit(parts[1], ",") {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil {
			return nil, &cli.UsageError{Message: fmt.Sprintf("Invalid partition '%s' specified in topic arg '%s''", p, arg)}
		}
		out = append(out, topicPartition{parts[0], int32(n)})
	}
	return out, nil
}

// javaSplit is String.split with a literal separator: trailing empty
// strings are removed.
func javaSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}
