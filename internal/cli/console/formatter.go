package console

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Formatter class names --formatter accepts.
const (
	defaultFormatterClass = "org.apache.kafka.tools.consumer.DefaultMessageFormatter"
	noOpFormatterClass    = "org.apache.kafka.tools.consumer.NoOpMessageFormatter"
)

// formatter prints records as Kafka's DefaultMessageFormatter: the chosen
// fields in the order timestamp, partition, offset, delivery, epoch,
// headers, key, value, separated by key.separator, each record ended by
// line.separator.
type formatter struct {
	timestamp, key, value, partition, offset, delivery, epoch, headers bool

	keySeparator, lineSeparator, headersSeparator, nullLiteral string
	noOp                                                       bool
}

// newFormatter reads the --property settings DefaultMessageFormatter knows;
// others are ignored as Java ignores them.
func newFormatter(props map[string]string) *formatter {
	f := &formatter{value: true, keySeparator: "\t", lineSeparator: "\n", headersSeparator: ",", nullLiteral: "null"}
	flags := map[string]*bool{
		"print.timestamp": &f.timestamp, "print.key": &f.key, "print.value": &f.value,
		"print.partition": &f.partition, "print.offset": &f.offset, "print.delivery": &f.delivery,
		"print.epoch": &f.epoch, "print.headers": &f.headers,
	}
	for k, p := range flags {
		if v, ok := props[k]; ok {
			*p = strings.EqualFold(strings.TrimSpace(v), "true")
		}
	}
	strs := map[string]*string{
		"key.separator": &f.keySeparator, "line.separator": &f.lineSeparator,
		"headers.separator": &f.headersSeparator, "null.literal": &f.nullLiteral,
	}
	for k, p := range strs {
		if v, ok := props[k]; ok {
			*p = v
		}
	}
	return f
}

// format appends one record's text to buf.
func (f *formatter) format(buf *bytes.Buffer, r *kgo.Record) {
	if f.noOp {
		return
	}
	// sep ends a field: the column separator when more fields follow,
	// else the line separator.
	sep := func(more bool) {
		if more {
			buf.WriteString(f.keySeparator)
		} else {
			buf.WriteString(f.lineSeparator)
		}
	}
	if f.timestamp {
		if r.Attrs.TimestampType() == 1 {
			buf.WriteString("LogAppendTime:")
		} else {
			buf.WriteString("CreateTime:")
		}
		buf.WriteString(strconv.FormatInt(r.Timestamp.UnixMilli(), 10))
		sep(f.partition || f.offset || f.delivery || f.epoch || f.headers || f.key || f.value)
	}
	if f.partition {
		buf.WriteString("Partition:" + strconv.Itoa(int(r.Partition)))
		sep(f.offset || f.delivery || f.epoch || f.headers || f.key || f.value)
	}
	if f.offset {
		buf.WriteString("Offset:" + strconv.FormatInt(r.Offset, 10))
		sep(f.delivery || f.epoch || f.headers || f.key || f.value)
	}
	// ConsoleConsumer hands the formatter a copy of each record without
	// delivery count or leader epoch, so Kafka always prints NOT_PRESENT.
	if f.delivery {
		buf.WriteString("Delivery:NOT_PRESENT")
		sep(f.epoch || f.headers || f.key || f.value)
	}
	if f.epoch {
		buf.WriteString("Epoch:NOT_PRESENT")
		sep(f.headers || f.key || f.value)
	}
	if f.headers {
		if len(r.Headers) == 0 {
			buf.WriteString("NO_HEADERS")
		}
		for i, h := range r.Headers {
			if i > 0 {
				buf.WriteString(f.headersSeparator)
			}
			buf.WriteString(h.Key + ":")
			f.bytes(buf, h.Value)
		}
		sep(f.key || f.value)
	}
	if f.key {
		f.bytes(buf, r.Key)
		sep(f.value)
	}
	if f.value {
		f.bytes(buf, r.Value)
		buf.WriteString(f.lineSeparator)
	}
}

func (f *formatter) bytes(buf *bytes.Buffer, b []byte) {
	if b == nil {
		buf.WriteString(f.nullLiteral)
		return
	}
	buf.Write(b)
}
