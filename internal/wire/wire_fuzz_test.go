package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"runtime"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// seedRequests are valid requests, encoded by kmsg at a few versions each,
// from which the fuzzers start.
func seedRequests() [][]byte {
	var out [][]byte
	add := func(req kmsg.Request, versions ...int16) {
		for _, v := range versions {
			req.SetVersion(v)
			h := binary.BigEndian.AppendUint16(nil, uint16(req.Key()))
			h = binary.BigEndian.AppendUint16(h, uint16(v))
			h = binary.BigEndian.AppendUint32(h, 7)
			h = binary.BigEndian.AppendUint16(h, 4)
			h = append(h, "fuzz"...)
			if req.IsFlexible() {
				h = append(h, 0)
			}
			out = append(out, req.AppendTo(h))
		}
	}
	add(kmsg.NewPtrApiVersionsRequest(), 0, 3, 4)
	add(kmsg.NewPtrMetadataRequest(), 1, 9, 12)
	produce := kmsg.NewPtrProduceRequest()
	produce.Acks = -1
	produce.Topics = []kmsg.ProduceRequestTopic{{Topic: "t", Partitions: []kmsg.ProduceRequestTopicPartition{{Records: []byte{1, 2, 3}}}}}
	add(produce, 3, 9)
	fetch := kmsg.NewPtrFetchRequest()
	fetch.Topics = []kmsg.FetchRequestTopic{{Topic: "t", Partitions: []kmsg.FetchRequestTopicPartition{{FetchOffset: 5}}}}
	add(fetch, 4, 12)
	return out
}

// allocatedBy returns the bytes f allocates: the least of three runs, since
// the fuzzing engine's own goroutines allocate at the same time.
func allocatedBy(f func()) uint64 {
	least := uint64(math.MaxUint64)
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	return least
}

// FuzzReadFrame reads one frame from arbitrary bytes under an arbitrary
// limit. It must never panic, never return a frame above the limit or
// below a header's size, return exactly the bytes after the prefix, and
// never allocate more than the limit, nor more than a small multiple of
// the bytes that actually arrived (nor, when the claim is refused, more
// than a few bytes).
func FuzzReadFrame(f *testing.F) {
	for _, req := range seedRequests() {
		f.Add(binary.BigEndian.AppendUint32(nil, uint32(len(req))), req, int32(1<<20))
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, []byte{}, int32(100))
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff}, []byte{1, 2, 3}, int32(1<<20))
	f.Add([]byte{0, 0, 0, 7}, []byte{0, 18, 0, 0, 0, 0, 0}, int32(100))
	f.Add([]byte{0, 0, 0x10, 0}, []byte{0, 18}, int32(1<<20))
	f.Fuzz(func(t *testing.T, prefix, rest []byte, limit int32) {
		in := append(bytes.Clone(prefix), rest...)
		var frame []byte
		var err error
		mem := allocatedBy(func() { frame, err = ReadFrame(bytes.NewReader(in), limit, nil) })
		if bound := uint64(max(limit, 0)) + 16<<10; mem > bound { // page rounding, error text
			t.Fatalf("allocated %d bytes under a limit of %d", mem, limit)
		}
		if bound := uint64(4*len(in) + 3*frameChunk); mem > bound {
			t.Fatalf("allocated %d bytes for %d bytes of input", mem, len(in))
		}
		if len(in) < 4 {
			if err == nil {
				t.Fatalf("read a frame from %d bytes", len(in))
			}
			return
		}
		size := int32(binary.BigEndian.Uint32(in))
		if size > limit || size < 8 {
			if err == nil {
				t.Fatalf("accepted size %d under limit %d", size, limit)
			}
			if !errors.Is(err, ErrFrameTooLarge) && !errors.Is(err, ErrBadFrameSize) {
				t.Fatalf("size %d: error %v, want a frame size error", size, err)
			}
			if mem > 4096 {
				t.Fatalf("allocated %d bytes for a refused size %d", mem, size)
			}
			return
		}
		if int(size) > len(in)-4 {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("frame of %d bytes with %d sent: error %v, want unexpected EOF", size, len(in)-4, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("complete frame of %d bytes: %v", size, err)
		}
		if !bytes.Equal(frame, in[4:4+size]) {
			t.Fatalf("frame differs from the bytes sent")
		}
	})
}

// FuzzParseRequestHeader decodes the header of arbitrary frames, both as a
// flexible and as a fixed header. It must never panic, and a decoded header
// must describe the frame: the fixed fields as sent, a client id and body
// that lie inside the frame and account for all of it.
func FuzzParseRequestHeader(f *testing.F) {
	for _, req := range seedRequests() {
		f.Add(req)
	}
	f.Add([]byte{0, 18, 0, 3, 0, 0, 0, 1, 0xff, 0xff, 0x05, 0x01, 0x7f})
	f.Add([]byte{0, 18, 0, 3, 0, 0, 0, 1, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x10})
	f.Fuzz(func(t *testing.T, frame []byte) {
		for _, flexible := range []bool{false, true} {
			h, body, err := ParseRequestHeader(frame, flexible)
			peek, perr := PeekHeader(frame)
			if (perr != nil) != (len(frame) < 8) {
				t.Fatalf("PeekHeader of %d bytes: %v", len(frame), perr)
			}
			if err != nil {
				continue
			}
			if h.APIKey != peek.APIKey || h.APIVersion != peek.APIVersion || h.CorrelationID != peek.CorrelationID {
				t.Fatalf("header %+v disagrees with PeekHeader %+v", h, peek)
			}
			if h.Flexible != flexible {
				t.Fatalf("Flexible %v, want %v", h.Flexible, flexible)
			}
			if len(body) > len(frame)-10-len(h.ClientID) {
				t.Fatalf("body of %d bytes in a frame of %d with a %d-byte client id", len(body), len(frame), len(h.ClientID))
			}
			if !bytes.HasSuffix(frame, body) {
				t.Fatalf("body is not the end of the frame")
			}
			if !flexible && len(body) != len(frame)-10-len(h.ClientID) {
				t.Fatalf("fixed header: %d-byte body in %d-byte frame with %d-byte client id", len(body), len(frame), len(h.ClientID))
			}
		}
	})
}
