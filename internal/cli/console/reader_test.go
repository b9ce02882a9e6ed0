package console

import (
	"strings"
	"testing"
)

func TestLineScannerSplitsLikeJava(t *testing.T) {
	sc := newLineScanner(strings.NewReader("a\nb\r\nc\rd\n\ne"))
	var got []string
	for sc.Scan() {
		got = append(got, sc.Text())
	}
	if strings.Join(got, "|") != "a|b|c|d||e" {
		t.Fatalf("lines %q", got)
	}
}

func TestReaderConfigConflicts(t *testing.T) {
	for _, tc := range []struct {
		props map[string]string
		want  string
	}{
		{map[string]string{"headers.delimiter": ","}, "headers.delimiter and headers.separator may not be equal"},
		{map[string]string{"headers.key.separator": "\t"}, "headers.delimiter and headers.key.separator may not be equal"},
		{map[string]string{"headers.separator": ":"}, "headers.separator and headers.key.separator may not be equal"},
		{map[string]string{"null.marker": "\t"}, "null.marker and key.separator may not be equal"},
		{map[string]string{"key.separator": "x", "null.marker": ","}, "null.marker and headers.separator may not be equal"},
		{map[string]string{"headers.separator": "[", "headers.delimiter": "|"}, "invalid headers.separator \"[\": error parsing regexp: missing closing ]: `[`"},
	} {
		_, err := newLineReader("t", tc.props)
		if err == nil || err.Error() != "org.apache.kafka.common.KafkaException: "+tc.want {
			t.Errorf("%v: error %v, want %q", tc.props, err, tc.want)
		}
	}
}

func TestHeaderErrors(t *testing.T) {
	r, err := newLineReader("t", map[string]string{"parse.headers": "true", "null.marker": "N"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.record("h1v1\tvalue"); err == nil || err.Error() != "org.apache.kafka.common.KafkaException: No header key separator found in pair 'h1v1' on line number 1" {
		t.Errorf("missing header key separator: %v", err)
	}
	if _, err := r.record("N:v\tvalue"); err == nil || err.Error() != "org.apache.kafka.common.KafkaException: Header keys should not be equal to the null marker 'N' as they can't be null" {
		t.Errorf("null header key: %v", err)
	}
	rec, err := r.record("a:N,b:,\tvalue")
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Headers) != 2 || rec.Headers[0].Value != nil || rec.Headers[1].Value == nil || string(rec.Value) != "value" {
		t.Errorf("headers %+v value %q", rec.Headers, rec.Value)
	}
}
