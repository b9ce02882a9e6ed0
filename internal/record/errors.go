package record

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
)

// maxRecordErrors bounds how many per-record errors a ValidationError keeps:
// Kafka reports every failing record, but a million-record batch with a bad
// clock would otherwise make the error as large as the batch.
const maxRecordErrors = 100

// ValidationError is the error Validate returns. It unwraps to the Kafka error
// code the broker answers with, so errors.Is(err, kerr.InvalidRecord) works,
// and carries the reason for the log and the produce response.
type ValidationError struct {
	// Code is the Kafka error for the partition.
	Code *kerr.Error
	// Reason says what was wrong, for the broker's log and the response's
	// error message.
	Reason string
	// RecordErrors lists failing records (Kafka's record_errors), at most
	// maxRecordErrors of them; empty when the batch as a whole is at fault.
	RecordErrors []RecordError
}

// RecordError names one record that failed validation.
type RecordError struct {
	BatchIndex int32 // position of the record in its batch
	Message    string
}

func (e *ValidationError) Error() string { return e.Reason + ": " + e.Code.Message }

// Unwrap returns the Kafka error code.
func (e *ValidationError) Unwrap() error { return e.Code }

func newError(code *kerr.Error, format string, args ...any) *ValidationError {
	return &ValidationError{Code: code, Reason: fmt.Sprintf(format, args...)}
}

func corrupt(format string, args ...any) *ValidationError {
	return newError(kerr.CorruptMessage, format, args...)
}

func invalid(format string, args ...any) *ValidationError {
	return newError(kerr.InvalidRecord, format, args...)
}
