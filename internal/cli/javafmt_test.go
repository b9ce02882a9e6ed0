package cli

import (
	"math"
	"testing"
	"time"
)

func TestFormatFixed(t *testing.T) {
	cases := []struct {
		v    float64
		prec int
		want string
	}{
		{0.125, 2, "0.13"}, // Java HALF_UP; Go's %.2f gives 0.12
		{1.005, 2, "1.01"}, // shortest form 1.005 rounds up in Java
		{2.5, 0, "3"},
		{9.995, 2, "10.00"},
		{-0.125, 2, "-0.13"},
		{1234.5678, 1, "1234.6"},
		{3, 4, "3.0000"},
		{12345.678901234, 6, "12345.678901"},
		{1e21, 1, "1000000000000000000000.0"},
		{0.00001, 4, "0.0000"},
		{math.NaN(), 2, "NaN"},
		{math.Inf(1), 2, "Infinity"},
	}
	for _, c := range cases {
		if got := FormatFixed(c.v, c.prec); got != c.want {
			t.Errorf("FormatFixed(%v, %d) = %q, want %q", c.v, c.prec, got, c.want)
		}
	}
}

func TestDateFormat(t *testing.T) {
	tm := time.Date(2024, time.March, 5, 14, 7, 9, 45*int(time.Millisecond), time.UTC)
	cases := []struct{ pattern, want string }{
		{"yyyy-MM-dd HH:mm:ss:SSS", "2024-03-05 14:07:09:045"},
		{"yy/M/d h:mm a", "24/3/5 2:07 PM"},
		{"EEE, d MMM yyyy", "Tue, 5 Mar 2024"},
		{"EEEE MMMM", "Tuesday March"},
		{"'at' HH 'o''clock' ''", "at 14 o'clock '"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-03-05T14:07:09.045Z"},
		{"Z", "+0000"},
		{"D u k K", "65 2 14 2"},
	}
	for _, c := range cases {
		df, err := CompileDateFormat(c.pattern)
		if err != nil {
			t.Fatalf("%q: %v", c.pattern, err)
		}
		if got := df.Format(tm); got != c.want {
			t.Errorf("%q: got %q, want %q", c.pattern, got, c.want)
		}
	}
	for _, bad := range []string{"yyyy-bb", "'open"} {
		if _, err := CompileDateFormat(bad); err == nil {
			t.Errorf("%q compiled without error", bad)
		}
	}
}
