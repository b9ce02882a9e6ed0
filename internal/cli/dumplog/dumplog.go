// Package dumplog is `samsa dump-log` (kafka-dump-log.sh): it prints the
// batches and records of log segments (.log), metadata log snapshots
// (.checkpoint) and the entries of offset and time indexes (.index,
// .timeindex) the way Kafka's DumpLogSegments does, reading the files
// directly. It never writes to them, so it is safe to run against the data
// directory of a running server.
//
// Decoders: --offsets-decoder prints __consumer_offsets keys and values as
// Kafka does; --cluster-metadata-decoder prints Samsa's metadata records in
// the {"type","version","data"} form of Kafka's, with Kafka's record names
// and field names. Where Kafka writes one metadata record per log record,
// Samsa writes one log record per metadata log entry holding all the
// records the controller applied together: such a record prints its payload
// as the single object when the entry holds one record, and as a JSON array
// of those objects when it holds several. A Samsa checkpoint carries its
// snapshot in chunks; with the decoder, each chunk prints as "<chunk N of
// the snapshot: M bytes>" and the snapshot's records follow the footer, one
// "| payload:" line each.
package dumplog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"samsa/internal/cli"
)

const description = "This tool helps to parse a log file and dump its contents to the console, useful for debugging a seemingly corrupt log segment."

// stringDecoder is the one decoder class Samsa has: Kafka's default.
const stringDecoder = "org.apache.kafka.tools.api.StringDecoder"

func newParser() *cli.Parser {
	p := cli.NewParser("kafka-dump-log", description, cli.JoptSimple)
	p.Add(
		cli.Option{Name: "print-data-log", Kind: cli.Flag, Help: "If set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified."},
		cli.Option{Name: "verify-index-only", Kind: cli.Flag, Help: "If set, just verify the index log without printing its content."},
		cli.Option{Name: "index-sanity-check", Kind: cli.Flag, Help: "If set, just checks the index sanity without printing its content. This is the same check that is executed on broker startup to determine if an index needs rebuilding or not."},
		cli.Option{Name: "files", Kind: cli.Single, Metavar: "file1, file2, ...", Help: "REQUIRED: The comma separated list of data and index log files to be dumped."},
		cli.Option{Name: "max-message-size", Kind: cli.Single, Type: cli.Int32, Metavar: "size", Default: "5242880", Help: "Size of largest message."},
		cli.Option{Name: "max-bytes", Kind: cli.Single, Type: cli.Int32, Metavar: "size", Default: "2147483647", Help: "Limit the amount of total batches read in bytes avoiding reading the whole .log file(s)."},
		cli.Option{Name: "deep-iteration", Kind: cli.Flag, Help: "If set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled."},
		cli.Option{Name: "value-decoder-class", Kind: cli.Optional, Default: stringDecoder, Help: "If set, used to deserialize the messages. This class should implement org.apache.kafka.tools.api.Decoder trait. Custom jar should be available in kafka/libs directory."},
		cli.Option{Name: "key-decoder-class", Kind: cli.Optional, Default: stringDecoder, Help: "If set, used to deserialize the keys. This class should implement org.apache.kafka.tools.api.Decoder trait. Custom jar should be available in kafka/libs directory."},
		cli.Option{Name: "offsets-decoder", Kind: cli.Flag, Help: "If set, log data will be parsed as offset data from the __consumer_offsets topic."},
		cli.Option{Name: "transaction-log-decoder", Kind: cli.Flag, Help: "If set, log data will be parsed as transaction metadata from the __transaction_state topic."},
		cli.Option{Name: "cluster-metadata-decoder", Kind: cli.Flag, Help: "If set, log data will be parsed as cluster metadata records."},
		cli.Option{Name: "remote-log-metadata-decoder", Kind: cli.Flag, Help: "If set, log data will be parsed as TopicBasedRemoteLogMetadataManager (RLMM) metadata records. Instead, the value-decoder-class option can be used if a custom RLMM implementation is configured."},
		cli.Option{Name: "share-group-state-decoder", Kind: cli.Flag, Help: "If set, log data will be parsed as share group state data from the __share_group_state topic."},
		cli.Option{Name: "skip-record-metadata", Kind: cli.Flag, Help: "Whether to skip printing metadata for each record."},
	)
	return p
}

// options are the parsed command line.
type options struct {
	printData       bool
	deep            bool
	verifyOnly      bool
	indexSanityOnly bool
	skipMetadata    bool
	maxBytes        int64
	maxMessageSize  int64
	parser          parser
}

// Run runs `samsa dump-log`.
func Run(_ context.Context, args []string, stdout, stderr io.Writer) int {
	p := newParser()
	r, err := p.Parse(args)
	if err != nil {
		return p.Handle(err, stdout, stderr)
	}
	if !r.Has("files") {
		return p.Fail(stderr, "Missing required argument \"[files]\"")
	}
	for _, name := range []string{"value-decoder-class", "key-decoder-class"} {
		if c := r.String(name); c != stringDecoder && c != "" {
			fmt.Fprintf(stderr, "Decoder class %s is not available: Samsa decodes with %s only.\n", c, stringDecoder)
			return 1
		}
	}
	for _, name := range []string{"remote-log-metadata-decoder", "share-group-state-decoder"} {
		if r.Has(name) {
			fmt.Fprintf(stderr, "--%s is not supported: Samsa has no such topic.\n", name)
			return 1
		}
	}
	o := &options{
		verifyOnly:      r.Has("verify-index-only"),
		indexSanityOnly: r.Has("index-sanity-check"),
		skipMetadata:    r.Has("skip-record-metadata"),
		maxBytes:        r.Int64("max-bytes"),
		maxMessageSize:  r.Int64("max-message-size"),
		parser:          stringParser{},
	}
	switch {
	case r.Has("offsets-decoder"):
		o.parser = offsetsParser{}
	case r.Has("transaction-log-decoder"):
		o.parser = transactionParser{}
	case r.Has("cluster-metadata-decoder"):
		o.parser = &metadataParser{}
	}
	o.printData = r.Has("print-data-log") || r.Has("offsets-decoder") || r.Has("transaction-log-decoder") ||
		r.Has("cluster-metadata-decoder") || r.Has("value-decoder-class") || r.Has("key-decoder-class")
	o.deep = r.Has("deep-iteration") || o.printData

	d := &dumper{opts: o, out: stdout}
	err = d.dumpFiles(strings.Split(r.String("files"), ","), stderr)
	d.printProblems(stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// dumper dumps files and collects the problems Kafka's tool reports at the
// end, on stderr.
type dumper struct {
	opts *options
	out  io.Writer

	indexMismatches   map[string][][2]int64 // index file -> (index offset, log offset)
	nonConsecutive    map[string][][2]int64 // log file -> (offset, next offset)
	timeMismatches    map[string][][2]int64 // (index timestamp, log timestamp)
	timeOutOfOrder    map[string][][2]int64 // (index timestamp, previous timestamp)
	timeNotFound      map[string][][2]int64 // (indexed offset, found log offset)
	problemFileOrders []string
}

func (d *dumper) dumpFiles(files []string, stderr io.Writer) error {
	for _, f := range files {
		fmt.Fprintf(d.out, "Dumping %s\n", f)
		var err error
		switch ext := filepath.Ext(f); ext {
		case ".log", ".checkpoint":
			err = d.dumpLog(f)
		case ".index":
			err = d.dumpIndex(f)
		case ".timeindex":
			err = d.dumpTimeIndex(f)
		case ".snapshot", ".txnindex":
			// Producer-state snapshots and transaction indexes:
			// Samsa writes neither yet.
			fmt.Fprintf(stderr, "Samsa cannot read %s files yet; skipping %s\n", ext, f)
		default:
			fmt.Fprintf(stderr, "Ignoring unknown file %s\n", f)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// note records a problem for the summary printed after every file.
func (d *dumper) note(m *map[string][][2]int64, file string, a, b int64) {
	if *m == nil {
		*m = map[string][][2]int64{}
	}
	if len((*m)[file]) == 0 {
		d.problemFileOrders = append(d.problemFileOrders, file)
	}
	(*m)[file] = append((*m)[file], [2]int64{a, b})
}

// printProblems prints the problems found, in Kafka's words.
func (d *dumper) printProblems(w io.Writer) {
	for _, f := range d.files(d.indexMismatches) {
		fmt.Fprintf(w, "Mismatches in :%s\n", f)
		// Kafka prepends to a list: newest first.
		l := d.indexMismatches[f]
		for i := len(l) - 1; i >= 0; i-- {
			fmt.Fprintf(w, "  Index offset: %d, log offset: %d\n", l[i][0], l[i][1])
		}
	}
	for _, f := range d.files(d.timeMismatches) {
		fmt.Fprintf(w, "Found timestamp mismatch in :%s\n", f)
		for _, m := range d.timeMismatches[f] {
			fmt.Fprintf(w, "  Index timestamp: %d, log timestamp: %d\n", m[0], m[1])
		}
	}
	for _, f := range d.files(d.timeOutOfOrder) {
		fmt.Fprintf(w, "Found out of order timestamp in :%s\n", f)
		for _, m := range d.timeOutOfOrder[f] {
			fmt.Fprintf(w, "  Index timestamp: %d, Previously indexed timestamp: %d\n", m[0], m[1])
		}
	}
	for _, f := range d.files(d.timeNotFound) {
		fmt.Fprintln(w, "The following indexed offsets are not found in the log.")
		for _, m := range d.timeNotFound[f] {
			fmt.Fprintf(w, "Indexed offset: %d, found log offset: %d\n", m[0], m[1])
		}
	}
	for _, f := range d.files(d.nonConsecutive) {
		fmt.Fprintf(w, "Non-consecutive offsets in %s\n", f)
		l := d.nonConsecutive[f]
		for i := len(l) - 1; i >= 0; i-- {
			fmt.Fprintf(w, "  %d is followed by %d\n", l[i][0], l[i][1])
		}
	}
}

// files lists the files of m in the order their first problem was found.
func (d *dumper) files(m map[string][][2]int64) []string {
	var out []string
	for _, f := range d.problemFileOrders {
		if len(m[f]) > 0 && !contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// openError words a file that cannot be read.
func openError(file string, err error) error {
	return fmt.Errorf("cannot read %s: %w", file, errors.Unwrap(err))
}
