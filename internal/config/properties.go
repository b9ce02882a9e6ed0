package config

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Property is one key=value pair read from a .properties text, with the
// line its logical line starts on.
type Property struct {
	Key   string
	Value string
	Line  int
}

// ParseProperties reads text in the format of java.util.Properties.load:
//
//   - a line whose first non-blank character is # or ! is a comment;
//   - the key ends at the first unescaped =, : or blank; blanks around the
//     separator are skipped; the rest of the line is the value, trailing
//     blanks included (ParseValue trims them later, as Kafka does);
//   - a line ending in an odd number of backslashes continues on the next
//     line, whose leading blanks are dropped; comment lines never continue;
//   - \t \n \r \f and \uXXXX are escapes, and a backslash before any other
//     character stands for that character.
//
// Lines may end in \n, \r\n or \r. Java reads .properties as ISO-8859-1;
// Samsa reads UTF-8 and falls back to ISO-8859-1 only for text that is not
// valid UTF-8. A later duplicate key wins, as in Java, and both are returned
// in order.
func ParseProperties(text string) ([]Property, error) {
	if !utf8.ValidString(text) {
		text = latin1(text)
	}
	lines := splitLines(text)
	var out []Property
	for i := 0; i < len(lines); i++ {
		start := i
		line := strings.TrimLeft(lines[i], " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		for continues(line) && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + strings.TrimLeft(lines[i], " \t\f")
		}
		if continues(line) {
			line = line[:len(line)-1] // a continuation at end of input is dropped
		}
		p, err := parseLogicalLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", start+1, err)
		}
		p.Line = start + 1
		out = append(out, p)
	}
	return out, nil
}

func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	return strings.Split(text, "\n")
}

// continues reports whether the line ends in an odd number of backslashes.
func continues(line string) bool {
	n := 0
	for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

// parseLogicalLine splits one logical line (continuations joined, leading
// blanks removed) into key and value and unescapes both.
func parseLogicalLine(line string) (Property, error) {
	keyEnd, valueStart := len(line), len(line)
	hasSep := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '\\' {
			i++ // the escaped character belongs to the key
			continue
		}
		if c == '=' || c == ':' {
			keyEnd, valueStart, hasSep = i, i+1, true
			break
		}
		if isBlank(c) {
			keyEnd, valueStart = i, i+1
			break
		}
	}
	for valueStart < len(line) && isBlank(line[valueStart]) {
		valueStart++
	}
	if !hasSep && valueStart < len(line) && (line[valueStart] == '=' || line[valueStart] == ':') {
		valueStart++
		for valueStart < len(line) && isBlank(line[valueStart]) {
			valueStart++
		}
	}
	key, err := unescape(line[:keyEnd])
	if err != nil {
		return Property{}, err
	}
	value, err := unescape(line[valueStart:])
	if err != nil {
		return Property{}, err
	}
	return Property{Key: key, Value: value}, nil
}

func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			if c != '\\' {
				b.WriteByte(c)
			}
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			r, err := unicodeEscape(s[i+1:])
			if err != nil {
				return "", err
			}
			i += 4
			// Java strings are UTF-16: a character outside the Basic
			// Multilingual Plane is written as two escapes.
			if utf16.IsSurrogate(r) && strings.HasPrefix(s[i+1:], `\u`) {
				if low, err := unicodeEscape(s[i+3:]); err == nil {
					if pair := utf16.DecodeRune(r, low); pair != utf8.RuneError {
						r = pair
						i += 6
					}
				}
			}
			b.WriteRune(r)
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// unicodeEscape decodes the four hex digits of \uXXXX.
func unicodeEscape(s string) (rune, error) {
	if len(s) < 4 {
		return 0, fmt.Errorf(`malformed \uxxxx encoding`)
	}
	n, err := strconv.ParseUint(s[:4], 16, 16)
	if err != nil {
		return 0, fmt.Errorf(`malformed \uxxxx encoding`)
	}
	return rune(n), nil
}

// latin1 decodes ISO-8859-1 bytes, Java's encoding for .properties.
func latin1(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}
