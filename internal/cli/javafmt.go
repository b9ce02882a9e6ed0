package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// FormatFixed formats v with prec decimals the way Java's String.format
// %.Nf does, so that tool output matches Kafka's digit for digit: Java
// rounds the shortest decimal form of the double half-up (0.125 gives
// "0.13"), where Go's %f rounds the exact binary value half-to-even
// ("0.12").
func FormatFixed(v float64, prec int) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if len(frac) <= prec {
		return sign + joinFixed(intPart, frac+strings.Repeat("0", prec-len(frac)))
	}
	roundUp := frac[prec] >= '5'
	digits := []byte(intPart + frac[:prec])
	if roundUp {
		digits = incrementDecimal(digits)
	}
	n := len(digits) - prec
	return sign + joinFixed(string(digits[:n]), string(digits[n:]))
}

func joinFixed(intPart, frac string) string {
	if frac == "" {
		return intPart
	}
	return intPart + "." + frac
}

// incrementDecimal adds one unit in the last place of a digit string.
func incrementDecimal(d []byte) []byte {
	for i := len(d) - 1; i >= 0; i-- {
		if d[i] < '9' {
			d[i]++
			return d
		}
		d[i] = '0'
	}
	return append([]byte{'1'}, d...)
}

// DateFormat is a compiled java.text.SimpleDateFormat pattern, for options
// like consumer-perf-test's --date-format.
type DateFormat struct {
	fields []dateField
}

type dateField struct {
	letter  byte // 0 for literal text
	count   int
	literal string
}

// CompileDateFormat parses a SimpleDateFormat pattern. It supports the
// letters G y Y M L d D E u a H k K h m s S z Z X; quoted text ('at') and two single
// quotes for one are literal, as are characters that are not ASCII letters.
func CompileDateFormat(pattern string) (*DateFormat, error) {
	df := &DateFormat{}
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\'':
			lit, next, err := quoted(pattern, i)
			if err != nil {
				return nil, err
			}
			df.fields = append(df.fields, dateField{literal: lit})
			i = next
		case isASCIILetter(c):
			if !strings.ContainsRune("GyYMLdDEuaHkKhmsSzZX", rune(c)) {
				return nil, fmt.Errorf("illegal pattern character '%c'", c)
			}
			j := i
			for j < len(pattern) && pattern[j] == c {
				j++
			}
			df.fields = append(df.fields, dateField{letter: c, count: j - i})
			i = j
		default:
			df.fields = append(df.fields, dateField{literal: string(c)})
			i++
		}
	}
	return df, nil
}

// quoted reads 'text' starting at pattern[i] == '\”; two quotes are one.
func quoted(pattern string, i int) (string, int, error) {
	if i+1 < len(pattern) && pattern[i+1] == '\'' {
		return "'", i + 2, nil
	}
	var b strings.Builder
	for j := i + 1; j < len(pattern); j++ {
		if pattern[j] != '\'' {
			b.WriteByte(pattern[j])
			continue
		}
		if j+1 < len(pattern) && pattern[j+1] == '\'' {
			b.WriteByte('\'')
			j++
			continue
		}
		return b.String(), j + 1, nil
	}
	return "", 0, fmt.Errorf("unterminated quote in date format %q", pattern)
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// Format renders t in its own location.
func (df *DateFormat) Format(t time.Time) string {
	var b strings.Builder
	for _, f := range df.fields {
		if f.letter == 0 {
			b.WriteString(f.literal)
			continue
		}
		b.WriteString(formatField(f, t))
	}
	return b.String()
}

func formatField(f dateField, t time.Time) string {
	switch f.letter {
	case 'G':
		return "AD"
	case 'y', 'Y':
		if f.count == 2 {
			return pad(t.Year()%100, 2)
		}
		return pad(t.Year(), f.count)
	case 'M', 'L':
		return formatMonth(t.Month(), f.count)
	case 'd':
		return pad(t.Day(), f.count)
	case 'D':
		return pad(t.YearDay(), f.count)
	case 'E':
		if f.count >= 4 {
			return t.Weekday().String()
		}
		return t.Weekday().String()[:3]
	case 'u':
		return pad((int(t.Weekday())+6)%7+1, f.count)
	case 'a':
		if t.Hour() < 12 {
			return "AM"
		}
		return "PM"
	}
	return formatClock(f, t)
}

func formatClock(f dateField, t time.Time) string {
	switch f.letter {
	case 'H':
		return pad(t.Hour(), f.count)
	case 'k':
		return pad((t.Hour()+23)%24+1, f.count)
	case 'K':
		return pad(t.Hour()%12, f.count)
	case 'h':
		return pad((t.Hour()+11)%12+1, f.count)
	case 'm':
		return pad(t.Minute(), f.count)
	case 's':
		return pad(t.Second(), f.count)
	case 'S':
		return pad(t.Nanosecond()/int(time.Millisecond), f.count)
	case 'z':
		name, _ := t.Zone()
		return name
	case 'Z':
		return t.Format("-0700")
	}
	// 'X': ISO 8601 zone, Z for UTC.
	switch f.count {
	case 1:
		return t.Format("Z07")
	case 2:
		return t.Format("Z0700")
	}
	return t.Format("Z07:00")
}

func formatMonth(m time.Month, count int) string {
	switch {
	case count >= 4:
		return m.String()
	case count == 3:
		return m.String()[:3]
	}
	return pad(int(m), count)
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}
