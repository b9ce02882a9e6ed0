package consumergroups

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// dateTimeLayouts are Kafka's Utils.getDateTime patterns,
// yyyy-MM-dd'T'HH:mm:ss.SSS with an XXX zone (Z, +01:00) or an X one
// (+01, +0100).
var dateTimeLayouts = []string{
	"2006-01-02T15:04:05.000Z07:00",
	"2006-01-02T15:04:05.000Z07",
	"2006-01-02T15:04:05.000Z0700",
}

// parseDateTime reads --to-datetime as Kafka does: a time without a zone
// is UTC.
func parseDateTime(s string) (int64, error) {
	parts := strings.Split(s, "T")
	if len(parts) < 2 {
		return 0, errors.New("java.text.ParseException: Error parsing timestamp. It does not contain a 'T' according to ISO8601 format")
	}
	if !strings.ContainsAny(parts[1], "+-Z") {
		s += "Z"
	}
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("java.text.ParseException: Unparseable date: %q", s)
}

// durationPattern is java.time.Duration's ISO-8601 form PnDTnHnMn.nS.
var durationPattern = regexp.MustCompile(`(?i)^([-+]?)P(?:([-+]?[0-9]+)D)?(T(?:([-+]?[0-9]+)H)?(?:([-+]?[0-9]+)M)?(?:([-+]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?$`)

// parseDuration reads --by-duration as java.time.Duration.parse does.
func parseDuration(s string) (time.Duration, error) {
	bad := errors.New("Text cannot be parsed to a Duration") //nolint:staticcheck // Java's text
	m := durationPattern.FindStringSubmatch(s)
	if m == nil || m[3] == "T" || (m[2] == "" && m[3] == "") {
		return 0, bad
	}
	var total time.Duration
	units := []struct {
		text string
		unit time.Duration
	}{{m[2], 24 * time.Hour}, {m[4], time.Hour}, {m[5], time.Minute}, {m[6], time.Second}}
	for _, u := range units {
		if u.text == "" {
			continue
		}
		n, err := strconv.ParseInt(u.text, 10, 64)
		if err != nil {
			return 0, bad
		}
		total += time.Duration(n) * u.unit
	}
	if m[7] != "" {
		nanos, _ := strconv.ParseInt((m[7] + "000000000")[:9], 10, 64)
		if strings.HasPrefix(m[6], "-") {
			nanos = -nanos
		}
		total += time.Duration(nanos)
	}
	if m[1] == "-" {
		total = -total
	}
	return total, nil
}
