package broker_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/config"
	"samsa/internal/server"
)

// FuzzHandleRequest runs a real node in process (metadata quorum,
// controller, replica manager, broker, network) and sends it arbitrary
// bytes as one request frame over TCP, the path every client's request
// takes: frame reading, header and body decoding, the handler. The node
// must not panic (a panic on any goroutine ends the fuzzing process and is
// reported with the input), must answer with the request's correlation id
// or close the connection, must keep the responses bounded, and must still
// serve the next connection.
//
// The node starts once per fuzzing process. Inputs that would park the
// loop (a fetch waiting long for data) or grow the node without bound
// (creating many partitions) are skipped; every few hundred inputs the
// topics the fuzzer created are deleted, so long runs stay small.
func FuzzHandleRequest(f *testing.F) {
	fz := startFuzzNode(f)
	for _, seed := range fz.seeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		if parksOrGrows(payload) {
			t.Skip("would park the loop or grow the node without bound")
		}
		start := time.Now()
		fz.tidy(t)
		tidied := time.Since(start)
		fz.send(t, payload)
		if d := time.Since(start); d > time.Second {
			fz.log.Warn("slow fuzz input", "took", d, "tidy", tidied, "payload", fmt.Sprintf("%x", payload[:min(len(payload), 64)]))
		}
	})
}

// Limits of the fuzzed node.
const (
	fuzzMaxRequest  = 1 << 20 // socket.request.max.bytes
	fuzzMaxResponse = 8 << 20 // the largest response accepted as bounded
	fuzzTopic       = "fuzz"
	fuzzReplyWait   = 2 * time.Second
)

type fuzzNode struct {
	log   *slog.Logger
	addr  string
	conn  net.Conn
	r     *bufio.Reader
	execs atomic.Int64
}

func startFuzzNode(f *testing.F) *fuzzNode {
	dir := f.TempDir()
	port, ctlPort := freePort(f), freePort(f)
	cfg, _, err := config.Load(config.Sources{Overrides: []string{
		"log.dirs=" + dir,
		fmt.Sprintf("listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d", port, ctlPort),
		fmt.Sprintf("advertised.listeners=PLAINTEXT://127.0.0.1:%d", port),
		fmt.Sprintf("controller.quorum.voters=1@127.0.0.1:%d", ctlPort),
		fmt.Sprintf("socket.request.max.bytes=%d", fuzzMaxRequest),
		"fetch.max.bytes=1048576",
	}})
	if err != nil {
		f.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	if path := os.Getenv("SAMSA_FUZZ_LOG"); path != "" {
		// The fuzzing engine does not show a worker's output, so the
		// node's log goes to a file.
		out, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { out.Close() })
		log = slog.New(slog.NewTextHandler(out, nil))
	}
	fz := &fuzzNode{log: log}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := server.Start(ctx, server.Options{Config: cfg, Logger: log})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	fz.addr = s.Addr("PLAINTEXT").String()
	f.Cleanup(fz.drop)
	create := kmsg.NewPtrCreateTopicsRequest()
	create.SetVersion(7)
	create.Topics = []kmsg.CreateTopicsRequestTopic{{Topic: fuzzTopic, NumPartitions: 2, ReplicationFactor: 1}}
	if resp := fz.roundTrip(f, create).(*kmsg.CreateTopicsResponse); resp.Topics[0].ErrorCode != 0 {
		f.Fatalf("creating %s: error %d", fuzzTopic, resp.Topics[0].ErrorCode)
	}
	return fz
}

func freePort(f *testing.F) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// dial returns the open connection or a new one.
func (fz *fuzzNode) dial(t testing.TB) {
	if fz.conn != nil {
		return
	}
	c, err := net.DialTimeout("tcp", fz.addr, 5*time.Second)
	if err != nil {
		t.Fatalf("the node stopped accepting connections: %v", err)
	}
	fz.conn, fz.r = c, bufio.NewReader(c)
}

func (fz *fuzzNode) drop() {
	if fz.conn != nil {
		fz.conn.Close()
		fz.conn, fz.r = nil, nil
	}
}

// header encodes a request header (v1, or v2 when flexible).
func header(req kmsg.Request, corr int32) []byte {
	h := binary.BigEndian.AppendUint16(nil, uint16(req.Key()))
	h = binary.BigEndian.AppendUint16(h, uint16(req.GetVersion()))
	h = binary.BigEndian.AppendUint32(h, uint32(corr))
	h = binary.BigEndian.AppendUint16(h, 4)
	h = append(h, "fuzz"...)
	if req.IsFlexible() {
		h = append(h, 0)
	}
	return h
}

// encode returns a request's frame payload (header and body).
func encode(req kmsg.Request, corr int32) []byte { return req.AppendTo(header(req, corr)) }

// frame prefixes a payload with its size.
func frame(payload []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(payload))), payload...)
}

// write sends bytes, on a fresh connection if the node closed the last one
// after an earlier frame.
func (fz *fuzzNode) write(t testing.TB, b []byte) {
	fz.dial(t)
	fz.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := fz.conn.Write(b); err != nil {
		fz.drop()
		fz.dial(t)
		fz.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := fz.conn.Write(b); err != nil {
			t.Fatalf("writing to a fresh connection: %v", err)
		}
	}
}

// readFrame reads one response frame within wait, refusing one above
// fuzzMaxResponse.
func (fz *fuzzNode) readFrame(t testing.TB, wait time.Duration) ([]byte, error) {
	fz.conn.SetReadDeadline(time.Now().Add(wait))
	var size [4]byte
	if _, err := io.ReadFull(fz.r, size[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n < 4 || n > fuzzMaxResponse {
		t.Fatalf("response frame of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(fz.r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// roundTrip sends a well-formed request and decodes its response.
func (fz *fuzzNode) roundTrip(t testing.TB, req kmsg.Request) kmsg.Response {
	fz.write(t, frame(encode(req, 1)))
	b, err := fz.readFrame(t, 30*time.Second) // deleting many topics takes a while
	if err != nil {
		t.Fatalf("%s: %v", kmsg.NameForKey(req.Key()), err)
	}
	b = b[4:]
	if req.IsFlexible() && req.Key() != int16(kmsg.ApiVersions) {
		b = b[1:]
	}
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(b); err != nil {
		t.Fatalf("decoding the %s response: %v", kmsg.NameForKey(req.Key()), err)
	}
	return resp
}

// send writes the fuzzed payload as one frame, followed by an ApiVersions
// v0 request as a marker. Responses come in request order, so what arrives
// before the marker's answer is the fuzzed request's (nothing for acks=0);
// a closed connection means the node refused the frame.
func (fz *fuzzNode) send(t *testing.T, payload []byte) {
	corr := int32(-1)
	if len(payload) >= 8 {
		corr = int32(binary.BigEndian.Uint32(payload[4:]))
	}
	marker := kmsg.NewPtrApiVersionsRequest()
	fz.write(t, append(frame(payload), frame(encode(marker, ^corr))...))
	for answered := false; ; answered = true {
		b, err := fz.readFrame(t, fuzzReplyWait)
		if err != nil {
			fz.drop()
			if isClosed(err) || isTimeout(err) {
				return // refused, or parked behind a wait
			}
			t.Fatalf("reading the response: %v", err)
		}
		got := int32(binary.BigEndian.Uint32(b))
		switch {
		case got == ^corr:
			return
		case answered || got != corr:
			t.Fatalf("response with correlation id %d, want %d then the marker's %d", got, corr, ^corr)
		}
	}
}

func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// parksOrGrows reports a request that decodes to a fetch waiting longer
// than a moment for data, or to a creation of more than a few partitions.
func parksOrGrows(payload []byte) bool {
	if len(payload) < 8 {
		return false
	}
	key, version := int16(binary.BigEndian.Uint16(payload)), int16(binary.BigEndian.Uint16(payload[2:]))
	req := kmsg.RequestForKey(key)
	if req == nil || version < 0 || version > req.MaxVersion() {
		return false
	}
	req.SetVersion(version)
	body, ok := skipHeader(payload, req.IsFlexible())
	if !ok || req.ReadFrom(body) != nil {
		return false
	}
	switch req := req.(type) {
	case *kmsg.FetchRequest:
		return req.MaxWaitMillis > 100 && req.MinBytes > 0
	case *kmsg.CreateTopicsRequest:
		partitions := 0
		for _, t := range req.Topics {
			partitions += max(int(t.NumPartitions), len(t.ReplicaAssignment), 1)
		}
		return partitions > 4
	case *kmsg.CreatePartitionsRequest:
		partitions := 0
		for _, t := range req.Topics {
			partitions += max(int(t.Count), 1)
		}
		return partitions > 4
	}
	return false
}

// skipHeader returns the body after a v1 or v2 request header.
func skipHeader(payload []byte, flexible bool) ([]byte, bool) {
	b := payload[8:]
	if len(b) < 2 {
		return nil, false
	}
	if n := int16(binary.BigEndian.Uint16(b)); n > 0 {
		if int(n)+2 > len(b) {
			return nil, false
		}
		b = b[n:]
	}
	b = b[2:]
	if flexible {
		if len(b) == 0 || b[0] != 0 {
			return nil, false // tagged header fields: not worth following here
		}
		b = b[1:]
	}
	return b, true
}

// tidy deletes, every 256 inputs, the topics the fuzzer created, and
// recreates the seed topic if the fuzzer deleted it.
func (fz *fuzzNode) tidy(t *testing.T) {
	if fz.execs.Add(1)%256 != 0 {
		return
	}
	fz.drop()
	defer fz.drop()
	meta := kmsg.NewPtrMetadataRequest()
	meta.SetVersion(12)
	del := kmsg.NewPtrDeleteTopicsRequest()
	del.SetVersion(6)
	del.TimeoutMillis = 10000
	seeded := false
	for _, rt := range fz.roundTrip(t, meta).(*kmsg.MetadataResponse).Topics {
		if rt.Topic != nil && *rt.Topic == fuzzTopic && len(rt.Partitions) == 2 {
			seeded = true
			continue
		}
		dt := kmsg.NewDeleteTopicsRequestTopic()
		dt.Topic, dt.TopicID = rt.Topic, rt.TopicID
		del.Topics = append(del.Topics, dt)
	}
	if len(del.Topics) > 0 {
		fz.roundTrip(t, del)
	}
	if !seeded {
		create := kmsg.NewPtrCreateTopicsRequest()
		create.SetVersion(7)
		create.Topics = []kmsg.CreateTopicsRequestTopic{{Topic: fuzzTopic, NumPartitions: 2, ReplicationFactor: 1}}
		fz.roundTrip(t, create)
	}
}

// seeds are valid requests: every API and version the node advertises
// with kmsg's defaults, and requests that reach deep into the handlers
// (a produce of a real batch, fetches, metadata, admin requests about the
// seed topic).
func (fz *fuzzNode) seeds(f *testing.F) [][]byte {
	versions := kmsg.NewPtrApiVersionsRequest()
	versions.SetVersion(3)
	versions.ClientSoftwareName, versions.ClientSoftwareVersion = "fuzz", "1"
	resp := fz.roundTrip(f, versions).(*kmsg.ApiVersionsResponse)
	var out [][]byte
	add := func(req kmsg.Request, min, max int16) {
		for _, v := range []int16{min, (min + max) / 2, max} {
			req.SetVersion(v)
			out = append(out, encode(req, int32(len(out)+1)))
		}
	}
	for _, k := range resp.ApiKeys {
		if req := kmsg.RequestForKey(k.ApiKey); req != nil {
			add(req, k.MinVersion, k.MaxVersion)
		}
	}
	for _, req := range richRequests() {
		for _, k := range resp.ApiKeys {
			if k.ApiKey == req.Key() {
				add(req, k.MinVersion, k.MaxVersion)
			}
		}
	}
	if len(out) < 20 {
		f.Fatalf("only %d seeds: the node advertises %v", len(out), resp.ApiKeys)
	}
	return slices.Clip(out)
}

// richRequests are requests with content, about the seed topic.
func richRequests() []kmsg.Request {
	topic := fuzzTopic
	metadata := kmsg.NewPtrMetadataRequest()
	metadata.Topics = []kmsg.MetadataRequestTopic{{Topic: &topic}}
	metadata.AllowAutoTopicCreation = true

	produce := kmsg.NewPtrProduceRequest()
	produce.Acks, produce.TimeoutMillis = -1, 5000
	produce.Topics = []kmsg.ProduceRequestTopic{{Topic: topic, Partitions: []kmsg.ProduceRequestTopicPartition{
		{Partition: 0, Records: seedBatch()}, {Partition: 1, Records: seedBatch()},
	}}}

	fetch := kmsg.NewPtrFetchRequest()
	fetch.ReplicaID, fetch.MaxWaitMillis, fetch.MinBytes, fetch.MaxBytes = -1, 10, 1, 1<<20
	fetch.SessionID, fetch.SessionEpoch = 0, 0
	fetch.Topics = []kmsg.FetchRequestTopic{{Topic: topic, Partitions: []kmsg.FetchRequestTopicPartition{
		{Partition: 0, FetchOffset: 0, PartitionMaxBytes: 1 << 20, CurrentLeaderEpoch: -1, LastFetchedEpoch: -1},
	}}}

	listOffsets := kmsg.NewPtrListOffsetsRequest()
	listOffsets.ReplicaID = -1
	listOffsets.Topics = []kmsg.ListOffsetsRequestTopic{{Topic: topic, Partitions: []kmsg.ListOffsetsRequestTopicPartition{
		{Partition: 0, Timestamp: -1, CurrentLeaderEpoch: -1}, {Partition: 1, Timestamp: -2, CurrentLeaderEpoch: -1},
	}}}

	create := kmsg.NewPtrCreateTopicsRequest()
	create.ValidateOnly = true
	value := "1000"
	create.Topics = []kmsg.CreateTopicsRequestTopic{{Topic: "fuzz-new", NumPartitions: 2, ReplicationFactor: 1,
		Configs: []kmsg.CreateTopicsRequestTopicConfig{{Name: "retention.ms", Value: &value}}}}

	describe := kmsg.NewPtrDescribeConfigsRequest()
	describe.Resources = []kmsg.DescribeConfigsRequestResource{
		{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: topic},
		{ResourceType: kmsg.ConfigResourceTypeBroker, ResourceName: "1"},
	}

	alter := kmsg.NewPtrIncrementalAlterConfigsRequest()
	alter.Resources = []kmsg.IncrementalAlterConfigsRequestResource{{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: topic,
		Configs: []kmsg.IncrementalAlterConfigsRequestResourceConfig{{Name: "retention.ms", Op: kmsg.IncrementalAlterConfigOpSet, Value: &value}}}}

	deleteRecords := kmsg.NewPtrDeleteRecordsRequest()
	deleteRecords.TimeoutMillis = 5000
	deleteRecords.Topics = []kmsg.DeleteRecordsRequestTopic{{Topic: topic, Partitions: []kmsg.DeleteRecordsRequestTopicPartition{{Partition: 1, Offset: 0}}}}

	epochs := kmsg.NewPtrOffsetForLeaderEpochRequest()
	epochs.ReplicaID = -1
	epochs.Topics = []kmsg.OffsetForLeaderEpochRequestTopic{{Topic: topic, Partitions: []kmsg.OffsetForLeaderEpochRequestTopicPartition{
		{Partition: 0, CurrentLeaderEpoch: -1, LeaderEpoch: 0},
	}}}

	partitions := kmsg.NewPtrCreatePartitionsRequest()
	partitions.ValidateOnly = true
	partitions.Topics = []kmsg.CreatePartitionsRequestTopic{{Topic: topic, Count: 3}}

	logDirs := kmsg.NewPtrDescribeLogDirsRequest()
	logDirs.Topics = []kmsg.DescribeLogDirsRequestTopic{{Topic: topic, Partitions: []int32{0, 1}}}

	describeTopics := kmsg.NewPtrDescribeTopicPartitionsRequest()
	describeTopics.Topics = []kmsg.DescribeTopicPartitionsRequestTopic{{Topic: topic}}
	describeTopics.ResponsePartitionLimit = 10

	return []kmsg.Request{metadata, produce, fetch, listOffsets, create, describe, alter, deleteRecords, epochs,
		partitions, logDirs, describeTopics}
}

// seedBatch is a v2 batch of two records, as a producer sends it.
func seedBatch() []byte {
	now := time.Now().UnixMilli()
	var records []byte
	for i, v := range []string{"a", "bb"} {
		r := kmsg.Record{OffsetDelta: int32(i), Value: []byte(v), Headers: []kmsg.Header{{Key: "h", Value: []byte("v")}}}
		body := r.AppendTo(nil)[1:]
		records = append(records, binary.AppendVarint(nil, int64(len(body)))...)
		records = append(records, body...)
	}
	rb := kmsg.RecordBatch{Magic: 2, LastOffsetDelta: 1, FirstTimestamp: now, MaxTimestamp: now,
		ProducerID: -1, ProducerEpoch: -1, FirstSequence: -1, NumRecords: 2, Records: records}
	b := rb.AppendTo(nil)
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-12))
	binary.BigEndian.PutUint32(b[17:], crc32c(b[21:]))
	return b
}

func crc32c(b []byte) uint32 { return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)) }
