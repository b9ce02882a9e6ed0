package topics

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

// APIError is a Kafka error code from a response together with the
// broker's message, shown the way the Java admin client's exception
// shows it: the broker's message when there is one, else the code's
// default description.
type APIError struct {
	Err     *kerr.Error
	Message string
}

func (e *APIError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return e.Err.Description
}

func (e *APIError) Unwrap() error { return e.Err }

// ResponseError turns a response's error code and message into an
// *APIError, or nil for code 0.
func ResponseError(code int16, message *string) error {
	err := kerr.ErrorForCode(code)
	if err == nil {
		return nil
	}
	var ke *kerr.Error
	if !errors.As(err, &ke) {
		return err
	}
	e := &APIError{Err: ke}
	if message != nil {
		e.Message = *message
	}
	return e
}

// exceptionClasses names the Java exception for the codes whose class name
// is not the code's name in camel case followed by "Exception".
var exceptionClasses = map[int16]string{
	kerr.TopicAlreadyExists.Code:         "TopicExistsException",
	kerr.InvalidTopicException.Code:      "InvalidTopicException",
	kerr.InvalidConfig.Code:              "InvalidConfigurationException",
	kerr.UnknownServerError.Code:         "UnknownServerException",
	kerr.TopicAuthorizationFailed.Code:   "TopicAuthorizationException",
	kerr.ClusterAuthorizationFailed.Code: "ClusterAuthorizationException",
	kerr.RequestTimedOut.Code:            "TimeoutException",
	kerr.InvalidReplicationFactor.Code:   "InvalidReplicationFactorException",
	kerr.InvalidPartitions.Code:          "InvalidPartitionsException",
	kerr.InvalidReplicaAssignment.Code:   "InvalidReplicaAssignmentException",
	kerr.InvalidRequest.Code:             "InvalidRequestException",
	kerr.PolicyViolation.Code:            "PolicyViolationException",
	kerr.NotController.Code:              "NotControllerException",
}

// JavaClass is the fully qualified Java class of the exception Kafka's
// tools would report for err, for the log line they print with it.
func JavaClass(err error) string {
	var ae *APIError
	if !errors.As(err, &ae) {
		return "java.lang.IllegalArgumentException"
	}
	if c, ok := exceptionClasses[ae.Err.Code]; ok {
		return "org.apache.kafka.common.errors." + c
	}
	var b strings.Builder
	for _, w := range strings.Split(strings.ToLower(ae.Err.Message), "_") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return "org.apache.kafka.common.errors." + strings.TrimSuffix(b.String(), "Exception") + "Exception"
}

// LogError writes the line Kafka's tools log at ERROR through log4j's
// tools configuration ("[time] ERROR message (logger)"), with the
// exception's class and message in place of its stack trace.
func LogError(w io.Writer, logger string, err error, now time.Time) {
	fmt.Fprintf(w, "[%s] ERROR %s: %s\n (%s)\n", now.Format("2006-01-02 15:04:05,000"), JavaClass(err), err.Error(), logger)
}

// usageError is a check Kafka's tools make after parsing that prints the
// message and the usage.
type usageError struct{ message string }

func (e *usageError) Error() string { return e.message }
