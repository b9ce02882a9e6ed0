package broker

import (
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
)

// errorCode maps an error to the Kafka error code a client should see:
// errors that wrap a kerr value carry their code; anything else is an
// internal failure, UNKNOWN_SERVER_ERROR.
func errorCode(err error) int16 {
	if err == nil {
		return 0
	}
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Code
	}
	return kerr.UnknownServerError.Code
}

// errorMessage returns the message to put next to a code in responses
// that carry one: the error text for Kafka errors with context, nil when
// the error is just the bare code.
func errorMessage(err error) *string {
	if err == nil {
		return nil
	}
	var ke *kerr.Error
	if errors.As(err, &ke) && err == error(ke) {
		return nil
	}
	s := err.Error()
	return &s
}

// kafkaError is an error code with a message of its own.
type kafkaError struct {
	code *kerr.Error
	msg  string
}

func (e *kafkaError) Error() string { return e.msg }
func (e *kafkaError) Unwrap() error { return e.code }

// requestError returns a Kafka error code with a message for the client.
func requestError(code *kerr.Error, format string, args ...any) error {
	return &kafkaError{code: code, msg: fmt.Sprintf(format, args...)}
}
