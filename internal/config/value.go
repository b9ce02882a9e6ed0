package config

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Value is one typed configuration value. The zero Value is a null value of
// unknown type. Values are immutable once parsed; List returns a copy.
type Value struct {
	typ  Type
	null bool
	b    bool
	i    int64
	f    float64
	s    string
	list []string
}

// NullValue returns the null value of type t (a key whose default is null,
// such as log.retention.ms, and that nobody set).
func NullValue(t Type) Value { return Value{typ: t, null: true} }

// Type returns the value's type.
func (v Value) Type() Type { return v.typ }

// IsNull reports whether the value is null (unset with a null default).
func (v Value) IsNull() bool { return v.null }

// Bool returns a BOOLEAN value; false when null.
func (v Value) Bool() bool { return v.b }

// Int returns an INT, SHORT or LONG value; 0 when null.
func (v Value) Int() int64 { return v.i }

// Double returns a DOUBLE value; 0 when null.
func (v Value) Double() float64 { return v.f }

// Str returns a STRING, CLASS or PASSWORD value; "" when null.
func (v Value) Str() string { return v.s }

// List returns a copy of a LIST value; nil when null.
func (v Value) List() []string {
	if v.list == nil {
		return nil
	}
	out := make([]string, len(v.list))
	copy(out, v.list)
	return out
}

// String renders the value the way DescribeConfigs reports it (Kafka's
// ConfigDef.convertToString): lists joined by commas, doubles in Java's
// notation, null as "". Passwords are rendered in clear; callers hide
// sensitive values.
func (v Value) String() string {
	if v.null {
		return ""
	}
	switch v.typ {
	case TypeBoolean:
		return strconv.FormatBool(v.b)
	case TypeInt, TypeShort, TypeLong:
		return strconv.FormatInt(v.i, 10)
	case TypeDouble:
		return javaDouble(v.f)
	case TypeList:
		return strings.Join(v.list, ",")
	default:
		return v.s
	}
}

// javaString renders the value as Java's toString would inside a
// ConfigException message: lists as [a, b].
func (v Value) javaString() string {
	if v.null {
		return "null"
	}
	if v.typ == TypeList {
		return "[" + strings.Join(v.list, ", ") + "]"
	}
	return v.String()
}

func boolValue(b bool) Value         { return Value{typ: TypeBoolean, b: b} }
func intValue(t Type, i int64) Value { return Value{typ: t, i: i} }
func stringValue(t Type, s string) Value {
	return Value{typ: t, s: s}
}

// listSplit is Kafka's COMMA_WITH_WHITESPACE.
var listSplit = regexp.MustCompile(`\s*,\s*`)

// ParseValue parses raw as a value of type t the way Kafka's
// ConfigDef.parseType does: surrounding whitespace is trimmed, booleans are
// case-insensitive, numbers are decimal, a LIST is split on commas (an empty
// string is the empty list). key names the configuration in the error.
func ParseValue(key string, t Type, raw string) (Value, error) {
	trimmed := javaTrim(raw)
	switch t {
	case TypeBoolean:
		switch strings.ToLower(trimmed) {
		case "true":
			return boolValue(true), nil
		case "false":
			return boolValue(false), nil
		}
		return Value{}, &Error{Key: key, Value: raw, Reason: "Expected value to be either true or false"}
	case TypeInt, TypeShort, TypeLong:
		return parseInteger(key, t, raw, trimmed)
	case TypeDouble:
		f, ok := parseJavaDouble(trimmed)
		if !ok {
			return Value{}, &Error{Key: key, Value: raw, Reason: "Not a number of type DOUBLE"}
		}
		return Value{typ: TypeDouble, f: f}, nil
	case TypeList:
		if trimmed == "" {
			return Value{typ: TypeList, list: []string{}}, nil
		}
		return Value{typ: TypeList, list: listSplit.Split(trimmed, -1)}, nil
	case TypeString, TypeClass, TypePassword:
		return stringValue(t, trimmed), nil
	}
	return Value{}, &Error{Key: key, Value: raw, Reason: "unknown configuration type " + t.String()}
}

var integerBits = map[Type]int{TypeInt: 32, TypeShort: 16, TypeLong: 64}

// parseInteger accepts what Java's Integer/Short/Long.parseXxx accept: an
// optional sign and decimal digits, within the type's range.
func parseInteger(key string, t Type, raw, trimmed string) (Value, error) {
	n, err := strconv.ParseInt(trimmed, 10, integerBits[t])
	if err != nil {
		return Value{}, &Error{Key: key, Value: raw, Reason: "Not a number of type " + t.String()}
	}
	return intValue(t, n), nil
}

// parseJavaDouble accepts Double.parseDouble's forms that matter in
// configuration files: decimal and exponent notation, an optional d/f
// suffix, NaN and Infinity.
func parseJavaDouble(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	if last := s[len(s)-1]; last == 'd' || last == 'D' || last == 'f' || last == 'F' {
		s = s[:len(s)-1]
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// javaTrim removes leading and trailing characters <= ' ', as Java's
// String.trim does (it does not trim Unicode spaces).
func javaTrim(s string) string {
	start, end := 0, len(s)
	for start < end && s[start] <= ' ' {
		start++
	}
	for end > start && s[end-1] <= ' ' {
		end--
	}
	return s[start:end]
}

// javaDouble formats f as Java's Double.toString: plain decimal with at
// least one fractional digit for 1e-3 <= |f| < 1e7, computerized
// scientific notation (1.0E10) otherwise.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64)
	mantissa, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mantissa, ".") {
		mantissa += ".0"
	}
	exp = strings.TrimPrefix(exp, "+")
	if strings.HasPrefix(exp, "-") {
		exp = "-" + strings.TrimLeft(exp[1:], "0")
	} else {
		exp = strings.TrimLeft(exp, "0")
	}
	return mantissa + "E" + exp
}
