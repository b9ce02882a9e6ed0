package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// LoadProperties reads a Java .properties file (--producer.config,
// --consumer.config, --command-config) into a map. Later keys override
// earlier ones.
func LoadProperties(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read properties file: %w", err)
	}
	return ParseProperties(string(data)), nil
}

// ParseProperties parses the text of a .properties file with
// java.util.Properties.load's rules: '#' and '!' start comment lines; a
// line ending in an odd number of backslashes continues on the next one
// (whose leading blanks are dropped); the key ends at the first unescaped
// '=', ':' or blank, and one '=' or ':' with blanks around it separates it
// from the value; \t \n \r \f \uXXXX and \<char> are unescaped in keys and
// values. The text is read as UTF-8 rather than Java's ISO-8859-1, which is
// what people who write non-ASCII values mean.
func ParseProperties(text string) map[string]string {
	props := map[string]string{}
	for _, line := range logicalLines(text) {
		k, v := splitProperty(line)
		props[unescapeProperty(k)] = unescapeProperty(v)
	}
	return props
}

// logicalLines joins continued lines and drops blank and comment lines.
func logicalLines(text string) []string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	var out []string
	var cur strings.Builder
	continuing := false
	for _, natural := range strings.Split(text, "\n") {
		trimmed := strings.TrimLeft(natural, " \t\f")
		if !continuing && (trimmed == "" || trimmed[0] == '#' || trimmed[0] == '!') {
			continue
		}
		if trailingBackslashes(trimmed)%2 == 1 {
			cur.WriteString(trimmed[:len(trimmed)-1])
			continuing = true
			continue
		}
		cur.WriteString(trimmed)
		out = append(out, cur.String())
		cur.Reset()
		continuing = false
	}
	if continuing {
		out = append(out, cur.String())
	}
	return out
}

func trailingBackslashes(s string) int {
	n := 0
	for n < len(s) && s[len(s)-1-n] == '\\' {
		n++
	}
	return n
}

// splitProperty separates the (still escaped) key and value of one line.
func splitProperty(line string) (key, value string) {
	i := 0
	for i < len(line) {
		c := line[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		i++
	}
	if i > len(line) {
		i = len(line)
	}
	key, rest := line[:i], strings.TrimLeft(line[i:], " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	return key, rest
}

func unescapeProperty(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if r, err := strconv.ParseUint(s[i+1:min(i+5, len(s))], 16, 32); err == nil && i+5 <= len(s) {
				b.WriteRune(rune(r))
				i += 4
			} else {
				b.WriteByte('u')
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
