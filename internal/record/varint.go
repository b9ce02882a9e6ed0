package record

// Kafka's records use zigzag varints: at most 5 bytes for an int32 field and
// 10 for an int64 one. Longer encodings, and 5-byte encodings carrying more
// than 32 bits, are rejected rather than truncated as Java does: no client
// writes them, and accepting them would let two readers disagree.

// varint decodes a zigzag int32 varint at the start of b. n is the number of
// bytes used, or 0 if b holds no valid varint.
func varint(b []byte) (v int32, n int) {
	if len(b) > 0 && b[0] < 0x80 { // the common one-byte case, inlined
		u := uint32(b[0])
		return int32(u>>1) ^ -int32(u&1), 1
	}
	u, n := uvarint(b, 5)
	if n == 0 || u > 0xffffffff {
		return 0, 0
	}
	x := uint32(u)
	return int32(x>>1) ^ -int32(x&1), n
}

// varlong decodes a zigzag int64 varint at the start of b.
func varlong(b []byte) (v int64, n int) {
	if len(b) > 0 && b[0] < 0x80 {
		u := uint64(b[0])
		return int64(u>>1) ^ -int64(u&1), 1
	}
	u, n := uvarint(b, 10)
	if n == 0 {
		return 0, 0
	}
	return int64(u>>1) ^ -int64(u&1), n
}

// uvarint decodes an unsigned varint of at most max bytes; the tenth byte of
// a 64-bit varint may only carry one bit.
func uvarint(b []byte, max int) (uint64, int) {
	var u uint64
	for i := 0; i < max && i < len(b); i++ {
		c := b[i]
		if i == 9 && c > 1 {
			return 0, 0
		}
		u |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return u, i + 1
		}
	}
	return 0, 0
}

// appendVarint appends v as a zigzag varint.
func appendVarint(dst []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}

// varintSize is the encoded size of v as a zigzag varint.
func varintSize(v int64) int {
	u := uint64(v<<1) ^ uint64(v>>63)
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}
