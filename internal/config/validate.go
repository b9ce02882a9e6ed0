package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Error is one invalid value. Its text is Kafka's ConfigException text,
// word for word ("Invalid value 0 for configuration num.partitions: Value
// must be at least 1"), because clients and operators see it: it is the
// error message of INVALID_CONFIG answers and of a refused start.
type Error struct {
	Key    string // the configuration key
	Value  string // the offending value as Kafka prints it
	Reason string // what is allowed; may be empty
}

func (e *Error) Error() string {
	if e.Reason == "" {
		return "Invalid value " + e.Value + " for configuration " + e.Key
	}
	return "Invalid value " + e.Value + " for configuration " + e.Key + ": " + e.Reason
}

// RuleError is a broken rule between keys, or any other configuration
// problem that Kafka reports without naming one value. Like Error, the text
// is Kafka's.
type RuleError struct {
	Message string
}

func (e *RuleError) Error() string { return e.Message }

func ruleErrorf(format string, args ...any) *RuleError {
	return &RuleError{Message: fmt.Sprintf(format, args...)}
}

// Validator checks a parsed, non-null value of one key.
type Validator interface {
	// Validate returns an *Error naming key and value (or, for lists of
	// addresses, a *RuleError with Kafka's message), or nil.
	Validate(key string, v Value) error
	// String describes the valid values the way Kafka's documentation
	// column "Valid Values" does, e.g. [1,...] or [delete, compact].
	String() string
}

// Range accepts numbers within [Min, Max]; either bound may be absent.
type Range struct {
	Min, Max       int64
	HasMin, HasMax bool
}

// AtLeast is Kafka's Range.atLeast.
func AtLeast(min int64) Range { return Range{Min: min, HasMin: true} }

// Between is Kafka's Range.between, bounds included.
func Between(min, max int64) Range { return Range{Min: min, Max: max, HasMin: true, HasMax: true} }

// Validate implements Validator.
func (r Range) Validate(key string, v Value) error {
	below, above := false, false
	if v.Type() == TypeDouble {
		below = r.HasMin && v.Double() < float64(r.Min)
		above = r.HasMax && v.Double() > float64(r.Max)
	} else {
		below = r.HasMin && v.Int() < r.Min
		above = r.HasMax && v.Int() > r.Max
	}
	switch {
	case below:
		return &Error{Key: key, Value: v.javaString(), Reason: "Value must be at least " + strconv.FormatInt(r.Min, 10)}
	case above:
		return &Error{Key: key, Value: v.javaString(), Reason: "Value must be no more than " + strconv.FormatInt(r.Max, 10)}
	}
	return nil
}

func (r Range) String() string {
	min, max := strconv.FormatInt(r.Min, 10), strconv.FormatInt(r.Max, 10)
	switch {
	case r.HasMin && r.HasMax:
		return "[" + min + ",...," + max + "]"
	case r.HasMin:
		return "[" + min + ",...]"
	case r.HasMax:
		return "[...," + max + "]"
	}
	return "[...]"
}

// OneOf accepts exactly one of the listed strings (Kafka's ValidString).
type OneOf []string

// Validate implements Validator.
func (o OneOf) Validate(key string, v Value) error {
	if slices.Contains(o, v.Str()) {
		return nil
	}
	return &Error{Key: key, Value: v.Str(), Reason: "String must be one of: " + strings.Join(o, ", ")}
}

func (o OneOf) String() string { return "[" + strings.Join(o, ", ") + "]" }

// OneOfFold accepts one of the listed strings in any case (Kafka's
// CaseInsensitiveValidString).
type OneOfFold []string

// Validate implements Validator.
func (o OneOfFold) Validate(key string, v Value) error {
	for _, s := range o {
		if strings.EqualFold(s, v.Str()) {
			return nil
		}
	}
	return &Error{Key: key, Value: v.Str(), Reason: "String must be one of (case insensitive): " + strings.Join(o, ", ")}
}

func (o OneOfFold) String() string { return "(case insensitive) [" + strings.Join(o, ", ") + "]" }

// ListOf accepts lists whose every element is one of the listed strings
// (Kafka's ValidList); the error names the first bad element.
type ListOf []string

// Validate implements Validator.
func (l ListOf) Validate(key string, v Value) error {
	for _, e := range v.list {
		if !slices.Contains(l, e) {
			return &Error{Key: key, Value: e, Reason: "String must be one of: " + strings.Join(l, ", ")}
		}
	}
	return nil
}

func (l ListOf) String() string { return "[" + strings.Join(l, ", ") + "]" }

// Check is a validator written as a function, for rules no table validator
// expresses (compression levels, voter lists, throttled replica lists).
type Check struct {
	Describe string                          // the "Valid Values" text
	Func     func(key string, v Value) error // returns an *Error or nil
}

// Validate implements Validator.
func (c Check) Validate(key string, v Value) error { return c.Func(key, v) }

func (c Check) String() string { return c.Describe }

// levelRange is the gzip-style level rule: [min,...,max] or one special
// default value.
func levelRange(min, max, special int64) Check {
	return Check{
		Describe: fmt.Sprintf("[%d,...,%d] or %d", min, max, special),
		Func: func(key string, v Value) error {
			if l := v.Int(); l > max || (l < min && l != special) {
				return &Error{Key: key, Value: v.javaString(), Reason: fmt.Sprintf("Value must be between %d and %d or equal to %d", min, max, special)}
			}
			return nil
		},
	}
}
