package record

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

var allCodecs = []Codec{CodecNone, CodecGzip, CodecSnappy, CodecLZ4, CodecZstd}

// testNow is the broker clock of the tests: 2024-01-01T00:00:00Z.
const testNow = int64(1704067200000)

// sampleRecords returns n records covering null and empty keys and values
// and headers, with timestamps around testNow.
func sampleRecords(n, valueSize int) []Record {
	recs := make([]Record, n)
	for i := range recs {
		r := Record{Timestamp: testNow - int64(n-i)}
		switch i % 4 {
		case 0:
			r.Key = []byte(fmt.Sprintf("key-%d", i))
		case 1:
			r.Key = []byte{}
		case 2:
			r.Key = nil
		case 3:
			r.Key = []byte("k")
			r.Headers = []RecordHeader{{Key: "h1", Value: []byte("v1")}, {Key: "", Value: nil}, {Key: "h3", Value: []byte{}}}
		}
		if i%5 == 4 {
			r.Value = nil
		} else {
			r.Value = bytes.Repeat([]byte{byte('a' + i%26)}, valueSize)
		}
		recs[i] = r
	}
	return recs
}

func mustBuild(t testing.TB, opts BuildOptions, recs []Record) []byte {
	t.Helper()
	b, err := Build(opts, recs)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return b
}

// batchFromBody frames already-encoded records (uncompressed) as a batch
// with the given codec, count and timestamps, with a correct CRC: the way
// to make batches whose records are wrong.
func batchFromBody(t testing.TB, opts BuildOptions, count int32, base, maxTimestamp int64, body []byte) []byte {
	t.Helper()
	out, err := appendCompressed(make([]byte, HeaderSize), opts.Codec, body)
	if err != nil {
		t.Fatalf("compress: %v", err)
	}
	writeHeader(out, &opts, count, base, maxTimestamp)
	return out
}

// fixCRC recomputes the CRC after a test changed the batch.
func fixCRC(b []byte) []byte {
	binary.BigEndian.PutUint32(b[posCRC:], ComputeCRC(b))
	return b
}

// encodeRecords encodes records as Build does, before compression.
func encodeRecords(recs []Record) []byte {
	var body []byte
	for i := range recs {
		body = appendRecord(body, &recs[i], int32(i), recs[i].Timestamp-recs[0].Timestamp)
	}
	return body
}

// collect reads all records of b with Records.
func collect(t testing.TB, b []byte) []Record {
	t.Helper()
	var out []Record
	for r, err := range Records(b) {
		if err != nil {
			t.Fatalf("Records: %v", err)
		}
		out = append(out, r)
	}
	return out
}

// sameRecords compares what a reader sees, nil and empty distinguished.
func sameRecords(t testing.TB, got, want []Record, baseOffset int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Offset != baseOffset+int64(i) || g.Timestamp != w.Timestamp {
			t.Fatalf("record %d: offset %d timestamp %d, want %d %d", i, g.Offset, g.Timestamp, baseOffset+int64(i), w.Timestamp)
		}
		if !sameBytes(g.Key, w.Key) || !sameBytes(g.Value, w.Value) {
			t.Fatalf("record %d: key %q value %q, want %q %q (nil %v %v, want %v %v)", i, g.Key, g.Value, w.Key, w.Value,
				g.Key == nil, g.Value == nil, w.Key == nil, w.Value == nil)
		}
		if len(g.Headers) != len(w.Headers) {
			t.Fatalf("record %d: %d headers, want %d", i, len(g.Headers), len(w.Headers))
		}
		for j := range w.Headers {
			if g.Headers[j].Key != w.Headers[j].Key || !sameBytes(g.Headers[j].Value, w.Headers[j].Value) {
				t.Fatalf("record %d header %d: %+v, want %+v", i, j, g.Headers[j], w.Headers[j])
			}
		}
	}
}

// sameBytes is bytes.Equal that also tells nil from empty.
func sameBytes(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}
