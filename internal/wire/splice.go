package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Spliced is a response some of whose byte fields are written from their
// own buffers instead of being copied into its encoding. The response is
// encoded (by kmsg) with a unique 16-byte placeholder in each such field;
// Splice then replaces each placeholder, and its length prefix, by the
// real bytes. Fetch responses use it for record batches, which are most of
// a fetch's bytes.
type Spliced interface {
	Splices() []Splice
}

// Splice is one field to replace.
type Splice struct {
	// Placeholder is what the encoding holds: PlaceholderSize bytes that
	// appear nowhere else in it. Use NewPlaceholder.
	Placeholder []byte
	// Data is what replaces it, possibly in several pieces.
	Data [][]byte
	// Compact is true for a compact (flexible-version) bytes field, whose
	// length prefix is an unsigned varint of length+1; otherwise the
	// prefix is an int32 length.
	Compact bool
}

// PlaceholderSize is the size of a placeholder.
const PlaceholderSize = 16

// placeholderTag starts every placeholder. Its bytes cannot appear in the
// strings of a response (topic names are ASCII, error texts printable), and
// a counter follows, so a placeholder occurs in an encoding only where it
// was put.
var placeholderTag = [8]byte{0xff, 0xfe, 0x00, 0x53, 0x41, 0x4d, 0x53, 0xff}

// NewPlaceholder returns the i-th placeholder of one response.
func NewPlaceholder(i int) []byte {
	b := make([]byte, PlaceholderSize)
	copy(b, placeholderTag[:])
	binary.BigEndian.PutUint64(b[8:], uint64(i))
	return b
}

// SpliceFrame cuts a complete response frame (size prefix included) at each
// placeholder and returns the pieces to write in order, with the size
// prefix and each field's length prefix rewritten for the real data.
func SpliceFrame(frame []byte, splices []Splice) ([][]byte, error) {
	pieces := make([][]byte, 0, 2*len(splices)+1)
	grow := 0
	at := 4
	for _, sp := range splices {
		i := bytes.Index(frame[at:], sp.Placeholder)
		if i < 0 {
			return nil, fmt.Errorf("splice: placeholder missing from the encoded response")
		}
		pos := at + i
		n := 0
		for _, d := range sp.Data {
			n += len(d)
		}
		oldPrefix, newPrefix := lengthPrefix(PlaceholderSize, sp.Compact), lengthPrefix(n, sp.Compact)
		if pos < at+len(oldPrefix) || !bytes.Equal(frame[pos-len(oldPrefix):pos], oldPrefix) {
			return nil, fmt.Errorf("splice: placeholder without its length prefix")
		}
		pieces = append(pieces, frame[at:pos-len(oldPrefix)], newPrefix)
		pieces = append(pieces, sp.Data...)
		grow += n - PlaceholderSize + len(newPrefix) - len(oldPrefix)
		at = pos + PlaceholderSize
	}
	pieces = append(pieces, frame[at:])
	size := make([]byte, 4)
	binary.BigEndian.PutUint32(size, uint32(len(frame)-4+grow))
	return append([][]byte{size}, pieces...), nil
}

func lengthPrefix(n int, compact bool) []byte {
	if compact {
		return binary.AppendUvarint(nil, uint64(n)+1)
	}
	return binary.BigEndian.AppendUint32(nil, uint32(n))
}
