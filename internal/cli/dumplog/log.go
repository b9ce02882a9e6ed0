package dumplog

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"samsa/internal/metadata"
	"samsa/internal/record"
)

// Batch framing, as Kafka's FileLogInputStream reads it.
const (
	headerUpToMagic  = 17 // base offset, length, leader epoch, magic
	lengthOverhead   = 12 // base offset and length
	minRecordOverhea = 14 // Kafka's LegacyRecord.RECORD_OVERHEAD_V0
	attrDeleteHorizn = 0x40
)

// segmentFile is an open log segment or snapshot, read up to end.
type segmentFile struct {
	f    *os.File
	name string
	end  int64
}

func openSegment(path string, maxBytes int64) (*segmentFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, openError(path, err)
	}
	return &segmentFile{f: f, name: path, end: min(st.Size(), maxBytes)}, nil
}

// batchAt reads the batch at pos, or returns nil at the end of the
// readable batches: like Kafka, a batch cut short ends the iteration and
// the bytes left count as invalid.
func (s *segmentFile) batchAt(pos int64) ([]byte, error) {
	if pos >= s.end-headerUpToMagic {
		return nil, nil
	}
	var head [headerUpToMagic]byte
	if _, err := s.f.ReadAt(head[:], pos); err != nil {
		return nil, fmt.Errorf("reading %s at position %d: %w", s.name, pos, err)
	}
	size := int32(binary.BigEndian.Uint32(head[8:]))
	if size < minRecordOverhea {
		return nil, fmt.Errorf("Found record size %d smaller than minimum record overhead (%d) in file %s.", size, minRecordOverhea, s.name)
	}
	if pos > s.end-lengthOverhead-int64(size) {
		return nil, nil
	}
	if magic := int8(head[16]); magic != 2 {
		return nil, fmt.Errorf("Found a record batch with magic %d at position %d in %s: Samsa reads only magic 2 (Kafka 0.11+) batches.", magic, pos, s.name)
	}
	b := make([]byte, lengthOverhead+int(size))
	if _, err := s.f.ReadAt(b, pos); err != nil {
		return nil, fmt.Errorf("reading %s at position %d: %w", s.name, pos, err)
	}
	return b, nil
}

// dumpLog prints a log segment or a metadata snapshot.
func (d *dumper) dumpLog(path string) error {
	base := filepath.Base(path)
	snapshot := strings.HasSuffix(base, ".checkpoint")
	if snapshot {
		var endOffset, epoch int64
		stem := strings.TrimSuffix(base, ".checkpoint")
		if _, err := fmt.Sscanf(stem, "%020d-%010d", &endOffset, &epoch); err != nil || len(stem) != 31 {
			return fmt.Errorf("%s is not a snapshot file name (<end offset>-<epoch>.checkpoint)", path)
		}
		fmt.Fprintf(d.out, "Snapshot end offset: %d, epoch: %d\n", endOffset, epoch)
	} else {
		start, err := strconv.ParseInt(strings.Split(base, ".")[0], 10, 64)
		if err != nil {
			return fmt.Errorf("For input string: %q: a segment file is named by its base offset", strings.Split(base, ".")[0])
		}
		fmt.Fprintf(d.out, "Log starting offset: %d\n", start)
	}
	s, err := openSegment(path, d.opts.maxBytes)
	if err != nil {
		return err
	}
	defer s.f.Close()
	abs, _ := filepath.Abs(path)
	it := &logIterator{d: d, file: abs, lastOffset: -1}
	if mp, ok := d.opts.parser.(*metadataParser); ok {
		mp.snapshot, mp.chunks = snapshot, nil
	}
	pos := int64(0)
	for {
		b, err := s.batchAt(pos)
		if err != nil {
			return err
		}
		if b == nil {
			break
		}
		if err := it.batch(b, pos); err != nil {
			return err
		}
		pos += int64(len(b))
	}
	st, err := s.f.Stat()
	if err != nil {
		return openError(path, err)
	}
	if trailing := min(st.Size(), d.opts.maxBytes) - pos; trailing > 0 && d.opts.maxBytes == math.MaxInt32 {
		fmt.Fprintf(d.out, "Found %d invalid bytes at the end of %s\n", trailing, base)
	}
	return nil
}

// logIterator prints the batches of one file.
type logIterator struct {
	d          *dumper
	file       string
	lastOffset int64
}

func (it *logIterator) batch(raw []byte, pos int64) error {
	w := it.d.out
	h, herr := record.ParseHeader(raw)
	valid := herr == nil && record.CheckCRC(raw)
	tsType := "CreateTime"
	if h.LogAppendTime() {
		tsType = "LogAppendTime"
	}
	deleteHorizon := "OptionalLong.empty"
	if h.Attributes&attrDeleteHorizn != 0 {
		deleteHorizon = fmt.Sprintf("OptionalLong[%d]", h.BaseTimestamp)
	}
	fmt.Fprintf(w, "baseOffset: %d lastOffset: %d count: %d baseSequence: %d lastSequence: %d producerId: %d producerEpoch: %d partitionLeaderEpoch: %d isTransactional: %t isControl: %t deleteHorizonMs: %s",
		h.BaseOffset, h.LastOffset(), h.RecordCount, h.BaseSequence, sequenceAt(h.BaseSequence, h.LastOffsetDelta),
		h.ProducerID, h.ProducerEpoch, h.PartitionLeaderEpoch, h.Transactional(), h.Control(), deleteHorizon)
	fmt.Fprintf(w, " position: %d %s: %d size: %d magic: %d compresscodec: %s crc: %d isvalid: %t\n",
		pos, tsType, h.MaxTimestamp, len(raw), h.Magic, h.Codec(), h.CRC, valid)
	if herr != nil {
		return fmt.Errorf("invalid record batch at position %d of %s: %w", pos, it.file, herr)
	}
	if !it.d.opts.deep {
		return nil
	}
	batch := record.Batch{Header: h, Raw: raw}
	for r, err := range batch.Records() {
		if err != nil {
			return fmt.Errorf("reading the records of the batch at position %d of %s: %w", pos, it.file, err)
		}
		if err := it.record(batch, r, tsType); err != nil {
			return err
		}
	}
	return nil
}

// sequenceAt is Kafka's DefaultRecordBatch.incrementSequence for a batch
// with a sequence, -1 otherwise.
func sequenceAt(base, delta int32) int32 {
	if base < 0 {
		return -1
	}
	if base > math.MaxInt32-delta {
		return delta - (math.MaxInt32 - base) - 1
	}
	return base + delta
}

func sizeOf(b []byte) int {
	if b == nil {
		return -1
	}
	return len(b)
}

func (it *logIterator) record(batch record.Batch, r record.Record, tsType string) error {
	d, w := it.d, it.d.out
	if it.lastOffset != -1 && r.Offset != it.lastOffset+1 {
		d.note(&d.nonConsecutive, it.file, it.lastOffset, r.Offset)
	}
	it.lastOffset = r.Offset
	var line strings.Builder
	prefix := "| "
	if !d.opts.skipMetadata {
		keys := make([]string, len(r.Headers))
		for i, hd := range r.Headers {
			keys[i] = hd.Key
		}
		fmt.Fprintf(&line, "%soffset: %d %s: %d keySize: %d valueSize: %d sequence: %d headerKeys: [%s]",
			prefix, r.Offset, tsType, r.Timestamp, sizeOf(r.Key), sizeOf(r.Value),
			sequenceAt(batch.BaseSequence, int32(r.Offset-batch.BaseOffset)), strings.Join(keys, ","))
		prefix = " "
		if batch.Control() {
			s, err := controlText(r)
			if err != nil {
				return fmt.Errorf("control record at offset %d of %s: %w", r.Offset, it.file, err)
			}
			line.WriteString(s)
		}
	}
	if batch.Control() {
		if mp, ok := d.opts.parser.(*metadataParser); ok && mp.snapshot && isFooter(r) {
			defer mp.flushSnapshot(w)
		}
	}
	if d.opts.printData && !batch.Control() {
		key, payload := d.opts.parser.parse(r)
		if key != nil {
			line.WriteString(prefix + "key: " + *key)
		}
		if payload != nil {
			line.WriteString(" payload: " + *payload)
		}
	}
	fmt.Fprintln(w, line.String())
	return nil
}

// Kafka's control record types (ControlRecordType).
var controlTypes = map[int16]string{0: "ABORT", 1: "COMMIT", 2: "LEADER_CHANGE", 3: "SNAPSHOT_HEADER",
	4: "SNAPSHOT_FOOTER", 5: "KRAFT_VERSION", 6: "KRAFT_VOTERS"}

func controlTypeOf(key []byte) (int16, error) {
	if len(key) < 4 {
		return 0, fmt.Errorf("Invalid value size found for end control record key. Must have at least 4 bytes, but found only %d", len(key))
	}
	if v := int16(binary.BigEndian.Uint16(key)); v < 0 {
		return 0, fmt.Errorf("Invalid version found for control record: %d. May indicate data corruption", v)
	}
	return int16(binary.BigEndian.Uint16(key[2:])), nil
}

func isFooter(r record.Record) bool {
	t, err := controlTypeOf(r.Key)
	return err == nil && t == 4
}

// controlText is what Kafka prints after a control record's metadata.
func controlText(r record.Record) (string, error) {
	typ, err := controlTypeOf(r.Key)
	if err != nil {
		return "", err
	}
	v := r.Value
	switch typ {
	case 0, 1:
		if len(v) < 6 {
			return "", fmt.Errorf("Invalid value size found for end transaction marker: %d", len(v))
		}
		return fmt.Sprintf(" endTxnMarker: %s coordinatorEpoch: %d", controlTypes[typ], int32(binary.BigEndian.Uint32(v[2:]))), nil
	case 3:
		if len(v) < 10 {
			return "", fmt.Errorf("snapshot header of %d bytes", len(v))
		}
		return fmt.Sprintf(` SnapshotHeader {"version":%d,"lastContainedLogTimestamp":%d}`,
			int16(binary.BigEndian.Uint16(v)), int64(binary.BigEndian.Uint64(v[2:]))), nil
	case 4:
		if len(v) < 2 {
			return "", fmt.Errorf("snapshot footer of %d bytes", len(v))
		}
		return fmt.Sprintf(` SnapshotFooter {"version":%d}`, int16(binary.BigEndian.Uint16(v))), nil
	}
	name, ok := controlTypes[typ]
	if !ok {
		name = "UNKNOWN"
	}
	return fmt.Sprintf(" controlType: %s(%d)", name, typ), nil
}

// parser turns a record into the key and payload printed, nil for none.
type parser interface {
	parse(r record.Record) (key, payload *string)
}

// stringParser is Kafka's StringDecoder for keys and values.
type stringParser struct{}

func (stringParser) parse(r record.Record) (key, payload *string) {
	if r.Key != nil {
		key = new(string(r.Key))
	}
	if r.Value != nil {
		payload = new(string(r.Value))
	}
	return key, payload
}

// transactionParser is --transaction-log-decoder. Samsa has no
// transactions yet, so __transaction_state holds nothing to decode; the
// records print as strings.
type transactionParser struct{ stringParser }

// metadataParser is --cluster-metadata-decoder.
type metadataParser struct {
	snapshot bool     // reading a checkpoint
	chunks   [][]byte // a checkpoint's data records so far
}

func (p *metadataParser) parse(r record.Record) (key, payload *string) {
	if p.snapshot {
		p.chunks = append(p.chunks, append([]byte(nil), r.Value...))
		return nil, new(fmt.Sprintf("<chunk %d of the snapshot: %d bytes>", len(p.chunks), len(r.Value)))
	}
	s, err := metadataPayload(r.Value)
	if err != nil {
		s = fmt.Sprintf("Error at %d, skipping. %v", r.Offset, err)
	}
	return nil, &s
}

// flushSnapshot prints the records of the snapshot whose chunks were read,
// one line each.
func (p *metadataParser) flushSnapshot(w io.Writer) {
	data := []byte{}
	for _, c := range p.chunks {
		data = append(data, c...)
	}
	p.chunks = nil
	recs, err := decodeSnapshot(data)
	if err != nil {
		fmt.Fprintf(w, "| Error decoding the snapshot, skipping. %v\n", err)
		return
	}
	for _, r := range recs {
		s, err := MetadataJSON(r)
		if err != nil {
			s = err.Error()
		}
		fmt.Fprintf(w, "| payload: %s\n", s)
	}
}

// decodeSnapshot decodes the state a Samsa checkpoint carries: the
// metadata image as {"offset","epoch","records":[…]}.
func decodeSnapshot(data []byte) ([]metadata.Record, error) {
	var s struct {
		Records json.RawMessage `json:"records"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decoding metadata snapshot: %w", err)
	}
	return metadata.DecodeRecords(s.Records)
}
