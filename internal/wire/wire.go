// Package wire reads and writes the framing of Kafka's protocol: the 4-byte
// size prefix, the request header (v0, v1, v2) and the response header (v0,
// v1). Request and response bodies are kmsg's business.
//
// A request frame is
//
//	size int32 | api_key int16 | api_version int16 | correlation_id int32 |
//	client_id nullable string (int16 length, v1+) | tagged fields (v2) | body
//
// and a response frame is size | correlation_id | tagged fields (v1) | body.
// Header v2/v1 are used exactly when the request's API version is flexible
// (KIP-482), except that ApiVersions responses always use header v0 so a
// client that does not know the broker's versions can parse them (KIP-511).
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Errors that make the broker close the connection, as Kafka does.
var (
	ErrFrameTooLarge = errors.New("request frame larger than socket.request.max.bytes")
	ErrBadFrameSize  = errors.New("invalid request frame size")
	ErrMalformed     = errors.New("malformed request header")
)

// firstChunk is what ReadFrame allocates for a frame before any of its
// bytes have arrived: small requests get one allocation of their exact
// size, and a connection that claims a large frame and stalls holds no
// more than this.
const firstChunk = 64 << 10

// frameChunk is how far ReadFrame allocates ahead of the bytes that have
// arrived once the first chunk is in: a producer's request of up to a
// mebibyte takes one more allocation.
const frameChunk = 1 << 20

// ReadFrame reads one size-prefixed frame. The size is checked against max
// before anything is allocated (CVE-2022-34917), and a buffer too small for
// the frame grows as its bytes arrive rather than to the claimed size at
// once: a client that claims 100 MiB and sends 8 bytes costs 64 KiB, not
// 100 MiB, however many connections do it. buf is reused when large enough.
func ReadFrame(r io.Reader, max int32, buf []byte) ([]byte, error) {
	var sizeBuf [4]byte
	if _, err := io.ReadFull(r, sizeBuf[:]); err != nil {
		return nil, err
	}
	size := int32(binary.BigEndian.Uint32(sizeBuf[:]))
	switch {
	case size > max:
		return nil, fmt.Errorf("%w: %d > %d", ErrFrameTooLarge, size, max)
	case size < 8: // api key, version and correlation id at least
		return nil, fmt.Errorf("%w: %d", ErrBadFrameSize, size)
	}
	var err error
	if cap(buf) >= int(size) {
		buf = buf[:size]
		_, err = io.ReadFull(r, buf)
	} else {
		buf, err = readGrowing(r, buf[:0], int(size))
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("reading %d-byte frame: %w", size, err)
	}
	return buf, nil
}

// readGrowing appends size bytes from r to buf: firstChunk, then frameChunk
// more and doubling from there, so the memory held never exceeds 64 KiB
// before that much has arrived, nor frameChunk plus twice what has arrived
// after.
func readGrowing(r io.Reader, buf []byte, size int) ([]byte, error) {
	for len(buf) < size {
		step := frameChunk + len(buf)
		if len(buf) < firstChunk {
			step = firstChunk - len(buf)
		}
		n := min(size-len(buf), step)
		buf = slices.Grow(buf, n)
		read, err := io.ReadFull(r, buf[len(buf):len(buf)+n])
		buf = buf[:len(buf)+read]
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// RequestHeader is a decoded request header.
type RequestHeader struct {
	APIKey        int16
	APIVersion    int16
	CorrelationID int32
	ClientID      string // "" when null
	// Flexible reports header v2 (and a flexible body).
	Flexible bool
}

// PeekHeader decodes the fixed part of the header (key, version,
// correlation id) without knowing the API; it is enough to answer an
// unsupported request.
func PeekHeader(frame []byte) (RequestHeader, error) {
	if len(frame) < 8 {
		return RequestHeader{}, ErrMalformed
	}
	return RequestHeader{
		APIKey:        int16(binary.BigEndian.Uint16(frame[0:])),
		APIVersion:    int16(binary.BigEndian.Uint16(frame[2:])),
		CorrelationID: int32(binary.BigEndian.Uint32(frame[4:])),
	}, nil
}

// ParseRequestHeader decodes the header of a request whose version flexible
// tells the header version, and returns the body that follows it.
func ParseRequestHeader(frame []byte, flexible bool) (RequestHeader, []byte, error) {
	h, err := PeekHeader(frame)
	if err != nil {
		return h, nil, err
	}
	h.Flexible = flexible
	b := frame[8:]
	// client_id: nullable string, present in header v1 and v2.
	if len(b) < 2 {
		return h, nil, fmt.Errorf("%w: client id length missing", ErrMalformed)
	}
	n := int16(binary.BigEndian.Uint16(b))
	b = b[2:]
	switch {
	case n == -1:
	case n < -1 || int(n) > len(b):
		return h, nil, fmt.Errorf("%w: client id length %d", ErrMalformed, n)
	default:
		h.ClientID = string(b[:n])
		b = b[n:]
	}
	if flexible {
		var err error
		if b, err = skipTags(b); err != nil {
			return h, nil, err
		}
	}
	return h, b, nil
}

// skipTags skips a tagged-field section: a count, then tag, size and data
// per field, all unsigned varints but the data.
func skipTags(b []byte) ([]byte, error) {
	count, n := binary.Uvarint(b)
	if n <= 0 {
		return nil, fmt.Errorf("%w: tagged field count", ErrMalformed)
	}
	b = b[n:]
	for i := uint64(0); i < count; i++ {
		if _, n = binary.Uvarint(b); n <= 0 {
			return nil, fmt.Errorf("%w: tag", ErrMalformed)
		}
		b = b[n:]
		size, n := binary.Uvarint(b)
		if n <= 0 || size > uint64(len(b)-n) {
			return nil, fmt.Errorf("%w: tagged field size", ErrMalformed)
		}
		b = b[n+int(size):]
	}
	return b, nil
}

// AppendResponse appends a complete response frame (size, header, body) to
// dst. flexibleHeader selects header v1; ApiVersions callers pass false.
func AppendResponse(dst []byte, correlationID int32, flexibleHeader bool, resp kmsg.Response) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = binary.BigEndian.AppendUint32(dst, uint32(correlationID))
	if flexibleHeader {
		dst = append(dst, 0) // no tagged fields
	}
	dst = resp.AppendTo(dst)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}
