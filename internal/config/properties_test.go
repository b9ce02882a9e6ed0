package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseProperties(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []Property
	}{
		{"equals", "a=b", []Property{{"a", "b", 1}}},
		{"colon", "a:b", []Property{{"a", "b", 1}}},
		{"blank separator", "a b", []Property{{"a", "b", 1}}},
		{"blanks around separator", "a  =  b", []Property{{"a", "b", 1}}},
		{"blank then colon", "a \t: b", []Property{{"a", "b", 1}}},
		{"second separator is value", "a==b", []Property{{"a", "=b", 1}}},
		{"trailing blanks kept", "a=b  ", []Property{{"a", "b  ", 1}}},
		{"empty value", "a=", []Property{{"a", "", 1}}},
		{"key only", "a", []Property{{"a", "", 1}}},
		{"leading blanks", "   \ta=b", []Property{{"a", "b", 1}}},
		{"comments and blank lines", "# c\n! c\n\n  # indented\na=b", []Property{{"a", "b", 5}}},
		{"hash inside value", "a=b#c", []Property{{"a", "b#c", 1}}},
		{"continuation", "a=b\\\n   c\\\n  d\ne=f", []Property{{"a", "bcd", 1}, {"e", "f", 4}}},
		{"continuation line starting with hash", "a=b\\\n#c", []Property{{"a", "b#c", 1}}},
		{"comment does not continue", "# c\\\na=b", []Property{{"a", "b", 2}}},
		{"escaped backslash does not continue", "a=b\\\\\nc=d", []Property{{"a", `b\`, 1}, {"c", "d", 2}}},
		{"continuation at end of input", "a=b\\", []Property{{"a", "b", 1}}},
		{"escaped separators in key", `a\=b\:c\ d=e`, []Property{{"a=b:c d", "e", 1}}},
		{"escapes", `a=\t\n\r\f\\\q`, []Property{{"a", "\t\n\r\f\\q", 1}}},
		{"unicode escape", `a=caf\u00e9`, []Property{{"a", "café", 1}}},
		{"surrogate pair", `a=\ud83d\ude00`, []Property{{"a", "😀", 1}}},
		{"utf-8 text", "a=café", []Property{{"a", "café", 1}}},
		{"latin-1 text", "a=caf\xe9", []Property{{"a", "café", 1}}},
		{"crlf", "a=b\r\nc=d\r\n", []Property{{"a", "b", 1}, {"c", "d", 2}}},
		{"cr", "a=b\rc=d", []Property{{"a", "b", 1}, {"c", "d", 2}}},
		{"duplicates kept in order", "a=1\na=2", []Property{{"a", "1", 1}, {"a", "2", 2}}},
		{"listeners value with colons", "listeners=PLAINTEXT://:9092,CONTROLLER://:9093", []Property{{"listeners", "PLAINTEXT://:9092,CONTROLLER://:9093", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProperties(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseProperties(%q) = %+v, want %+v", tt.text, got, tt.want)
			}
		})
	}
}

func TestParsePropertiesMalformedUnicode(t *testing.T) {
	for _, text := range []string{`a=\u12`, `a=\uzzzz`, "x=1\nb=\\u00"} {
		_, err := ParseProperties(text)
		if err == nil || !strings.Contains(err.Error(), `malformed \uxxxx encoding`) {
			t.Errorf("ParseProperties(%q) error = %v, want malformed \\uxxxx", text, err)
		}
	}
	_, err := ParseProperties("x=1\nb=\\u00")
	if err == nil || !strings.HasPrefix(err.Error(), "line 2:") {
		t.Errorf("error %v does not name line 2", err)
	}
}

// FuzzParseProperties checks that no input makes the parser panic and that
// every parsed key survives a write-and-reread.
func FuzzParseProperties(f *testing.F) {
	for _, seed := range []string{"a=b", "a\\\n b", "# c\n!c\n", `k\ey\=x=\u0041\\`, "a=b\r\nc:d e", "\\", "=", " : ", "\\u", "a=\\ud83d"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		props, err := ParseProperties(text)
		if err != nil {
			return
		}
		for _, p := range props {
			again, err := ParseProperties(escapeProperty(p.Key) + "=" + escapeProperty(p.Value))
			if err != nil || len(again) != 1 || again[0].Key != p.Key || again[0].Value != p.Value {
				t.Fatalf("%q=%q does not survive writing: %v %+v", p.Key, p.Value, err, again)
			}
		}
	})
}

// escapeProperty writes s so that ParseProperties reads it back unchanged.
func escapeProperty(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '=', ':', '#', '!', ' ':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
