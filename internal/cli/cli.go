// Package cli is the command-line convention shared by Samsa's Kafka tools
// (samsa topics, console-producer, producer-perf-test, …). Tutorials and
// scripts call these tools with the flags Kafka's own tools accept, so the
// parser accepts what Kafka's two parsers accept and fails the way they fail:
//
//   - Most Kafka tools use joptsimple through CommandDefaultOptions and
//     CommandLineUtils (style JoptSimple): `--opt value` and `--opt=value`,
//     a value is taken from the next argument even when it starts with a
//     dash (`--offset -1`), a single dash also names a long option
//     (`-topic`), abbreviations are refused. No arguments at all, or
//     --help, print the tool description and usage to stderr and exit 1;
//     --version prints the version to stdout and exits 0; a usage error
//     prints one line naming the problem, then the usage, to stderr and
//     exits 1.
//   - The producer perf tool and a few others use argparse4j (style
//     Argparse): unambiguous prefixes of long options are accepted, an
//     option's value may not look like another option, `-h` is --help, help
//     goes to stdout (exit 0 with no arguments, 1 for --help, as
//     ProducerPerformance does) and errors read `prog: error: message`.
//
// Option kinds cover what both parsers offer: flags without a value, single
// values (the last occurrence wins), repeatable options whose occurrences
// accumulate (`--property a=b --property c=d`), options taking one or more
// values up to the next option (argparse nargs '+', `--producer-props
// acks=all linger.ms=5`; occurrences accumulate too, where argparse4j would
// silently keep only the last), and options whose value is optional
// (joptsimple withOptionalArg). Values are checked against their type while
// parsing so a tool reads them without error handling.
//
// Properties files (--producer.config, --command-config) are read with
// LoadProperties (config.ParseProperties underneath), and `key=value` lists
// with ParseKeyValues; ProducerOpts and ConsumerOpts map Kafka client
// properties onto franz-go options with the Java clients' defaults.
package cli

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Kind says how many values an option takes.
type Kind int

const (
	// Flag takes no value: --print-metrics.
	Flag Kind = iota
	// Single takes exactly one value; when repeated, the last one wins.
	Single
	// Optional takes a value only when the next argument does not look like
	// an option (joptsimple withOptionalArg).
	Optional
	// Repeated takes one value per occurrence; occurrences accumulate.
	Repeated
	// Multi takes one or more values, up to the next argument that looks
	// like an option (argparse nargs '+'); occurrences accumulate.
	Multi
)

// Type is what a value must parse as.
type Type int

const (
	String  Type = iota
	Int32        // Java Integer
	Int64        // Java Long
	Float64      // Java Double
)

// javaName is the type name Kafka's parsers print in usage and errors.
func (t Type) javaName() string {
	switch t {
	case Int32:
		return "Integer"
	case Int64:
		return "Long"
	case Float64:
		return "Double"
	}
	return "String"
}

// check reports whether v parses as t.
func (t Type) check(v string) bool {
	var err error
	switch t {
	case Int32:
		_, err = strconv.ParseInt(v, 10, 32)
	case Int64:
		_, err = strconv.ParseInt(v, 10, 64)
	case Float64:
		_, err = strconv.ParseFloat(v, 64)
	}
	return err == nil
}

// Option describes one command-line option. Name is the long name without
// dashes; Aliases are further long names for the same option (a deprecated
// spelling, say) and share its values.
type Option struct {
	Name     string
	Aliases  []string
	Kind     Kind
	Type     Type
	Metavar  string // what the value is, shown in usage
	Help     string
	Default  string // used when the option is absent; shown in usage
	Required bool
}

// Style selects which Kafka parser the tool imitates.
type Style int

const (
	JoptSimple Style = iota
	Argparse
)

// ErrHelp is returned by Parse for --help (and, in JoptSimple style, for an
// empty command line).
var ErrHelp = errors.New("help requested")

// ErrVersion is returned by Parse for --version.
var ErrVersion = errors.New("version requested")

// UsageError is a command line the tool cannot run; Message is the one line
// shown to the user.
type UsageError struct {
	Message string
	// Hint, when set, is one more line after the usage: what to do
	// instead.
	Hint string
}

func (e *UsageError) Error() string { return e.Message }

// Version is what --version prints. The samsa command sets it from its
// link-time version before any tool runs.
var Version = "samsa (development build)"

// Parser parses one tool's command line. Build it with NewParser and Add,
// typically in the tool's package-level setup; it is then safe for
// concurrent use by Parse, which does not modify it.
type Parser struct {
	Program     string // name shown in usage and argparse errors
	Description string // shown above the usage on --help
	Style       Style

	options []*Option
	byName  map[string]*Option
}

// NewParser returns a parser with Kafka's --help and --version already
// defined.
func NewParser(program, description string, style Style) *Parser {
	p := &Parser{Program: program, Description: description, Style: style, byName: map[string]*Option{}}
	p.Add(
		Option{Name: "help", Kind: Flag, Help: "Print usage information."},
		Option{Name: "version", Kind: Flag, Help: "Display Kafka version."},
	)
	return p
}

// Add defines options. A name defined twice is a programming error and
// panics, as the tool could never have worked.
func (p *Parser) Add(opts ...Option) {
	for i := range opts {
		o := &opts[i]
		for _, n := range append([]string{o.Name}, o.Aliases...) {
			if _, dup := p.byName[n]; dup || n == "" {
				panic(fmt.Sprintf("cli: option %q defined twice or empty in %s", n, p.Program))
			}
			p.byName[n] = o
		}
		p.options = append(p.options, o)
	}
}

// Result holds the parsed command line.
type Result struct {
	values map[string][]string // by Option.Name
	seen   map[string]bool     // by Option.Name
	parser *Parser
	// Args are the arguments that are not options, in order.
	Args []string
}

// Has reports whether the option (by any of its names) was given.
func (r *Result) Has(name string) bool { return r.seen[r.canonical(name)] }

// String returns the option's last value, its default when absent, or "".
func (r *Result) String(name string) string {
	if vs := r.values[r.canonical(name)]; len(vs) > 0 {
		return vs[len(vs)-1]
	}
	if o := r.parser.byName[name]; o != nil {
		return o.Default
	}
	return ""
}

// Strings returns every value given for the option, in order, or the
// default as a one-element list when it was absent.
func (r *Result) Strings(name string) []string {
	if vs := r.values[r.canonical(name)]; len(vs) > 0 {
		return append([]string(nil), vs...)
	}
	if o := r.parser.byName[name]; o != nil && o.Default != "" {
		return []string{o.Default}
	}
	return nil
}

// Int64 returns the option's value as an integer; 0 when absent without a
// default. Parse already checked that the value converts.
func (r *Result) Int64(name string) int64 {
	n, _ := strconv.ParseInt(r.String(name), 10, 64)
	return n
}

// Int32 is Int64 for Java Integer options.
func (r *Result) Int32(name string) int32 { return int32(r.Int64(name)) }

// Float64 returns the option's value as a float; 0 when absent without a
// default.
func (r *Result) Float64(name string) float64 {
	f, _ := strconv.ParseFloat(r.String(name), 64)
	return f
}

func (r *Result) canonical(name string) string {
	if o := r.parser.byName[name]; o != nil {
		return o.Name
	}
	return name
}

// Display names an option the way the parser's errors do: "[topic]" for
// joptsimple, "--topic" for argparse.
func (p *Parser) Display(name string) string {
	if p.Style == Argparse {
		return "--" + name
	}
	return "[" + name + "]"
}

// sortedNames lists every long name, for abbreviation matching.
func (p *Parser) sortedNames() []string {
	names := make([]string, 0, len(p.byName))
	for n := range p.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// lookup finds the option named by token (without dashes), allowing
// unambiguous prefixes in Argparse style.
func (p *Parser) lookup(name string) (*Option, error) {
	if o := p.byName[name]; o != nil {
		return o, nil
	}
	if p.Style != Argparse {
		ue := &UsageError{Message: name + " is not a recognized option"}
		if name == "zookeeper" {
			ue.Hint = zookeeperHint
		}
		return nil, ue
	}
	var matches []string
	for _, n := range p.sortedNames() {
		if strings.HasPrefix(n, name) {
			matches = append(matches, "--"+n)
		}
	}
	switch len(matches) {
	case 0:
		return nil, &UsageError{Message: fmt.Sprintf("unrecognized arguments: '--%s'", name)}
	case 1:
		return p.byName[matches[0][2:]], nil
	}
	return nil, &UsageError{Message: fmt.Sprintf("ambiguous option: --%s could match %s", name, strings.Join(matches, ", "))}
}

// looksLikeOption reports whether arg would be read as an option rather
// than a value: it starts with a dash and is not a negative number.
func looksLikeOption(arg string) bool {
	if len(arg) < 2 || arg[0] != '-' {
		return false
	}
	_, err := strconv.ParseFloat(arg, 64)
	return err != nil
}

// Handle reports a Parse error the way the imitated Kafka parser does and
// returns the process exit code.
func (p *Parser) Handle(err error, stdout, stderr io.Writer) int {
	var ue *UsageError
	switch {
	case errors.Is(err, ErrVersion):
		fmt.Fprintln(stdout, Version)
		return 0
	case errors.Is(err, ErrHelp) && p.Style == Argparse:
		p.Usage(stdout)
		return 1
	case errors.Is(err, ErrHelp):
		fmt.Fprintln(stderr, p.Description)
		p.Usage(stderr)
		return 1
	case errors.As(err, &ue):
		code := p.Fail(stderr, "%s", ue.Message)
		if ue.Hint != "" {
			fmt.Fprintln(stderr, ue.Hint)
		}
		return code
	}
	fmt.Fprintln(stderr, err)
	return 1
}

// zookeeperHint answers the --zookeeper of tutorials written before Kafka
// 4.0 removed it.
const zookeeperHint = "Kafka 4.0 removed --zookeeper, and Samsa has no ZooKeeper: use --bootstrap-server localhost:9092 (the broker's address) instead."

// Fail prints a usage error (one line, then the usage) to stderr and returns
// exit code 1. Tools use it for checks Parse cannot make, like Kafka's
// CommandLineUtils.checkInvalidArgs.
func (p *Parser) Fail(stderr io.Writer, format string, args ...any) int {
	msg := fmt.Sprintf(format, args...)
	if p.Style == Argparse {
		p.shortUsage(stderr)
		fmt.Fprintf(stderr, "%s: error: %s\n", p.Program, msg)
		return 1
	}
	fmt.Fprintln(stderr, msg)
	p.Usage(stderr)
	return 1
}

// ParseKeyValues splits `key=value` arguments at the first '=' as Kafka's
// CommandLineUtils.parseKeyValueArgs does: a missing value is "", a value
// may contain '='. Later keys override earlier ones.
func ParseKeyValues(args []string) map[string]string {
	out := make(map[string]string, len(args))
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		out[k] = v
	}
	return out
}
