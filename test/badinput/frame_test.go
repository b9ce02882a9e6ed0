package badinput

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/testbin"
)

// Settings of the broker the framing tests run against: a small request
// limit, so that "just above the limit" is cheap to send, and a short idle
// timeout, so that a stalled connection is cut quickly.
const (
	frameLimit  = 100000
	idleTimeout = 1500 * time.Millisecond
)

func newFrameEnv(t *testing.T) *env {
	return newEnv(t,
		testbin.Override(fmt.Sprintf("socket.request.max.bytes=%d", frameLimit)),
		testbin.Override(fmt.Sprintf("connections.max.idle.ms=%d", idleTimeout.Milliseconds())))
}

// TestFrameSizes sends size prefixes no request can have. Kafka
// (NetworkReceive, then RequestContext) closes the connection without a
// response when the size is negative, above socket.request.max.bytes, or too
// small to hold a request header; so does Samsa, with one log line, and
// without allocating what the prefix claims (CVE-2022-34917).
func TestFrameSizes(t *testing.T) {
	e := newFrameEnv(t)
	cases := []struct {
		name    string
		size    int32
		payload int // bytes sent after the prefix
	}{
		{"minus one", -1, 16},
		{"most negative", math.MinInt32, 16},
		{"zero", 0, 0},
		{"one", 1, 1}, {"two", 2, 2}, {"three", 3, 3}, {"four", 4, 4},
		{"five", 5, 5}, {"six", 6, 6}, {"seven", 7, 7},
		{"2 GiB claim", math.MaxInt32, 4096},
		{"one above the limit", frameLimit + 1, 4096},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			peak := e.memory(t, "VmPeak")
			m := e.mark(t)
			r := e.dial(t)
			// Bytes that would parse as an ApiVersions v0 header, so
			// only the size is wrong.
			b := binary.BigEndian.AppendUint32(nil, uint32(tc.size))
			b = append(b, bytes.Repeat([]byte{0, 18, 0, 0, 0, 0, 0, 1}, tc.payload/8+1)[:tc.payload]...)
			r.write(b)
			r.expectClosed(5 * time.Second)
			e.after(t, m, 1, r.local(), "closing connection", "frame")
			// A 2 GiB buffer would show in the peak virtual size
			// even if its pages were never touched.
			if grew := e.memory(t, "VmPeak") - peak; grew > 256<<20 {
				t.Errorf("broker's peak virtual memory grew by %d MiB", grew>>20)
			}
		})
	}
}

// TestSlowloris sends half a frame, then nothing. The broker must keep
// serving others meanwhile and cut the connection once it has been idle for
// connections.max.idle.ms, as Kafka's selector does; a frame trickled a
// byte at a time is cut just the same, since the idle clock runs from the
// start of the frame.
func TestSlowloris(t *testing.T) {
	e := newFrameEnv(t)
	for _, trickle := range []bool{false, true} {
		t.Run(fmt.Sprintf("trickle=%v", trickle), func(t *testing.T) {
			m := e.mark(t)
			r := e.dial(t)
			req := kmsg.NewPtrMetadataRequest()
			req.SetVersion(1)
			full := requestFrame(req, 1)
			start := time.Now()
			r.write(full[:len(full)/2])
			if trickle {
				for i := len(full) / 2; i < len(full)-1 && time.Since(start) < 3*idleTimeout; i++ {
					time.Sleep(idleTimeout / 4)
					if _, err := r.c.Write(full[i : i+1]); err != nil {
						break // closed: expectClosed reports it
					}
				}
			} else {
				e.healthy(t) // others are served while the frame hangs
			}
			r.expectClosed(idleTimeout + 5*time.Second)
			// The broker moves a busy connection's deadline at most
			// every eighth of the timeout, so the cut may come that
			// much early.
			if took := time.Since(start); took < idleTimeout*7/8-100*time.Millisecond || took > idleTimeout+3*time.Second {
				t.Errorf("closed after %s, want about connections.max.idle.ms = %s", took, idleTimeout)
			}
			e.after(t, m, 1, r.local(), "closing connection", "idle")
		})
	}
}

// TestUnknownAPIKey: Kafka cannot parse the header of an API key it does
// not know and closes the connection; no response is possible, because the
// response header version depends on the API.
func TestUnknownAPIKey(t *testing.T) {
	e := newFrameEnv(t)
	for _, key := range []int16{9999, -1, math.MaxInt16} {
		t.Run(fmt.Sprint(key), func(t *testing.T) {
			m := e.mark(t)
			r := e.dial(t)
			r.write(frame(append(header(key, 0, 1, false), 0, 0, 0, 0)))
			r.expectClosed(5 * time.Second)
			e.after(t, m, 1, r.local(), "closing connection", fmt.Sprintf("unknown api key %d", key))
		})
	}
}

// TestUnsupportedVersion: a version outside what the broker serves (below
// Kafka 4's baseline or above the newest) closes the connection for every
// API but ApiVersions (Kafka's SocketServer: "Received request api key …
// with version … which is not enabled"). Produce v0-v2, listed for old
// librdkafka releases, are answered instead (TestProduceRemovedVersions).
func TestUnsupportedVersion(t *testing.T) {
	e := newFrameEnv(t)
	cases := []struct {
		key     kmsg.Key
		version int16
	}{
		{kmsg.Produce, 13}, {kmsg.Produce, 99},
		{kmsg.Fetch, 3}, {kmsg.Fetch, 18}, {kmsg.Fetch, 99},
		{kmsg.Metadata, 13}, {kmsg.Metadata, -1},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s v%d", kmsg.NameForKey(int16(tc.key)), tc.version), func(t *testing.T) {
			m := e.mark(t)
			r := e.dial(t)
			req := kmsg.RequestForKey(int16(tc.key))
			body := []byte{0, 0, 0, 0}
			if tc.version >= 0 && tc.version <= req.MaxVersion() {
				req.SetVersion(tc.version)
				body = req.AppendTo(nil) // a valid body: only the version is wrong
			}
			r.write(frame(append(header(int16(tc.key), tc.version, 1, tc.version >= 9), body...)))
			r.expectClosed(5 * time.Second)
			e.after(t, m, 1, r.local(), "closing connection",
				fmt.Sprintf("unsupported version %d of %s", tc.version, kmsg.NameForKey(int16(tc.key))))
		})
	}
}

// TestAPIVersionsUnknownVersion: KIP-511. An ApiVersions request newer than
// the broker knows gets a v0 response with UNSUPPORTED_VERSION and the
// supported ranges, so the client can retry with a version both know; the
// connection stays open for that retry, and nothing is logged (this is
// ordinary version negotiation).
func TestAPIVersionsUnknownVersion(t *testing.T) {
	e := newFrameEnv(t)
	m := e.mark(t)
	r := e.dial(t)

	known := kmsg.NewPtrApiVersionsRequest()
	known.SetVersion(3)
	known.ClientSoftwareName, known.ClientSoftwareVersion = "badinput", "1"
	want := r.roundTrip(known).(*kmsg.ApiVersionsResponse)
	if want.ErrorCode != 0 || len(want.ApiKeys) == 0 {
		t.Fatalf("ApiVersions v3: error %d, %d keys", want.ErrorCode, len(want.ApiKeys))
	}

	for _, version := range []int16{5, 99, math.MaxInt16} {
		// Header v2 with a v3-style body, as a newer client sends it.
		r.corr++
		r.write(frame(append(header(int16(kmsg.ApiVersions), version, r.corr, true), known.AppendTo(nil)...)))
		b, err := r.readFrame(5 * time.Second)
		if err != nil {
			t.Fatalf("ApiVersions v%d: no response: %v", version, err)
		}
		v0 := kmsg.NewPtrApiVersionsRequest() // the response is v0
		got := decodeResponse(t, v0, r.corr, b).(*kmsg.ApiVersionsResponse)
		if got.ErrorCode != kerr.UnsupportedVersion.Code {
			t.Errorf("ApiVersions v%d: error code %d, want %d (UNSUPPORTED_VERSION)", version, got.ErrorCode, kerr.UnsupportedVersion.Code)
		}
		if !slices.EqualFunc(got.ApiKeys, want.ApiKeys, func(a, b kmsg.ApiVersionsResponseApiKey) bool {
			return a.ApiKey == b.ApiKey && a.MinVersion == b.MinVersion && a.MaxVersion == b.MaxVersion
		}) {
			t.Errorf("ApiVersions v%d lists %v, want the supported ranges %v", version, got.ApiKeys, want.ApiKeys)
		}
	}
	// The client retries on the same connection with v0.
	retry := kmsg.NewPtrApiVersionsRequest()
	if got := r.roundTrip(retry).(*kmsg.ApiVersionsResponse); got.ErrorCode != 0 || len(got.ApiKeys) != len(want.ApiKeys) {
		t.Errorf("ApiVersions v0 retry: error %d, %d keys", got.ErrorCode, len(got.ApiKeys))
	}
	e.after(t, m, 0, r.local())
}

// TestUndecodableBodies sends known requests whose bodies are cut short or
// garbage. Kafka fails to parse them (InvalidRequestException in
// RequestContext.parseRequest) and closes the connection.
func TestUndecodableBodies(t *testing.T) {
	e := newFrameEnv(t)
	produce := kmsg.NewPtrProduceRequest()
	produce.SetVersion(9)
	produce.Acks, produce.TimeoutMillis = -1, 5000
	pt := kmsg.NewProduceRequestTopic()
	pt.Topic = badTopic
	pp := kmsg.NewProduceRequestTopicPartition()
	pp.Records = validBatch(1)
	pt.Partitions = append(pt.Partitions, pp)
	produce.Topics = append(produce.Topics, pt)
	produceBody := produce.AppendTo(nil)

	metadata := kmsg.NewPtrMetadataRequest()
	metadata.SetVersion(12)

	cases := []struct {
		name    string
		key     kmsg.Key
		version int16
		body    []byte
	}{
		{"produce v9 cut in half", kmsg.Produce, 9, produceBody[:len(produceBody)/2]},
		{"produce v9 cut before the last byte", kmsg.Produce, 9, produceBody[:len(produceBody)-1]},
		{"produce v9 empty body", kmsg.Produce, 9, nil},
		{"produce v3 garbage", kmsg.Produce, 3, bytes.Repeat([]byte{0x00, 0x05, 0x7f}, 30)},
		{"metadata v12 garbage", kmsg.Metadata, 12, bytes.Repeat([]byte{0xff}, 40)},
		{"fetch v4 garbage", kmsg.Fetch, 4, bytes.Repeat([]byte{0x11}, 40)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := e.mark(t)
			r := e.dial(t)
			r.write(frame(append(header(int16(tc.key), tc.version, 1, tc.version >= 9), tc.body...)))
			r.expectClosed(5 * time.Second)
			e.after(t, m, 1, r.local(), "closing connection", "decoding "+kmsg.NameForKey(int16(tc.key)))
		})
	}
}

// TestCountBombs: array counts of 2^31-1 in requests of about 100 bytes.
// Kafka's generated readers compare the count with the bytes left before
// allocating and fail the parse; the connection is closed and the broker
// allocates nothing near what the count claims.
func TestCountBombs(t *testing.T) {
	e := newFrameEnv(t)
	count := binary.BigEndian.AppendUint32(nil, math.MaxInt32)
	compactCount := binary.AppendUvarint(nil, math.MaxInt32+1) // compact: count+1
	pad := bytes.Repeat([]byte{0}, 80)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := []struct {
		name    string
		key     kmsg.Key
		version int16
		body    []byte
	}{
		// topics: [topic]
		{"metadata v1 topics", kmsg.Metadata, 1, cat(count, pad)},
		// transactional_id null, acks, timeout, topics
		{"produce v3 topics", kmsg.Produce, 3, cat([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0x13, 0x88}, count, pad)},
		// …, topics: one topic "t", partitions: [partition]
		{"produce v3 partitions", kmsg.Produce, 3, cat([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0x13, 0x88, 0, 0, 0, 1, 0, 1, 't'}, count, pad)},
		// flexible: transactional_id null, acks, timeout, compact topics
		{"produce v9 topics", kmsg.Produce, 9, cat([]byte{0, 0xff, 0xff, 0, 0, 0x13, 0x88}, compactCount, pad)},
		// replica, max wait, min bytes, max bytes, isolation, topics
		{"fetch v4 topics", kmsg.Fetch, 4, cat([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 100, 0, 0, 0, 1, 0, 0, 0x10, 0, 0}, count, pad)},
		// topics
		{"create topics v2 topics", kmsg.CreateTopics, 2, cat(count, pad)},
		// one topic "t" with 1 partition, rf 1, then assignments
		{"create topics v2 assignments", kmsg.CreateTopics, 2, cat([]byte{0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 1, 0, 1}, count, pad)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			peak := e.memory(t, "VmPeak")
			m := e.mark(t)
			r := e.dial(t)
			r.write(frame(append(header(int16(tc.key), tc.version, 1, tc.version >= 9), tc.body...)))
			r.expectClosed(5 * time.Second)
			e.after(t, m, 1, r.local(), "closing connection", "decoding "+kmsg.NameForKey(int16(tc.key)))
			if grew := e.memory(t, "VmPeak") - peak; grew > 256<<20 {
				t.Errorf("broker's peak virtual memory grew by %d MiB", grew>>20)
			}
		})
	}
}

// TestStalledLargeClaims opens connections that each claim a frame just
// under socket.request.max.bytes (Kafka's default, 100 MiB) and send only
// its first bytes. The broker may not reserve what they claim: its memory
// has to follow the bytes that arrived, or a few dozen 12-byte writes would
// take gigabytes (CVE-2022-34917's class, which SASL's pre-auth cap does not
// cover on a PLAINTEXT listener). Rounds repeat so that freed buffers are
// reused, which is when untouched reservations would become resident.
func TestStalledLargeClaims(t *testing.T) {
	e := newEnv(t)
	const rounds, conns = 3, 30
	e.resetPeak(t)
	rss := e.memory(t, "VmRSS")
	peak := e.memory(t, "VmPeak")
	m := e.mark(t)
	for range rounds {
		var open []*raw
		for range conns {
			r := e.dial(t)
			b := binary.BigEndian.AppendUint32(nil, 100<<20-1)
			r.write(append(b, 0, 18, 0, 0, 0, 0, 0, 1))
			open = append(open, r)
		}
		e.healthy(t) // served while the claims hang
		for _, r := range open {
			r.c.Close()
		}
	}
	grewResident := e.memory(t, "VmHWM") - rss
	grewVirtual := e.memory(t, "VmPeak") - peak
	t.Logf("%d stalled claims of 100 MiB: peak resident +%d MiB, peak virtual +%d MiB", rounds*conns, grewResident>>20, grewVirtual>>20)
	if grewResident > 64<<20 || grewVirtual > 1<<30 {
		t.Errorf("the broker's memory followed the claims: peak resident +%d MiB, peak virtual +%d MiB", grewResident>>20, grewVirtual>>20)
	}
	// Each cut frame is one line.
	e.after(t, m, rounds*conns, "closing connection", "frame")
}

// TestClientResetIsQuiet: a client that resets its connection (closing a
// socket with data unread sends a reset) is an ordinary disconnect, which
// Kafka does not log; neither may Samsa, or real clients would bury the
// lines that matter.
func TestClientResetIsQuiet(t *testing.T) {
	e := newFrameEnv(t)
	m := e.mark(t)
	r := e.dial(t)
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(12)
	r.roundTrip(req)
	r.c.(*net.TCPConn).SetLinger(0) // close with a reset
	r.c.Close()
	e.after(t, m, 0, r.local())
}
