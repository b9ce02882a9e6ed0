package cli

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func joptParser() *Parser {
	p := NewParser("console-consumer", "This tool helps to read data from Kafka topics.", JoptSimple)
	p.Add(
		Option{Name: "bootstrap-server", Kind: Single, Metavar: "server to connect to", Help: "REQUIRED: The server(s) to connect to.", Required: true},
		Option{Name: "topic", Kind: Single, Metavar: "topic", Help: "The topic to consume on."},
		Option{Name: "property", Kind: Repeated, Metavar: "prop", Help: "A formatter property."},
		Option{Name: "offset", Kind: Single, Help: "The offset to start from."},
		Option{Name: "max-messages", Kind: Single, Type: Int32, Help: "The maximum number of messages."},
		Option{Name: "from-beginning", Kind: Flag, Help: "Start with the earliest message."},
		Option{Name: "timeout", Kind: Optional, Type: Int64, Default: "10000", Help: "Timeout."},
		Option{Name: "consumer.config", Aliases: []string{"command-config"}, Kind: Single, Help: "Config file."},
		Option{Name: "fetch-size", Kind: Single, Type: Int32, Default: "1048576", Help: "Fetch size."},
	)
	return p
}

func argparseParser() *Parser {
	p := NewParser("producer-performance", "This tool is used to verify the producer performance.", Argparse)
	p.Add(
		Option{Name: "topic", Kind: Single, Metavar: "TOPIC", Help: "produce messages to this topic", Required: true},
		Option{Name: "num-records", Kind: Single, Type: Int64, Metavar: "NUM-RECORDS", Help: "number of messages", Required: true},
		Option{Name: "throughput", Kind: Single, Type: Float64, Metavar: "THROUGHPUT", Help: "throttle", Required: true},
		Option{Name: "producer-props", Aliases: []string{"command-property"}, Kind: Multi, Metavar: "PROP-NAME=PROP-VALUE", Help: "producer properties"},
		Option{Name: "payload-file", Kind: Single, Help: "payloads"},
		Option{Name: "payload-delimiter", Kind: Single, Default: `\n`, Help: "delimiter"},
		Option{Name: "print-metrics", Kind: Flag, Help: "print metrics"},
	)
	return p
}

func TestParseJopt(t *testing.T) {
	p := joptParser()
	r, err := p.Parse(strings.Fields(
		"--bootstrap-server=localhost:9092 --topic t --property print.key=true --property key.separator=: " +
			"--offset -1 --from-beginning -max-messages 5 --command-config c.properties extra"))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ got, want any }{
		{r.String("bootstrap-server"), "localhost:9092"},
		{r.String("topic"), "t"},
		{r.Strings("property"), []string{"print.key=true", "key.separator=:"}},
		{r.String("offset"), "-1"},
		{r.Has("from-beginning"), true},
		{r.Int32("max-messages"), int32(5)},
		{r.String("consumer.config"), "c.properties"},
		{r.Has("command-config"), true},
		{r.Int32("fetch-size"), int32(1048576)},
		{r.Has("fetch-size"), false},
		{r.Int64("timeout"), int64(10000)},
		{r.Args, []string{"extra"}},
	}
	for i, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("check %d: got %#v, want %#v", i, c.got, c.want)
		}
	}
}

func TestParseOptionalValue(t *testing.T) {
	p := joptParser()
	r, err := p.Parse([]string{"--bootstrap-server", "b", "--timeout", "--topic", "t"})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Has("timeout") || r.Int64("timeout") != 10000 || r.String("topic") != "t" {
		t.Fatalf("timeout without value: has=%v value=%d topic=%q", r.Has("timeout"), r.Int64("timeout"), r.String("topic"))
	}
	r, err = p.Parse([]string{"--bootstrap-server", "b", "--timeout", "500"})
	if err != nil || r.Int64("timeout") != 500 {
		t.Fatalf("timeout 500: %v %d", err, r.Int64("timeout"))
	}
}

func TestParseArgparseMulti(t *testing.T) {
	p := argparseParser()
	r, err := p.Parse(strings.Fields(
		"--topic t --num-rec 10 --producer-props bootstrap.servers=x acks=-1 linger.ms=5 " +
			"--throughput -1 --command-property client.id=c --print-metrics"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bootstrap.servers=x", "acks=-1", "linger.ms=5", "client.id=c"}
	if got := r.Strings("producer-props"); !reflect.DeepEqual(got, want) {
		t.Fatalf("producer-props = %q, want %q", got, want)
	}
	if r.Int64("num-records") != 10 || r.Float64("throughput") != -1 || !r.Has("print-metrics") {
		t.Fatalf("num-records %d throughput %v print-metrics %v", r.Int64("num-records"), r.Float64("throughput"), r.Has("print-metrics"))
	}
	if r.String("payload-delimiter") != `\n` {
		t.Fatalf("default delimiter = %q", r.String("payload-delimiter"))
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name   string
		parser *Parser
		args   string
		want   string
	}{
		{"jopt unknown", joptParser(), "--bootstrap-server b --new-consumer", "new-consumer is not a recognized option"},
		{"jopt missing value", joptParser(), "--bootstrap-server b --topic", "Option topic requires an argument"},
		{"jopt required", joptParser(), "--topic t", `Missing required argument "[bootstrap-server]"`},
		{"jopt bad int", joptParser(), "--bootstrap-server b --max-messages x", "Cannot parse argument 'x' of option max-messages"},
		{"jopt flag value", joptParser(), "--bootstrap-server b --from-beginning=yes", "Option from-beginning does not take an argument"},
		{"jopt no abbreviation", joptParser(), "--bootstrap b", "bootstrap is not a recognized option"},
		{"argparse required", argparseParser(), "--topic t --throughput 1", "argument --num-records is required"},
		{"argparse unknown", argparseParser(), "--topic t --bogus 1", "unrecognized arguments: '--bogus'"},
		{"argparse ambiguous", argparseParser(), "--topic t --p x", "ambiguous option: --p could match --payload-delimiter, --payload-file, --print-metrics, --producer-props"},
		{"argparse value is option", argparseParser(), "--topic --num-records 1", "argument --topic: expected one argument"},
		{"argparse multi empty", argparseParser(), "--producer-props --topic t", "argument --producer-props: expected at least one argument"},
		{"argparse bad long", argparseParser(), "--num-records 1.5", "argument --num-records: could not convert '1.5' to Long"},
		{"argparse bad double", argparseParser(), "--throughput fast", "argument --throughput: could not convert 'fast' to Double"},
		{"argparse flag value", argparseParser(), "--print-metrics=1", "argument --print-metrics: ignored explicit argument '1'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.parser.Parse(strings.Fields(c.args))
			var ue *UsageError
			if !errors.As(err, &ue) || ue.Message != c.want {
				t.Fatalf("error = %v, want usage error %q", err, c.want)
			}
		})
	}
}

// TestHandleExitCodes checks the exit codes and streams of Kafka's two
// parsers: joptsimple tools print help to stderr and exit 1, argparse tools
// print help to stdout (exit 0 with no arguments, 1 for --help), --version
// exits 0, usage errors exit 1 with the message on stderr.
func TestHandleExitCodes(t *testing.T) {
	cases := []struct {
		name        string
		parser      *Parser
		args        []string
		code        int
		out, errOut string // substrings; "" means the stream must be empty
	}{
		{"jopt no args", joptParser(), nil, 1, "", "This tool helps to read data"},
		{"jopt help", joptParser(), []string{"--help"}, 1, "", "--bootstrap-server <String: server to"},
		{"jopt version", joptParser(), []string{"--version"}, 0, "samsa", ""},
		{"jopt usage error", joptParser(), []string{"--topic", "t"}, 1, "", "Missing required argument \"[bootstrap-server]\"\nOption"},
		{"argparse no args", argparseParser(), nil, 0, "usage: producer-performance [-h] --topic TOPIC", ""},
		{"argparse help", argparseParser(), []string{"-h"}, 1, "optional arguments:", ""},
		{"argparse usage error", argparseParser(), []string{"--topic"}, 1, "", "producer-performance: error: argument --topic: expected one argument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(c.parser, c.args, &out, &errOut)
			if code != c.code {
				t.Errorf("exit code %d, want %d", code, c.code)
			}
			checkStream(t, "stdout", out.String(), c.out)
			checkStream(t, "stderr", errOut.String(), c.errOut)
		})
	}
}

// run is how a tool uses the parser: parse, and on error hand over to
// Handle; argparse tools show help on an empty command line themselves.
func run(p *Parser, args []string, stdout, stderr *bytes.Buffer) int {
	if len(args) == 0 && p.Style == Argparse {
		p.Usage(stdout)
		return 0
	}
	if _, err := p.Parse(args); err != nil {
		return p.Handle(err, stdout, stderr)
	}
	return 0
}

func checkStream(t *testing.T, name, got, want string) {
	t.Helper()
	if want == "" && got != "" {
		t.Errorf("%s = %q, want empty", name, got)
	}
	if !strings.Contains(got, want) {
		t.Errorf("%s = %q, want it to contain %q", name, got, want)
	}
}

func TestUsageLayout(t *testing.T) {
	var b bytes.Buffer
	joptParser().Usage(&b)
	want := "Option                                   Description\n" +
		"------                                   -----------\n" +
		"--bootstrap-server <String: server to    REQUIRED: The server(s) to connect\n" +
		"  connect to>                              to.\n"
	if !strings.HasPrefix(b.String(), want) {
		t.Fatalf("usage starts\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	argparseParser().Usage(&b)
	_, options, _ := strings.Cut(b.String(), "optional arguments:")
	for _, line := range strings.Split(options, "\n") {
		if len(line) > 80 && !strings.HasPrefix(line, "  --") {
			t.Errorf("usage line longer than 80: %q", line)
		}
	}
	if !strings.Contains(b.String(), "  --producer-props PROP-NAME=PROP-VALUE [PROP-NAME=PROP-VALUE ...]\n") {
		t.Errorf("argparse usage lacks the multi-value form:\n%s", b.String())
	}
}

func TestParseKeyValues(t *testing.T) {
	got := ParseKeyValues([]string{"a=b", "c=d=e", "f", "g=", "a=z"})
	want := map[string]string{"a": "z", "c": "d=e", "f": "", "g": ""}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestAddDuplicatePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("defining --topic twice did not panic")
		}
	}()
	p := NewParser("x", "", JoptSimple)
	p.Add(Option{Name: "topic"}, Option{Name: "t", Aliases: []string{"topic"}})
}

// A tutorial's --zookeeper gets Kafka's refusal, the usage, and a last line
// saying what to use instead.
func TestZookeeperHint(t *testing.T) {
	var stdout, stderr bytes.Buffer
	p := joptParser()
	if code := run(p, strings.Fields("--zookeeper localhost:2181 --list"), &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
	if lines[0] != "zookeeper is not a recognized option" || lines[len(lines)-1] != zookeeperHint || stdout.Len() != 0 {
		t.Fatalf("stderr:\n%s", stderr.String())
	}
	stderr.Reset()
	run(p, strings.Fields("--zoo localhost:2181"), &stdout, &stderr)
	if strings.Contains(stderr.String(), zookeeperHint) {
		t.Fatalf("hint for another option:\n%s", stderr.String())
	}
}
