package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

func defaultOpts() ValidateOptions { return DefaultValidateOptions(testNow) }

func TestValidateGoodBatches(t *testing.T) {
	for _, codec := range allCodecs {
		t.Run(codec.String(), func(t *testing.T) {
			recs := sampleRecords(50, 300)
			recs[7].Timestamp = testNow + 10 // the maximum, once
			recs[9].Timestamp = testNow + 10
			b := mustBuild(t, BuildOptions{Codec: codec, Idempotent: true, ProducerID: 42, ProducerEpoch: 3, BaseSequence: 100, Transactional: true}, recs)
			orig := bytes.Clone(b)
			info, err := Validate(b, defaultOpts())
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if !bytes.Equal(b, orig) {
				t.Fatal("Validate changed the batch")
			}
			want := Info{
				Size: len(b), RecordCount: 50, LastOffsetDelta: 49, Codec: codec,
				FirstTimestamp: recs[0].Timestamp, MaxTimestamp: testNow + 10, OffsetDeltaOfMaxTimestamp: 7,
				HeaderMaxTimestamp: testNow + 10,
				ProducerID:         42, ProducerEpoch: 3, BaseSequence: 100, Transactional: true,
				UncompressedBytes: int64(len(encodeRecords(recs))),
			}
			if info != want {
				t.Fatalf("info\n got %+v\nwant %+v", info, want)
			}
		})
	}
}

func TestValidateNoTimestamps(t *testing.T) {
	recs := []Record{{Timestamp: NoTimestamp, Value: []byte("a")}, {Timestamp: NoTimestamp, Value: []byte("b")}}
	opts := defaultOpts()
	opts.TimestampBeforeMaxMs, opts.TimestampAfterMaxMs = 0, 0
	info, err := Validate(mustBuild(t, BuildOptions{}, recs), opts)
	if err != nil {
		t.Fatal(err)
	}
	if info.MaxTimestamp != NoTimestamp || info.OffsetDeltaOfMaxTimestamp != -1 {
		t.Fatalf("max timestamp %d at %d, want -1 at -1", info.MaxTimestamp, info.OffsetDeltaOfMaxTimestamp)
	}
}

// rawRecord encodes a record field by field so tests can get fields wrong.
type recordSpec struct {
	length      *int64 // overrides the computed length
	offsetDelta int64
	tsDelta     int64
	key         []byte
	keyLength   *int64
	value       []byte
	valueLength *int64
	headers     []byte // encoded header count and headers; nil means none
	pad         []byte // bytes inside the record after its fields
}

func i64(v int64) *int64 { return &v }

func (s recordSpec) encode() []byte {
	var body []byte
	body = append(body, 0)
	body = appendVarint(body, s.tsDelta)
	body = appendVarint(body, s.offsetDelta)
	body = appendSpecBytes(body, s.key, s.keyLength)
	body = appendSpecBytes(body, s.value, s.valueLength)
	if s.headers == nil {
		body = appendVarint(body, 0)
	} else {
		body = append(body, s.headers...)
	}
	body = append(body, s.pad...)
	length := int64(len(body))
	if s.length != nil {
		length = *s.length
	}
	return append(appendVarint(nil, length), body...)
}

func appendSpecBytes(dst, b []byte, length *int64) []byte {
	switch {
	case length != nil:
		return append(appendVarint(dst, *length), b...)
	case b == nil:
		return appendVarint(dst, -1)
	}
	return append(appendVarint(dst, int64(len(b))), b...)
}

func specs(n int) []recordSpec {
	s := make([]recordSpec, n)
	for i := range s {
		s[i] = recordSpec{offsetDelta: int64(i), key: []byte("k"), value: []byte("value")}
	}
	return s
}

func encodeSpecs(s []recordSpec) []byte {
	var body []byte
	for _, r := range s {
		body = append(body, r.encode()...)
	}
	return body
}

func checkCode(t *testing.T, err error, want *kerr.Error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %s", err, want.Message)
	}
	t.Log(err)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Reason == "" {
		t.Fatalf("error %v is not a ValidationError with a reason", err)
	}
}

func TestValidateFraming(t *testing.T) {
	good := mustBuild(t, BuildOptions{}, sampleRecords(3, 10))
	withLength := func(n int32) []byte {
		b := bytes.Clone(good)
		binary.BigEndian.PutUint32(b[posLength:], uint32(n))
		return b
	}
	withMagic := func(m byte) []byte { b := bytes.Clone(good); b[posMagic] = m; return b }
	short := withLength(28)[:40]
	tests := []struct {
		name string
		b    []byte
		opts func(*ValidateOptions)
		want *kerr.Error
	}{
		{name: "empty", b: nil, want: kerr.InvalidRecord},
		{name: "shorter than a length field", b: good[:11], want: kerr.InvalidRecord},
		{name: "length below any batch", b: withLength(13), want: kerr.CorruptMessage},
		{name: "cut before magic", b: good[:16], want: kerr.InvalidRecord},
		{name: "magic 0", b: withMagic(0), want: kerr.InvalidRecord},
		{name: "magic 1", b: withMagic(1), want: kerr.InvalidRecord},
		{name: "magic 3", b: withMagic(3), want: kerr.CorruptMessage},
		{name: "magic -1", b: withMagic(0xff), want: kerr.CorruptMessage},
		{name: "truncated", b: good[:len(good)-1], want: kerr.InvalidRecord},
		{name: "length beyond the request", b: withLength(math.MaxInt32), want: kerr.InvalidRecord},
		{name: "two batches", b: append(bytes.Clone(good), good...), want: kerr.InvalidRecord},
		{name: "trailing bytes", b: append(bytes.Clone(good), 1, 2, 3), want: kerr.InvalidRecord},
		{name: "batch shorter than its header", b: short, want: kerr.CorruptMessage},
		{name: "crc mismatch", b: func() []byte { b := bytes.Clone(good); b[len(b)-1] ^= 1; return b }(), want: kerr.CorruptMessage},
		{name: "crc field wrong", b: func() []byte { b := bytes.Clone(good); b[posCRC] ^= 1; return b }(), want: kerr.CorruptMessage},
		{name: "base offset set by producer", b: func() []byte { b := bytes.Clone(good); SetBaseOffset(b, 5); return b }(), want: kerr.InvalidRecord},
		{name: "base offset from coordinator", b: func() []byte { b := bytes.Clone(good); SetBaseOffset(b, 5); return b }(),
			opts: func(o *ValidateOptions) { o.Origin = OriginCoordinator }},
		{name: "leader epoch is not checked", b: func() []byte { b := bytes.Clone(good); SetPartitionLeaderEpoch(b, 9); return b }()},
		{name: "over max.message.bytes", b: good, opts: func(o *ValidateOptions) { o.MaxMessageBytes = len(good) - 1 }, want: kerr.MessageTooLarge},
		{name: "at max.message.bytes", b: good, opts: func(o *ValidateOptions) { o.MaxMessageBytes = len(good) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := defaultOpts()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			_, err := Validate(tt.b, opts)
			checkCode(t, err, tt.want)
		})
	}
}

func TestValidateHeaderRules(t *testing.T) {
	good := mustBuild(t, BuildOptions{}, sampleRecords(3, 10))
	edit := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return fixCRC(b)
	}
	put32 := func(pos int, v int32) func([]byte) {
		return func(b []byte) { binary.BigEndian.PutUint32(b[pos:], uint32(v)) }
	}
	both := func(count, lastDelta int32) func([]byte) {
		return func(b []byte) { put32(posRecordCount, count)(b); put32(posLastOffsetDelta, lastDelta)(b) }
	}
	control := mustBuild(t, BuildOptions{Control: true}, []Record{{Key: []byte{0, 0, 0, 1}, Value: []byte{0, 0, 0, 0, 0, 5}}})
	tests := []struct {
		name string
		b    []byte
		opts func(*ValidateOptions)
		want *kerr.Error
	}{
		{name: "unknown codec", b: edit(func(b []byte) { b[posAttributes+1] |= 5 }), want: kerr.UnsupportedCompressionType},
		{name: "negative count", b: edit(both(-1, -2)), want: kerr.InvalidRecord},
		{name: "negative count from coordinator", b: edit(both(-1, -2)), opts: coordinator, want: kerr.InvalidRecord},
		{name: "zero count", b: edit(both(0, -1)), want: kerr.InvalidRecord},
		{name: "negative last offset delta", b: edit(put32(posLastOffsetDelta, -5)), want: kerr.InvalidRecord},
		{name: "last offset delta off by one", b: edit(put32(posLastOffsetDelta, 3)), want: kerr.InvalidRecord},
		{name: "count above the records", b: edit(both(4, 3)), want: kerr.InvalidRecord},
		{name: "count below the records", b: edit(both(2, 1)), want: kerr.InvalidRecord},
		{name: "huge count", b: edit(both(math.MaxInt32, math.MaxInt32-1)), want: kerr.InvalidRecord},
		{name: "control batch from a producer", b: control, want: kerr.InvalidRecord},
		{name: "control batch from the coordinator", b: control, opts: coordinator},
		{name: "producer id without sequence", b: edit(func(b []byte) {
			binary.BigEndian.PutUint64(b[posProducerID:], 7)
			put32(posBaseSequence, -1)(b)
		}), want: kerr.InvalidRecord},
		{name: "zstd on produce v6", b: mustBuild(t, BuildOptions{Codec: CodecZstd}, sampleRecords(2, 5)),
			opts: func(o *ValidateOptions) { o.ProduceVersion = 6 }, want: kerr.UnsupportedCompressionType},
		{name: "zstd on produce v7", b: mustBuild(t, BuildOptions{Codec: CodecZstd}, sampleRecords(2, 5)),
			opts: func(o *ValidateOptions) { o.ProduceVersion = 7 }},
		{name: "gzip on produce v3", b: mustBuild(t, BuildOptions{Codec: CodecGzip}, sampleRecords(2, 5)),
			opts: func(o *ValidateOptions) { o.ProduceVersion = 3 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := defaultOpts()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			_, err := Validate(tt.b, opts)
			checkCode(t, err, tt.want)
		})
	}
}

func coordinator(o *ValidateOptions) { o.Origin = OriginCoordinator }

// TestValidateRecordStructure builds batches of hand-encoded records and
// checks each fault under every codec, so the in-place and the streaming
// parsers are held to the same rules.
func TestValidateRecordStructure(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(s []recordSpec) []byte // returns the body
		count int32
		want  *kerr.Error
	}{
		{name: "valid", edit: encodeSpecs},
		{name: "empty and null fields", edit: func(s []recordSpec) []byte {
			s[0].key, s[1].value, s[2].key = nil, nil, []byte{}
			s[1].headers = append(appendVarint(nil, 1), append(appendVarint(nil, 0), appendVarint(nil, -1)...)...)
			return encodeSpecs(s)
		}},
		{name: "offset delta skips", edit: func(s []recordSpec) []byte { s[1].offsetDelta = 2; s[2].offsetDelta = 3; return encodeSpecs(s) }, want: kerr.InvalidRecord},
		{name: "offset delta repeats", edit: func(s []recordSpec) []byte { s[2].offsetDelta = 1; return encodeSpecs(s) }, want: kerr.InvalidRecord},
		{name: "record length past the end", edit: func(s []recordSpec) []byte { s[2].length = i64(1000); return encodeSpecs(s) }, want: kerr.InvalidRecord},
		{name: "record length negative", edit: func(s []recordSpec) []byte { s[1].length = i64(-3); return encodeSpecs(s) }, want: kerr.InvalidRecord},
		{name: "record length too small", edit: func(s []recordSpec) []byte { s[0].length = i64(3); return encodeSpecs(s) }, want: kerr.InvalidRecord},
		{name: "record longer than its fields", edit: func(s []recordSpec) []byte { s[1].pad = []byte{0}; return encodeSpecs(s) }, want: kerr.InvalidRecord},
		{name: "record shorter than its fields", edit: func(s []recordSpec) []byte {
			s[1].length = i64(int64(len(s[1].encode()) - 2))
			return encodeSpecs(s)
		}, want: kerr.InvalidRecord},
		{name: "key length past the record", edit: func(s []recordSpec) []byte { s[0].keyLength = i64(50); return encodeSpecs(s) }, want: kerr.InvalidRecord},
		{name: "key length huge", edit: func(s []recordSpec) []byte { s[0].keyLength = i64(math.MaxInt32); return encodeSpecs(s) }, want: kerr.InvalidRecord},
		{name: "value length past the record", edit: func(s []recordSpec) []byte { s[2].valueLength = i64(6); return encodeSpecs(s) }, want: kerr.InvalidRecord},
		{name: "negative lengths below -1 are null", edit: func(s []recordSpec) []byte {
			s[0].keyLength, s[0].key = i64(-7), nil
			return encodeSpecs(s)
		}},
		{name: "negative header count", edit: func(s []recordSpec) []byte { s[1].headers = appendVarint(nil, -1); return encodeSpecs(s) }, want: kerr.InvalidRecord},
		{name: "huge header count", edit: func(s []recordSpec) []byte { s[1].headers = appendVarint(nil, math.MaxInt32); return encodeSpecs(s) }, want: kerr.InvalidRecord},
		{name: "negative header key length", edit: func(s []recordSpec) []byte {
			s[1].headers = append(appendVarint(nil, 1), append(appendVarint(nil, -1), appendVarint(nil, -1)...)...)
			return encodeSpecs(s)
		}, want: kerr.InvalidRecord},
		{name: "header value past the record", edit: func(s []recordSpec) []byte {
			s[1].headers = append(appendVarint(nil, 1), append(append(appendVarint(nil, 1), 'h'), appendVarint(nil, 40)...)...)
			return encodeSpecs(s)
		}, want: kerr.InvalidRecord},
		{name: "overlong varint", edit: func(s []recordSpec) []byte {
			return append(encodeSpecs(s[:2]), 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)
		}, want: kerr.InvalidRecord},
		{name: "varint over 32 bits", edit: func(s []recordSpec) []byte {
			return append(encodeSpecs(s[:2]), 0xff, 0xff, 0xff, 0xff, 0x7f)
		}, want: kerr.InvalidRecord},
		{name: "fewer records than counted", edit: func(s []recordSpec) []byte { return encodeSpecs(s[:2]) }, want: kerr.InvalidRecord},
		{name: "more records than counted", edit: func(s []recordSpec) []byte {
			return encodeSpecs(append(s, recordSpec{offsetDelta: 3, value: []byte("x")}))
		}, want: kerr.InvalidRecord},
		{name: "garbage after the records", edit: func(s []recordSpec) []byte { return append(encodeSpecs(s), 0) }, want: kerr.InvalidRecord},
	}
	for _, codec := range allCodecs {
		for _, tt := range tests {
			t.Run(codec.String()+"/"+tt.name, func(t *testing.T) {
				count := tt.count
				if count == 0 {
					count = 3
				}
				b := batchFromBody(t, BuildOptions{Codec: codec}, count, testNow, testNow, tt.edit(specs(3)))
				_, err := Validate(b, defaultOpts())
				checkCode(t, err, tt.want)
				if tt.want == nil {
					// What Validate accepts, the reader reads.
					if got := len(collect(t, b)); got != int(count) {
						t.Fatalf("read %d records, want %d", got, count)
					}
				}
			})
		}
	}
}

func TestValidateTimestamps(t *testing.T) {
	at := func(ts ...int64) []Record {
		recs := make([]Record, len(ts))
		for i := range ts {
			recs[i] = Record{Timestamp: ts[i], Key: []byte("k"), Value: []byte("v")}
		}
		return recs
	}
	logAppend := func(b []byte) []byte { SetLogAppendTime(b, testNow); return b }
	tests := []struct {
		name   string
		b      []byte
		opts   func(*ValidateOptions)
		want   *kerr.Error
		failed []int32 // indexes in RecordErrors
	}{
		{name: "within the defaults", b: mustBuild(t, BuildOptions{}, at(0, testNow, testNow+3600000))},
		{name: "beyond after.max.ms", b: mustBuild(t, BuildOptions{}, at(testNow, testNow+3600001)), want: kerr.InvalidTimestamp, failed: []int32{1}},
		{name: "beyond before.max.ms", b: mustBuild(t, BuildOptions{}, at(testNow-1001, testNow-1000, testNow-2000)),
			opts: func(o *ValidateOptions) { o.TimestampBeforeMaxMs = 1000 }, want: kerr.InvalidTimestamp, failed: []int32{0, 2}},
		{name: "no timestamp is never out of range", b: mustBuild(t, BuildOptions{}, at(NoTimestamp, NoTimestamp)),
			opts: func(o *ValidateOptions) { o.TimestampBeforeMaxMs, o.TimestampAfterMaxMs = 0, 0 }},
		{name: "extreme timestamps do not overflow into range", b: mustBuild(t, BuildOptions{}, at(math.MinInt64, math.MaxInt64)),
			opts: func(o *ValidateOptions) { o.TimestampBeforeMaxMs = 1000 }, want: kerr.InvalidTimestamp, failed: []int32{0, 1}},
		{name: "LogAppendTime topic ignores timestamps", b: mustBuild(t, BuildOptions{}, at(0, testNow+1e9)),
			opts: func(o *ValidateOptions) { o.LogAppendTime = true; o.TimestampBeforeMaxMs = 0 }},
		{name: "producer claims LogAppendTime on a LogAppendTime topic", b: logAppend(mustBuild(t, BuildOptions{}, at(testNow))),
			opts: func(o *ValidateOptions) { o.LogAppendTime = true }, want: kerr.InvalidTimestamp, failed: []int32{0}},
		{name: "producer claims LogAppendTime with a valid time on a CreateTime topic", b: logAppend(mustBuild(t, BuildOptions{}, at(testNow)))},
		{name: "timestamp fault wins over a key fault", b: mustBuild(t, BuildOptions{}, []Record{{Timestamp: testNow}, {Timestamp: testNow + 1e10, Key: []byte("k")}}),
			opts: func(o *ValidateOptions) { o.Compacted = true }, want: kerr.InvalidTimestamp, failed: []int32{0, 1}},
		{name: "null key on a compacted topic", b: mustBuild(t, BuildOptions{}, []Record{{Timestamp: testNow, Key: []byte("k")}, {Timestamp: testNow}}),
			opts: func(o *ValidateOptions) { o.Compacted = true }, want: kerr.InvalidRecord, failed: []int32{1}},
		{name: "empty key on a compacted topic", b: mustBuild(t, BuildOptions{}, []Record{{Timestamp: testNow, Key: []byte{}}}),
			opts: func(o *ValidateOptions) { o.Compacted = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := defaultOpts()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			_, err := Validate(tt.b, opts)
			checkCode(t, err, tt.want)
			if tt.want == nil {
				return
			}
			var ve *ValidationError
			errors.As(err, &ve)
			var got []int32
			for _, re := range ve.RecordErrors {
				got = append(got, re.BatchIndex)
				if re.Message == "" {
					t.Fatalf("record error %d has no message", re.BatchIndex)
				}
			}
			if !slicesEqual(got, tt.failed) {
				t.Fatalf("failed records %v, want %v (%v)", got, tt.failed, err)
			}
		})
	}
}

func slicesEqual(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestValidateRecordErrorsBounded(t *testing.T) {
	recs := make([]Record, 1000)
	for i := range recs {
		recs[i] = Record{Timestamp: testNow + 1e10, Value: []byte("v")}
	}
	_, err := Validate(mustBuild(t, BuildOptions{}, recs), defaultOpts())
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Code != kerr.InvalidTimestamp {
		t.Fatalf("error %v, want INVALID_TIMESTAMP", err)
	}
	if len(ve.RecordErrors) != maxRecordErrors || !strings.Contains(ve.Reason, "1000 records") {
		t.Fatalf("%d record errors, reason %q", len(ve.RecordErrors), ve.Reason)
	}
}

func TestValidateCompressedFaults(t *testing.T) {
	recs := sampleRecords(20, 100)
	for _, codec := range allCodecs[1:] {
		t.Run(codec.String(), func(t *testing.T) {
			good := mustBuild(t, BuildOptions{Codec: codec}, recs)
			info, err := Validate(good, defaultOpts())
			if err != nil {
				t.Fatal(err)
			}
			// A payload cut short and reframed with a valid CRC.
			cut := bytes.Clone(good[:len(good)-8])
			binary.BigEndian.PutUint32(cut[posLength:], uint32(len(cut)-LengthOverhead))
			_, err = Validate(fixCRC(cut), defaultOpts())
			checkCode(t, err, kerr.CorruptMessage)

			// Garbage instead of a compressed stream.
			garbage := bytes.Clone(good)
			for i := HeaderSize; i < len(garbage); i++ {
				garbage[i] = byte(i * 7)
			}
			_, err = Validate(fixCRC(garbage), defaultOpts())
			checkCode(t, err, kerr.CorruptMessage)

			// Decompressed records larger than allowed.
			opts := defaultOpts()
			opts.MaxDecompressedBytes = info.UncompressedBytes - 1
			_, err = Validate(good, opts)
			checkCode(t, err, kerr.CorruptMessage)
			opts.MaxDecompressedBytes = info.UncompressedBytes
			_, err = Validate(good, opts)
			checkCode(t, err, nil)
		})
	}
}

// TestValidateConcurrent runs more validations at once than there are decode
// slots, over every codec, so the pools and the slots are exercised under
// the race detector.
func TestValidateConcurrent(t *testing.T) {
	var batches [][]byte
	for _, codec := range allCodecs {
		batches = append(batches, mustBuild(t, BuildOptions{Codec: codec}, sampleRecords(30, 50)))
	}
	workers := 3 * cap(decodeSlots)
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			var err error
			for i := 0; i < 10 && err == nil; i++ {
				_, err = Validate(batches[(w+i)%len(batches)], defaultOpts())
			}
			errs <- err
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if len(decodeSlots) != 0 {
		t.Fatalf("%d decode slots still held", len(decodeSlots))
	}
}
