package record

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// captureBroker is just enough of a Kafka broker for franz-go's producer to
// send it idempotent Produce requests (ApiVersions, Metadata,
// InitProducerID, Produce), keeping the
// records field of every partition it receives. It lets the tests check the
// batches a real client puts on the wire, not only what its encoder returns.
type captureBroker struct {
	ln   net.Listener
	port int32
	wg   sync.WaitGroup

	mu       sync.Mutex
	conns    []net.Conn
	captured [][]byte
}

// produceMaxVersion stays below v13, which names topics by ID.
const produceMaxVersion = 12

func startCaptureBroker(t *testing.T) *captureBroker {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &captureBroker{ln: ln, port: int32(ln.Addr().(*net.TCPAddr).Port)}
	c.wg.Add(1)
	go c.accept()
	t.Cleanup(c.close)
	return c
}

func (c *captureBroker) accept() {
	defer c.wg.Done()
	for {
		conn, err := c.ln.Accept()
		if err != nil {
			return
		}
		c.mu.Lock()
		c.conns = append(c.conns, conn)
		c.mu.Unlock()
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			_ = c.serve(conn) // ends when the client or close hangs up
		}()
	}
}

func (c *captureBroker) close() {
	c.ln.Close()
	c.mu.Lock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.mu.Unlock()
	c.wg.Wait()
}

func (c *captureBroker) batches() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.captured...)
}

func (c *captureBroker) serve(conn net.Conn) error {
	for {
		var size [4]byte
		if _, err := io.ReadFull(conn, size[:]); err != nil {
			return err
		}
		frame := make([]byte, binary.BigEndian.Uint32(size[:]))
		if _, err := io.ReadFull(conn, frame); err != nil {
			return err
		}
		resp, err := c.handle(frame)
		if err != nil {
			return err
		}
		if _, err := conn.Write(resp); err != nil {
			return err
		}
	}
}

// handle decodes one request frame and returns the framed response.
func (c *captureBroker) handle(frame []byte) ([]byte, error) {
	if len(frame) < 10 {
		return nil, errors.New("short request header")
	}
	key := int16(binary.BigEndian.Uint16(frame))
	version := int16(binary.BigEndian.Uint16(frame[2:]))
	correlation := binary.BigEndian.Uint32(frame[4:])
	clientIDLen := int(int16(binary.BigEndian.Uint16(frame[8:])))
	body := frame[10+max(clientIDLen, 0):]
	req := kmsg.RequestForKey(key)
	if req == nil {
		return nil, fmt.Errorf("unexpected request key %d", key)
	}
	req.SetVersion(version)
	if req.IsFlexible() {
		body = body[1:] // no tagged fields in the header
	}
	if err := req.ReadFrom(body); err != nil {
		return nil, fmt.Errorf("request %d v%d: %w", key, version, err)
	}
	resp := c.respond(req)
	resp.SetVersion(version)
	out := binary.BigEndian.AppendUint32(make([]byte, 4), correlation)
	if resp.IsFlexible() && key != 18 { // ApiVersions answers with header v0
		out = append(out, 0)
	}
	out = resp.AppendTo(out)
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	return out, nil
}

func (c *captureBroker) respond(req kmsg.Request) kmsg.Response {
	switch req := req.(type) {
	case *kmsg.ApiVersionsRequest:
		resp := kmsg.NewPtrApiVersionsResponse()
		// Fetch and FindCoordinator are advertised, never served:
		// librdkafka infers magic 2 and lz4 support from them.
		for _, r := range []kmsg.Request{kmsg.NewPtrProduceRequest(), kmsg.NewPtrFetchRequest(), kmsg.NewPtrFindCoordinatorRequest(), kmsg.NewPtrMetadataRequest(),
			kmsg.NewPtrApiVersionsRequest(), kmsg.NewPtrInitProducerIDRequest()} {
			maxVersion := r.MaxVersion()
			if r.Key() == 0 {
				maxVersion = produceMaxVersion
			}
			resp.ApiKeys = append(resp.ApiKeys, kmsg.ApiVersionsResponseApiKey{ApiKey: r.Key(), MaxVersion: maxVersion})
		}
		return resp
	case *kmsg.InitProducerIDRequest:
		resp := kmsg.NewPtrInitProducerIDResponse()
		resp.ProducerID, resp.ProducerEpoch = 1000, 0
		return resp
	case *kmsg.MetadataRequest:
		resp := kmsg.NewPtrMetadataResponse()
		resp.Brokers = []kmsg.MetadataResponseBroker{{NodeID: 0, Host: "127.0.0.1", Port: c.port}}
		for _, rt := range req.Topics {
			topic := kmsg.NewMetadataResponseTopic()
			topic.Topic = rt.Topic
			topic.TopicID = [16]byte{1}
			p := kmsg.NewMetadataResponseTopicPartition()
			p.Replicas, p.ISR = []int32{0}, []int32{0}
			topic.Partitions = []kmsg.MetadataResponseTopicPartition{p}
			resp.Topics = append(resp.Topics, topic)
		}
		return resp
	case *kmsg.ProduceRequest:
		resp := kmsg.NewPtrProduceResponse()
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, rt := range req.Topics {
			topic := kmsg.NewProduceResponseTopic()
			topic.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				c.captured = append(c.captured, bytes.Clone(rp.Records))
				p := kmsg.NewProduceResponseTopicPartition()
				p.Partition = rp.Partition
				topic.Partitions = append(topic.Partitions, p)
			}
			resp.Topics = append(resp.Topics, topic)
		}
		return resp
	}
	return nil
}

// TestFranzGoProducerOnTheWire produces with franz-go's client, with each
// codec, to the capture broker, then validates and reads what it sent.
func TestFranzGoProducerOnTheWire(t *testing.T) {
	for _, codec := range allCodecs {
		t.Run(codec.String(), func(t *testing.T) {
			broker := startCaptureBroker(t)
			compression := kgo.NoCompression()
			if codec != CodecNone {
				compression = kgoCodecs[codec]
			}
			cl, err := kgo.NewClient(
				kgo.SeedBrokers("127.0.0.1:"+strconv.Itoa(int(broker.port))),
				kgo.DefaultProduceTopic("t"),
				kgo.ProducerBatchCompression(compression),
				kgo.ProducerLinger(50*time.Millisecond),
				kgo.MetadataMinAge(10*time.Millisecond),
				kgo.RequestRetries(2),
			)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			want := sampleRecords(400, 150)
			var krs []*kgo.Record
			for _, r := range want {
				kr := &kgo.Record{Key: r.Key, Value: r.Value, Timestamp: time.UnixMilli(r.Timestamp)}
				for _, h := range r.Headers {
					kr.Headers = append(kr.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
				}
				krs = append(krs, kr)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := cl.ProduceSync(ctx, krs...).FirstErr(); err != nil {
				t.Fatalf("produce: %v", err)
			}
			var got []Record
			for _, b := range broker.batches() {
				info, err := Validate(b, defaultOpts())
				if err != nil {
					t.Fatalf("Validate what franz-go sent: %v", err)
				}
				if info.Codec != codec || info.ProducerID < 0 {
					t.Fatalf("batch info %+v", info)
				}
				if codec == CodecSnappy {
					t.Logf("snappy framing: xerial %v", bytes.HasPrefix(b[HeaderSize:], xerialMagic))
				}
				base := int64(len(got)) // every batch a producer sends starts at 0
				for r, err := range Records(b) {
					if err != nil {
						t.Fatal(err)
					}
					r.Offset += base
					got = append(got, r)
				}
			}
			t.Logf("%d batches", len(broker.batches()))
			sameRecords(t, got, want, 0)
		})
	}
}

// TestLibrdkafkaProducerOnTheWire does the same with librdkafka, through
// kcat (Debian's kcat package), when it is installed; librdkafka sends
// snappy as one raw block.
func TestLibrdkafkaProducerOnTheWire(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skip("kcat (librdkafka) is not installed")
	}
	var input bytes.Buffer
	for i := range 300 {
		fmt.Fprintf(&input, "key-%d:value %d %s\n", i, i, strings.Repeat("librdkafka ", i%20))
	}
	for _, codec := range allCodecs {
		t.Run(codec.String(), func(t *testing.T) {
			broker := startCaptureBroker(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, kcat, "-P", "-b", "127.0.0.1:"+strconv.Itoa(int(broker.port)),
				"-t", "t", "-p", "0", "-K", ":", "-z", codec.String(), "-X", "linger.ms=100")
			cmd.Stdin = bytes.NewReader(input.Bytes())
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("kcat: %v\n%s", err, out)
			}
			lines := strings.Split(strings.TrimSuffix(input.String(), "\n"), "\n")
			n := 0
			for _, b := range broker.batches() {
				info, err := Validate(b, DefaultValidateOptions(time.Now().UnixMilli()))
				if err != nil {
					t.Fatalf("Validate what librdkafka sent: %v", err)
				}
				if info.Codec != codec {
					t.Fatalf("librdkafka sent %v", info.Codec)
				}
				if codec == CodecSnappy && n == 0 {
					t.Logf("snappy framing: xerial %v", bytes.HasPrefix(b[HeaderSize:], xerialMagic))
				}
				for r, err := range Records(b) {
					if err != nil {
						t.Fatal(err)
					}
					key, value, _ := strings.Cut(lines[n], ":")
					if string(r.Key) != key || string(r.Value) != value {
						t.Fatalf("record %d: %q:%q, want %q:%q", n, r.Key, r.Value, key, value)
					}
					n++
				}
			}
			if n != len(lines) {
				t.Fatalf("read %d records, want %d", n, len(lines))
			}
			t.Logf("%d batches", len(broker.batches()))
		})
	}
}
