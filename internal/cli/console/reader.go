package console

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// kafkaException is the first line Java prints for an uncaught
// KafkaException; the console producer dies with it on bad input.
type kafkaException struct{ msg string }

func (e *kafkaException) Error() string { return "org.apache.kafka.common.KafkaException: " + e.msg }

func kafkaErrorf(format string, args ...any) error {
	return &kafkaException{msg: fmt.Sprintf(format, args...)}
}

// lineReader turns input lines into records as Kafka's LineMessageReader
// does: optional headers, then an optional key, then the value, split by
// configurable separators.
type lineReader struct {
	topic            string
	parseKey         bool
	keySeparator     string
	parseHeaders     bool
	headersDelimiter string
	headersSeparator *regexp.Regexp // a Java regex in Kafka: Pattern.split
	headersKeySep    string
	ignoreError      bool
	nullMarker       string
	hasNullMarker    bool
	lineNumber       int
}

// newLineReader configures a reader from the --property and --reader-config
// properties, with LineMessageReader's defaults and consistency checks.
func newLineReader(topic string, props map[string]string) (*lineReader, error) {
	r := &lineReader{topic: topic, keySeparator: "\t", headersDelimiter: "\t", headersKeySep: ":"}
	isTrue := func(k string) bool { return strings.EqualFold(strings.TrimSpace(props[k]), "true") }
	r.parseKey = isTrue("parse.key")
	r.parseHeaders = isTrue("parse.headers")
	r.ignoreError = isTrue("ignore.error")
	if v, ok := props["key.separator"]; ok {
		r.keySeparator = v
	}
	if v, ok := props["headers.delimiter"]; ok {
		r.headersDelimiter = v
	}
	headersSeparator := ","
	if v, ok := props["headers.separator"]; ok {
		headersSeparator = v
	}
	re, err := regexp.Compile(headersSeparator)
	if err != nil {
		return nil, kafkaErrorf("invalid headers.separator %q: %v", headersSeparator, err)
	}
	r.headersSeparator = re
	if v, ok := props["headers.key.separator"]; ok {
		r.headersKeySep = v
	}
	switch {
	case r.headersDelimiter == headersSeparator:
		return nil, kafkaErrorf("headers.delimiter and headers.separator may not be equal")
	case r.headersDelimiter == r.headersKeySep:
		return nil, kafkaErrorf("headers.delimiter and headers.key.separator may not be equal")
	case headersSeparator == r.headersKeySep:
		return nil, kafkaErrorf("headers.separator and headers.key.separator may not be equal")
	}
	r.nullMarker, r.hasNullMarker = props["null.marker"]
	if r.hasNullMarker {
		for _, c := range []struct{ name, v string }{
			{"key.separator", r.keySeparator}, {"headers.separator", headersSeparator},
			{"headers.delimiter", r.headersDelimiter}, {"headers.key.separator", r.headersKeySep},
		} {
			if c.v == r.nullMarker {
				return nil, kafkaErrorf("null.marker and %s may not be equal", c.name)
			}
		}
	}
	return r, nil
}

// isNull reports whether a field equals the null marker.
func (r *lineReader) isNull(s string) bool { return r.hasNullMarker && s == r.nullMarker }

// bytesOrNull keeps an empty field as an empty, non-null byte slice.
func (r *lineReader) bytesOrNull(s string) []byte {
	if r.isNull(s) {
		return nil
	}
	return append(make([]byte, 0, len(s)), s...)
}

// record parses one line (without its terminator); the line number counts
// from 1 and appears in errors.
func (r *lineReader) record(line string) (*kgo.Record, error) {
	r.lineNumber++
	headers, hasHeaders, err := r.field(r.parseHeaders, line, 0, r.headersDelimiter, "headers delimiter")
	if err != nil {
		return nil, err
	}
	offset := 0
	if hasHeaders {
		offset = len(headers) + len(r.headersDelimiter)
	}
	key, hasKey, err := r.field(r.parseKey, line, offset, r.keySeparator, "key separator")
	if err != nil {
		return nil, err
	}
	if hasKey {
		offset += len(key) + len(r.keySeparator)
	}
	rec := &kgo.Record{Topic: r.topic, Value: r.bytesOrNull(line[offset:])}
	if hasKey {
		rec.Key = r.bytesOrNull(key)
	}
	if hasHeaders && !r.isNull(headers) {
		if rec.Headers, err = r.splitHeaders(headers); err != nil {
			return nil, err
		}
	}
	return rec, nil
}

// field cuts the text from start up to the separator. Without the
// separator the line is an error, or with ignore.error the field is absent.
func (r *lineReader) field(enabled bool, line string, start int, sep, sepName string) (string, bool, error) {
	if !enabled {
		return "", false, nil
	}
	i := strings.Index(line[start:], sep)
	if i < 0 {
		if r.ignoreError {
			return "", false, nil
		}
		return "", false, kafkaErrorf("No %s found on line number %d: '%s'", sepName, r.lineNumber, line)
	}
	return line[start : start+i], true, nil
}

func (r *lineReader) splitHeaders(s string) ([]kgo.RecordHeader, error) {
	var out []kgo.RecordHeader
	for _, pair := range javaSplit(r.headersSeparator, s) {
		i := strings.Index(pair, r.headersKeySep)
		if i < 0 {
			if r.ignoreError {
				out = append(out, kgo.RecordHeader{Key: pair})
				continue
			}
			return nil, kafkaErrorf("No header key separator found in pair '%s' on line number %d", pair, r.lineNumber)
		}
		key := pair[:i]
		if r.isNull(key) {
			return nil, kafkaErrorf("Header keys should not be equal to the null marker '%s' as they can't be null", r.nullMarker)
		}
		out = append(out, kgo.RecordHeader{Key: key, Value: r.bytesOrNull(pair[i+len(r.headersKeySep):])})
	}
	return out, nil
}

// javaSplit splits like java.util.regex.Pattern.split: trailing empty
// strings are dropped, and a string without a match is returned whole.
func javaSplit(re *regexp.Regexp, s string) []string {
	parts := re.Split(s, -1)
	if len(parts) == 1 {
		return parts
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// maxLineBytes bounds one input line; a record bigger than this could not
// be produced with any sensible max.request.size anyway.
const maxLineBytes = 64 << 20

// newLineScanner splits input into lines the way Java's
// BufferedReader.readLine does: at "\n", "\r" or "\r\n".
func newLineScanner(in io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		i := bytes.IndexAny(data, "\r\n")
		switch {
		case i >= 0 && data[i] == '\n':
			return i + 1, data[:i], nil
		case i >= 0 && i+1 < len(data):
			if data[i+1] == '\n' {
				return i + 2, data[:i], nil
			}
			return i + 1, data[:i], nil
		case i >= 0 && atEOF:
			return i + 1, data[:i], nil
		case i >= 0:
			return 0, nil, nil // a '\r' at the end: wait to see whether '\n' follows
		case atEOF && len(data) > 0:
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	return sc
}
