package config

import (
	"math"
	"testing"
)

func TestParseValue(t *testing.T) {
	tests := []struct {
		typ     Type
		raw     string
		want    string // Value.String() of the result
		wantErr string
	}{
		{TypeBoolean, " TRUE ", "true", ""},
		{TypeBoolean, "False", "false", ""},
		{TypeBoolean, "yes", "", "Invalid value yes for configuration k: Expected value to be either true or false"},
		{TypeInt, " 42\t", "42", ""},
		{TypeInt, "+7", "7", ""},
		{TypeInt, "-2147483648", "-2147483648", ""},
		{TypeInt, "2147483648", "", "Invalid value 2147483648 for configuration k: Not a number of type INT"},
		{TypeInt, "1_000", "", "Invalid value 1_000 for configuration k: Not a number of type INT"},
		{TypeInt, "0x10", "", "Invalid value 0x10 for configuration k: Not a number of type INT"},
		{TypeInt, "", "", "Invalid value  for configuration k: Not a number of type INT"},
		{TypeShort, "32767", "32767", ""},
		{TypeShort, "32768", "", "Invalid value 32768 for configuration k: Not a number of type SHORT"},
		{TypeLong, "9223372036854775807", "9223372036854775807", ""},
		{TypeLong, "1.5", "", "Invalid value 1.5 for configuration k: Not a number of type LONG"},
		{TypeDouble, "0.5", "0.5", ""},
		{TypeDouble, "1", "1.0", ""},
		{TypeDouble, "2d", "2.0", ""},
		{TypeDouble, "1e10", "1.0E10", ""},
		{TypeDouble, "1.7976931348623157E308", "1.7976931348623157E308", ""},
		{TypeDouble, "0.0001", "1.0E-4", ""},
		{TypeDouble, "NaN", "NaN", ""},
		{TypeDouble, "half", "", "Invalid value half for configuration k: Not a number of type DOUBLE"},
		{TypeDouble, "0x1p3", "", "Invalid value 0x1p3 for configuration k: Not a number of type DOUBLE"},
		{TypeList, "a, b ,c", "a,b,c", ""},
		{TypeList, "  ", "", ""},
		{TypeList, "a,", "a,", ""},
		{TypeString, "  spaced value  ", "spaced value", ""},
		{TypeClass, "org.example.Foo", "org.example.Foo", ""},
		{TypePassword, " secret ", "secret", ""},
	}
	for _, tt := range tests {
		v, err := ParseValue("k", tt.typ, tt.raw)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseValue(%s, %q) error = %v, want %q", tt.typ, tt.raw, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseValue(%s, %q): %v", tt.typ, tt.raw, err)
			continue
		}
		if got := v.String(); got != tt.want {
			t.Errorf("ParseValue(%s, %q) = %q, want %q", tt.typ, tt.raw, got, tt.want)
		}
	}
}

func TestParseValueListElements(t *testing.T) {
	v, err := ParseValue("k", TypeList, "a,,b")
	if err != nil {
		t.Fatal(err)
	}
	if got := v.List(); len(got) != 3 || got[1] != "" {
		t.Fatalf("List() = %q, want [a  b] with an empty middle element, as Kafka splits", got)
	}
	if got := v.javaString(); got != "[a, , b]" {
		t.Fatalf("javaString() = %q", got)
	}
}

func TestJavaDouble(t *testing.T) {
	tests := map[float64]string{
		0.9:                  "0.9",
		100:                  "100.0",
		1e7:                  "1.0E7",
		1234567.5:            "1234567.5",
		math.MaxFloat64:      "1.7976931348623157E308",
		-0.001:               "-0.001",
		0.00012:              "1.2E-4",
		math.Inf(-1):         "-Infinity",
		math.Copysign(0, -1): "-0.0",
	}
	for f, want := range tests {
		if got := javaDouble(f); got != want {
			t.Errorf("javaDouble(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestValidators(t *testing.T) {
	intv := func(n int64) Value { return intValue(TypeInt, n) }
	tests := []struct {
		v    Validator
		val  Value
		want string // "" for valid
	}{
		{AtLeast(1), intv(0), "Invalid value 0 for configuration k: Value must be at least 1"},
		{AtLeast(1), intv(1), ""},
		{Between(1, 17), intv(18), "Invalid value 18 for configuration k: Value must be no more than 17"},
		{Between(0, 1), Value{typ: TypeDouble, f: 1.5}, "Invalid value 1.5 for configuration k: Value must be no more than 1"},
		{Between(0, 1), Value{typ: TypeDouble, f: -0.5}, "Invalid value -0.5 for configuration k: Value must be at least 0"},
		{OneOf{"a", "b"}, stringValue(TypeString, "c"), "Invalid value c for configuration k: String must be one of: a, b"},
		{OneOfFold{"INFO", "DEBUG"}, stringValue(TypeString, "debug"), ""},
		{OneOfFold{"INFO", "DEBUG"}, stringValue(TypeString, "x"), "Invalid value x for configuration k: String must be one of (case insensitive): INFO, DEBUG"},
		{ListOf{"broker", "controller"}, Value{typ: TypeList, list: []string{"broker", "zk"}}, "Invalid value zk for configuration k: String must be one of: broker, controller"},
		{gzipLevel, intv(-1), ""},
		{gzipLevel, intv(0), "Invalid value 0 for configuration k: Value must be between 1 and 9 or equal to -1"},
		{gzipLevel, intv(10), "Invalid value 10 for configuration k: Value must be between 1 and 9 or equal to -1"},
		{throttledReplicas, Value{typ: TypeList, list: []string{"*"}}, ""},
		{throttledReplicas, Value{typ: TypeList, list: []string{"0:1", "1:2"}}, ""},
		{throttledReplicas, Value{typ: TypeList, list: []string{"0:1", "x"}}, "Invalid value [0:1, x] for configuration k: k must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."},
	}
	for _, tt := range tests {
		err := tt.v.Validate("k", tt.val)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s.Validate(%s) = %q, want %q", tt.v, tt.val.javaString(), got, tt.want)
		}
	}
}

func TestValidatorStrings(t *testing.T) {
	tests := map[string]Validator{
		"[1,...]":                AtLeast(1),
		"[-131072,...,22]":       Between(-131072, 22),
		"[a, b]":                 OneOf{"a", "b"},
		"(case insensitive) [x]": OneOfFold{"x"},
		"[1,...,9] or -1":        gzipLevel,
	}
	for want, v := range tests {
		if got := v.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

func TestMillisSaturates(t *testing.T) {
	if got := Millis(math.MaxInt64); got != math.MaxInt64 {
		t.Errorf("Millis(Long.MAX_VALUE) = %v, want the largest Duration", got)
	}
	if got := Millis(-1); got.Milliseconds() != -1 {
		t.Errorf("Millis(-1) = %v", got)
	}
	if got := Millis(1500); got.Milliseconds() != 1500 {
		t.Errorf("Millis(1500) = %v", got)
	}
}
