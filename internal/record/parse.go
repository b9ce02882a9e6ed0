package record

// rawRecord is one record parsed in place; its slices alias the parsed bytes.
type rawRecord struct {
	timestampDelta int64
	offsetDelta    int32
	key            []byte // nil when the key is null
	value          []byte // nil when the value is null
	headerCount    int32
	headers        []byte // the encoded headers, checked by parseRecord
}

// minRecordBody is the smallest record body: attributes, then one byte each
// for the timestamp delta, offset delta, key length, value length and header
// count.
const minRecordBody = 6

// parseRecord parses the record at the start of b, checking that every
// length stays inside the record and that the fields fill the record's
// length exactly. It returns the record's size on the wire.
func parseRecord(b []byte, r *rawRecord) (int, error) {
	length, n := varint(b)
	if n == 0 {
		return 0, invalid("malformed record length varint")
	}
	if length < minRecordBody {
		return 0, invalid("record length %d below the minimum %d", length, minRecordBody)
	}
	if int(length) > len(b)-n {
		return 0, invalid("record length %d exceeds the %d bytes left", length, len(b)-n)
	}
	if err := parseBody(b[n:n+int(length)], r); err != nil {
		return 0, err
	}
	return n + int(length), nil
}

// parseBody parses a record body of known length (everything after the
// length varint).
func parseBody(body []byte, r *rawRecord) error {
	p := 1 // attributes: unused in v2, so any value is accepted as Kafka does
	var n int
	if r.timestampDelta, n = varlong(body[p:]); n == 0 {
		return invalid("malformed timestamp delta")
	}
	p += n
	if r.offsetDelta, n = varint(body[p:]); n == 0 {
		return invalid("malformed offset delta")
	}
	p += n
	var err error
	if r.key, p, err = nullableBytes(body, p, "key"); err != nil {
		return err
	}
	if r.value, p, err = nullableBytes(body, p, "value"); err != nil {
		return err
	}
	if r.headerCount, n = varint(body[p:]); n == 0 {
		return invalid("malformed header count")
	}
	p += n
	end, err := skipHeaders(body, p, r.headerCount)
	if err != nil {
		return err
	}
	r.headers = body[p:end]
	if end != len(body) {
		return invalid("record length %d but its fields take %d bytes", len(body), end)
	}
	return nil
}

// nullableBytes reads a varint length and that many bytes at body[p:]; a
// negative length is null, as Kafka reads it.
func nullableBytes(body []byte, p int, what string) ([]byte, int, error) {
	l, n := varint(body[p:])
	if n == 0 {
		return nil, p, invalid("malformed %s length", what)
	}
	p += n
	if l < 0 {
		return nil, p, nil
	}
	if int(l) > len(body)-p {
		return nil, p, invalid("%s length %d exceeds the %d bytes left in the record", what, l, len(body)-p)
	}
	return body[p : p+int(l) : p+int(l)], p + int(l), nil
}

// skipHeaders walks count headers from body[p:] and returns where they end.
func skipHeaders(body []byte, p int, count int32) (int, error) {
	if count < 0 {
		return p, invalid("negative header count %d", count)
	}
	// Each header takes at least two bytes; checking first keeps a huge
	// count from looping long over a short record.
	if int64(count)*2 > int64(len(body)-p) {
		return p, invalid("header count %d exceeds the %d bytes left in the record", count, len(body)-p)
	}
	for i := int32(0); i < count; i++ {
		l, n := varint(body[p:])
		if n == 0 {
			return p, invalid("header %d: malformed key length", i)
		}
		p += n
		if l < 0 || int(l) > len(body)-p {
			return p, invalid("header %d: key length %d outside the %d bytes left", i, l, len(body)-p)
		}
		p += int(l)
		var err error
		if _, p, err = nullableBytes(body, p, "header value"); err != nil {
			return p, err
		}
	}
	return p, nil
}

// parseHeaders decodes headers already checked by skipHeaders. Values alias
// b; keys are copied into strings.
func parseHeaders(b []byte, count int32) []RecordHeader {
	if count == 0 {
		return nil
	}
	hs := make([]RecordHeader, 0, count)
	for p := 0; len(hs) < int(count); {
		l, n := varint(b[p:])
		p += n
		key := string(b[p : p+int(l)])
		p += int(l)
		var value []byte
		value, p, _ = nullableBytes(b, p, "header value")
		hs = append(hs, RecordHeader{Key: key, Value: value})
	}
	return hs
}
