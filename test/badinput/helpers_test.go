package badinput

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/testbin"
)

// Topics every env has: healthTopic is where the well-behaved client
// produces after each bad input; dataTopic holds acknowledged records that
// no bad input may disturb; badTopic is the target of bad produce requests.
const (
	healthTopic = "healthy"
	dataTopic   = "acked"
	badTopic    = "target"
	dataRecords = 30
)

// env is a running broker with the topics above and what is needed to
// judge it after each bad input.
type env struct {
	n      *testbin.Node
	pid    int
	client *kgo.Client // the well-behaved client
	acked  map[int32][]string
	// guarded are the topics bad requests aim at, whose end offsets
	// must not move.
	guarded []string
}

// newEnv starts a broker, creates the topics and produces dataRecords
// acknowledged records over dataTopic's three partitions.
func newEnv(t *testing.T, opts ...testbin.Option) *env {
	t.Helper()
	n := testbin.Start(t, opts...)
	e := &env{n: n, pid: pidOf(t, n), acked: map[int32][]string{}, guarded: []string{badTopic}}
	e.client = n.Client(kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DisableIdempotentWrite(),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	createTopic(t, n, healthTopic, 1, nil)
	createTopic(t, n, dataTopic, 3, nil)
	createTopic(t, n, badTopic, 1, nil)
	ctx := timeout(t, 30*time.Second)
	for i := range dataRecords {
		r := &kgo.Record{Topic: dataTopic, Partition: int32(i % 3), Value: []byte("acked-" + strconv.Itoa(i))}
		if err := e.client.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatalf("producing acknowledged record %d: %v", i, err)
		}
		if r.Offset != int64(len(e.acked[r.Partition])) {
			t.Fatalf("record %d acknowledged at %d, want %d", i, r.Offset, len(e.acked[r.Partition]))
		}
		e.acked[r.Partition] = append(e.acked[r.Partition], string(r.Value))
	}
	return e
}

// timeout returns a context ending after d or with the test.
func timeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func createTopic(t testing.TB, n *testbin.Node, topic string, partitions int32, configs map[string]*string) {
	t.Helper()
	adm := kadm.NewClient(n.Client())
	resp, err := adm.CreateTopic(timeout(t, 30*time.Second), partitions, 1, configs, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("creating topic %s: %v", topic, err)
	}
}

// pidOf finds the broker's process by its data directory, which is unique
// to the node and appears on its command line.
func pidOf(t testing.TB, n *testbin.Node) int {
	t.Helper()
	want := "log.dirs=" + n.Dir
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range entries {
		pid, err := strconv.Atoi(de.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", de.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(want)) {
			return pid
		}
	}
	t.Fatalf("no process has %s on its command line", want)
	return 0
}

// alive reports whether pid is still the broker and not a zombie.
func (e *env) alive(t testing.TB) bool {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", e.pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	i := bytes.LastIndexByte(stat, ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] != 'Z' && stat[i+2] != 'X'
}

// memory reads a field of /proc/<pid>/status in bytes (VmRSS, VmHWM,
// VmPeak, VmSize).
func (e *env) memory(t testing.TB, field string) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", e.pid))
	if err != nil {
		t.Fatalf("reading the broker's status: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("parsing %q: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, e.pid)
	return 0
}

// resetPeak resets the broker's VmHWM to its current resident size, so
// that a later VmHWM is the peak of what happened in between.
func (e *env) resetPeak(t testing.TB) {
	t.Helper()
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", e.pid), []byte("5"), 0); err != nil {
		t.Fatalf("resetting the broker's peak resident size: %v", err)
	}
}

// endOffsets returns the log end offset of every partition of a topic.
func (e *env) endOffsets(t testing.TB, topic string) map[int32]int64 {
	t.Helper()
	adm := kadm.NewClient(e.client)
	l, err := adm.ListEndOffsets(timeout(t, 10*time.Second), topic)
	if err == nil {
		err = l.Error()
	}
	if err != nil {
		t.Fatalf("listing end offsets of %s: %v", topic, err)
	}
	out := map[int32]int64{}
	l.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out
}

// mark is the state before a bad input, to compare with after it.
type mark struct {
	logAt int
	ends  map[string]map[int32]int64
}

func (e *env) mark(t testing.TB) mark {
	t.Helper()
	m := mark{logAt: len(e.n.Logs()), ends: map[string]map[int32]int64{}}
	for _, topic := range e.guarded {
		m.ends[topic] = e.endOffsets(t, topic)
	}
	return m
}

// linesSince returns the log lines printed since m that contain every one
// of the substrings.
func (e *env) linesSince(m mark, substrings ...string) []string {
	var out []string
	for _, line := range strings.Split(e.n.Logs()[m.logAt:], "\n") {
		match := line != ""
		for _, s := range substrings {
			match = match && strings.Contains(line, s)
		}
		if match {
			out = append(out, line)
		}
	}
	return out
}

// after checks what must hold after every bad input: the broker runs, a
// well-behaved client still produces and fetches, the bad target partition
// gained nothing, the acknowledged records are all there, and the log has
// exactly wantLines lines containing all of the substrings (lines are
// written asynchronously, so it waits a little for them).
func (e *env) after(t testing.TB, m mark, wantLines int, substrings ...string) {
	t.Helper()
	if !e.alive(t) {
		t.Fatalf("broker process %d is gone\n%s", e.pid, e.n.Logs())
	}
	e.healthy(t)
	for _, topic := range e.guarded {
		if got := e.endOffsets(t, topic); fmt.Sprint(got) != fmt.Sprint(m.ends[topic]) {
			t.Errorf("end offsets of %s moved from %v to %v: something was appended", topic, m.ends[topic], got)
		}
	}
	e.checkAcked(t)
	deadline := time.Now().Add(3 * time.Second)
	lines := e.linesSince(m, substrings...)
	for len(lines) < wantLines && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		lines = e.linesSince(m, substrings...)
	}
	if len(lines) != wantLines {
		t.Errorf("%d log lines contain %q, want %d:\n%s\nall lines since the input:\n%s",
			len(lines), substrings, wantLines, strings.Join(lines, "\n"), e.n.Logs()[m.logAt:])
	}
}

// healthy produces a fresh record with the well-behaved client and fetches
// it back with a new consumer.
func (e *env) healthy(t testing.TB) {
	t.Helper()
	ctx := timeout(t, 15*time.Second)
	value := fmt.Sprintf("healthy-%d", time.Now().UnixNano())
	r := &kgo.Record{Topic: healthTopic, Value: []byte(value)}
	if err := e.client.ProduceSync(ctx, r).FirstErr(); err != nil {
		t.Fatalf("well-behaved produce failed: %v\n%s", err, e.n.Logs())
	}
	got := e.fetch(t, healthTopic, 0, r.Offset, 1)
	if len(got) != 1 || got[0] != value {
		t.Fatalf("fetched %q at offset %d, want %q", got, r.Offset, value)
	}
}

// fetch reads count record values of one partition from offset with a new
// group-less consumer.
func (e *env) fetch(t testing.TB, topic string, partition int32, offset int64, count int) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.n.Addr()), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		topic: {partition: kgo.NewOffset().At(offset)},
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := timeout(t, 15*time.Second)
	var out []string
	for len(out) < count {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("fetching %s-%d from %d: got %d of %d records", topic, partition, offset, len(out), count)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetching %s-%d: %v", topic, p, err) })
		for _, r := range fs.Records() {
			if want := offset + int64(len(out)); r.Offset != want {
				t.Fatalf("record at offset %d, want %d", r.Offset, want)
			}
			out = append(out, string(r.Value))
		}
	}
	return out
}

// checkAcked reads back every acknowledged record of dataTopic.
func (e *env) checkAcked(t testing.TB) {
	t.Helper()
	if len(e.acked) == 0 {
		return
	}
	ends := e.endOffsets(t, dataTopic)
	for p, values := range e.acked {
		if ends[p] != int64(len(values)) {
			t.Fatalf("%s-%d ends at %d, want %d", dataTopic, p, ends[p], len(values))
		}
		got := e.fetch(t, dataTopic, p, 0, len(values))
		if strings.Join(got, ",") != strings.Join(values, ",") {
			t.Fatalf("%s-%d holds %q, want %q", dataTopic, p, got, values)
		}
	}
}

// raw is a client connection that writes frames by hand.
type raw struct {
	t    testing.TB
	c    net.Conn
	r    *bufio.Reader
	corr int32
}

func (e *env) dial(t testing.TB) *raw {
	t.Helper()
	c, err := net.DialTimeout("tcp", e.n.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &raw{t: t, c: c, r: bufio.NewReader(c)}
}

// local is the connection's address as the broker logs it ("remote=…").
func (r *raw) local() string { return "remote=" + r.c.LocalAddr().String() }

// write sends bytes as they are.
func (r *raw) write(b []byte) {
	r.t.Helper()
	r.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.c.Write(b); err != nil {
		r.t.Fatalf("writing %d bytes: %v", len(b), err)
	}
}

// header returns a request header; flexible selects header v2.
func header(key, version int16, corr int32, flexible bool) []byte {
	h := binary.BigEndian.AppendUint16(nil, uint16(key))
	h = binary.BigEndian.AppendUint16(h, uint16(version))
	h = binary.BigEndian.AppendUint32(h, uint32(corr))
	h = binary.BigEndian.AppendUint16(h, 7)
	h = append(h, "badtest"...)
	if flexible {
		h = append(h, 0) // no tagged fields
	}
	return h
}

// frame prefixes a payload with its size.
func frame(payload []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(payload))), payload...)
}

// requestFrame encodes a kmsg request at its set version into a frame.
func requestFrame(req kmsg.Request, corr int32) []byte {
	return frame(req.AppendTo(header(req.Key(), req.GetVersion(), corr, req.IsFlexible())))
}

// send writes a kmsg request at its set version and returns its correlation
// id.
func (r *raw) send(req kmsg.Request) int32 {
	r.corr++
	r.write(requestFrame(req, r.corr))
	return r.corr
}

// readFrame reads one response frame.
func (r *raw) readFrame(within time.Duration) ([]byte, error) {
	r.c.SetReadDeadline(time.Now().Add(within))
	var size [4]byte
	if _, err := io.ReadFull(r.r, size[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > 64<<20 {
		return nil, fmt.Errorf("response frame of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// roundTrip sends a request and decodes its response.
func (r *raw) roundTrip(req kmsg.Request) kmsg.Response {
	r.t.Helper()
	corr := r.send(req)
	b, err := r.readFrame(15 * time.Second)
	if err != nil {
		r.t.Fatalf("%s v%d: no response: %v", kmsg.NameForKey(req.Key()), req.GetVersion(), err)
	}
	return decodeResponse(r.t, req, corr, b)
}

// decodeResponse checks the correlation id and decodes the body of a
// response to req.
func decodeResponse(t testing.TB, req kmsg.Request, corr int32, b []byte) kmsg.Response {
	t.Helper()
	if len(b) < 4 || int32(binary.BigEndian.Uint32(b)) != corr {
		t.Fatalf("response %x does not start with correlation id %d", b[:min(len(b), 8)], corr)
	}
	b = b[4:]
	if req.IsFlexible() && req.Key() != int16(kmsg.ApiVersions) {
		b = b[1:] // empty tagged fields of header v1
	}
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(b); err != nil {
		t.Fatalf("decoding %s v%d response: %v", kmsg.NameForKey(req.Key()), req.GetVersion(), err)
	}
	return resp
}

// expectClosed asserts that the broker closes the connection within d
// without sending a byte.
func (r *raw) expectClosed(d time.Duration) {
	r.t.Helper()
	r.c.SetReadDeadline(time.Now().Add(d))
	b, err := r.r.ReadByte()
	switch {
	case err == nil:
		rest, _ := r.r.Peek(r.r.Buffered())
		r.t.Fatalf("broker answered (%x…) instead of closing the connection", append([]byte{b}, rest...))
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
	default:
		r.t.Fatalf("connection not closed within %s: %v", d, err)
	}
}
