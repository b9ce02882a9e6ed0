package consumergroups

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"PT1H", time.Hour, true},
		{"P1DT2H3M4S", 26*time.Hour + 3*time.Minute + 4*time.Second, true},
		{"pt0.5s", 500 * time.Millisecond, true},
		{"-PT10M", -10 * time.Minute, true},
		{"PT-1.5S", -1500 * time.Millisecond, true},
		{"P2D", 48 * time.Hour, true},
		{"P", 0, false},
		{"PT", 0, false},
		{"1H", 0, false},
		{"P1H", 0, false},
	}
	for _, tc := range cases {
		got, err := parseDuration(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && err.Error() != "Text cannot be parsed to a Duration" {
			t.Errorf("parseDuration(%q) error %q", tc.in, err)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		err  string
	}{
		{"2020-01-01T00:00:00.000", 1577836800000, ""},
		{"2020-01-01T00:00:00.000Z", 1577836800000, ""},
		{"2020-01-01T01:00:00.000+01:00", 1577836800000, ""},
		{"2020-01-01T01:00:00.000+0100", 1577836800000, ""},
		{"2020-01-01T01:00:00.000+01", 1577836800000, ""},
		{"2020-01-01", 0, "java.text.ParseException: Error parsing timestamp. It does not contain a 'T' according to ISO8601 format"},
		{"2020-01-01T00:00:00", 0, `java.text.ParseException: Unparseable date: "2020-01-01T00:00:00Z"`},
	}
	for _, tc := range cases {
		got, err := parseDateTime(tc.in)
		var msg string
		if err != nil {
			msg = err.Error()
		}
		if got != tc.want || msg != tc.err {
			t.Errorf("parseDateTime(%q) = %d, %q; want %d, %q", tc.in, got, msg, tc.want, tc.err)
		}
	}
}

func TestParseTopicWithPartitions(t *testing.T) {
	got, err := parseTopicWithPartitions("t:0,2,")
	if err != nil || len(got) != 2 || got[0] != (topicPartition{"t", 0}) || got[1] != (topicPartition{"t", 2}) {
		t.Errorf("t:0,2, = %v, %v", got, err)
	}
	for in, want := range map[string]string{
		"t:":    "Invalid topic arg 't:', expected topic name and partitions",
		"t:1:2": "Invalid topic arg 't:1:2', expected topic name and partitions",
		"t:x":   "Invalid partition 'x' specified in topic arg 't:x''",
	} {
		if _, err := parseTopicWithPartitions(in); err == nil || err.Error() != want {
			t.Errorf("parseTopicWithPartitions(%q) error %v, want %q", in, err, want)
		}
	}
}

func TestParseResetPlan(t *testing.T) {
	plan, err := parseResetPlan("t,0,5\nt,1,7\n", []string{"g"})
	if err != nil || plan["g"][topicPartition{"t", 0}] != 5 || plan["g"][topicPartition{"t", 1}] != 7 {
		t.Errorf("one group plan %v, %v", plan, err)
	}
	plan, err = parseResetPlan("a,t,0,5\nb,t,0,6\n", nil)
	if err != nil || plan["a"][topicPartition{"t", 0}] != 5 || plan["b"][topicPartition{"t", 0}] != 6 {
		t.Errorf("many groups plan %v, %v", plan, err)
	}
	if _, err := parseResetPlan("t,x,5\n", []string{"g"}); err == nil {
		t.Error("bad partition accepted")
	}
}
