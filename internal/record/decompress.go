package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// maxZstdWindow bounds the history a zstd frame may ask the decoder to keep,
// and so the memory of one decoder. Producers at zstd levels up to 19 stay
// within it; levels 20-22 (allowed by compression.zstd.level) ask for more
// and are rejected as CORRUPT_MESSAGE.
const maxZstdWindow = 8 << 20

// snappyMaxRatio bounds how much a standard snappy block can expand: the
// best element is a 3-byte copy of 64 bytes. A block claiming more is not
// snappy, and is refused before its output is allocated.
const snappyMaxRatio = 22

// maxPooledBuffer is the largest snappy output buffer kept for reuse, so
// that one odd batch does not pin its memory in the pool.
const maxPooledBuffer = 1 << 20

// xerialMagic starts the framing that snappy-java's stream (and so the Java
// producer and librdkafka) wraps around snappy blocks.
var xerialMagic = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

const xerialHeaderSize = 16 // magic, version, minimum compatible version

var errSnappyFraming = errors.New("malformed xerial snappy framing")

// decompressor streams the records of a compressed batch. release returns it
// to its pool; it must not be used afterwards.
type decompressor interface {
	io.Reader
	release()
}

// newDecompressor returns a pooled streaming decompressor over src.
func newDecompressor(c Codec, src []byte) (decompressor, error) {
	switch c {
	case CodecGzip:
		return newGzipReader(src)
	case CodecSnappy:
		return newSnappyReader(src)
	case CodecLZ4:
		return newLZ4Reader(src), nil
	case CodecZstd:
		return newZstdReader(src)
	}
	return nil, fmt.Errorf("no decompressor for codec %v", c)
}

type gzipReader struct {
	src bytes.Reader
	zr  gzip.Reader
}

var gzipPool = sync.Pool{New: func() any { return new(gzipReader) }}

func newGzipReader(src []byte) (*gzipReader, error) {
	g := gzipPool.Get().(*gzipReader)
	g.src.Reset(src)
	if err := g.zr.Reset(&g.src); err != nil {
		g.release()
		return nil, fmt.Errorf("gzip header: %w", err)
	}
	return g, nil
}

func (g *gzipReader) Read(p []byte) (int, error) { return g.zr.Read(p) }
func (g *gzipReader) release()                   { g.src.Reset(nil); gzipPool.Put(g) }

type lz4Reader struct {
	src bytes.Reader
	zr  *lz4.Reader
}

var lz4Pool = sync.Pool{New: func() any { return &lz4Reader{zr: lz4.NewReader(nil)} }}

func newLZ4Reader(src []byte) *lz4Reader {
	l := lz4Pool.Get().(*lz4Reader)
	l.src.Reset(src)
	l.zr.Reset(&l.src)
	return l
}

func (l *lz4Reader) Read(p []byte) (int, error) { return l.zr.Read(p) }
func (l *lz4Reader) release() {
	l.zr.Reset(nil) // returns its block buffers to lz4's own pool
	l.src.Reset(nil)
	lz4Pool.Put(l)
}

// zstdReader wraps a decoder that decodes synchronously (concurrency 1), so
// a pooled decoder owns no goroutine and needs no Close. Its source is a
// bytes.Reader, never a *bytes.Buffer, which the decoder would decode whole.
type zstdReader struct {
	src bytes.Reader
	zr  *zstd.Decoder
}

var zstdPool = sync.Pool{New: func() any {
	zr, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(maxZstdWindow))
	if err != nil {
		// Only invalid options fail, and these are constants.
		panic(fmt.Sprintf("record: zstd decoder options: %v", err))
	}
	return &zstdReader{zr: zr}
}}

func newZstdReader(src []byte) (*zstdReader, error) {
	z := zstdPool.Get().(*zstdReader)
	z.src.Reset(src)
	if err := z.zr.Reset(&z.src); err != nil {
		z.release()
		return nil, fmt.Errorf("zstd: %w", err)
	}
	return z, nil
}

func (z *zstdReader) Read(p []byte) (int, error) { return z.zr.Read(p) }
func (z *zstdReader) release() {
	_ = z.zr.Reset(nil) // drops the source; the error only says it is nil
	z.src.Reset(nil)
	zstdPool.Put(z)
}

// snappyReader decodes either one raw snappy block (what franz-go before
// xerial support, Sarama and kafka-python send) or xerial framing (the Java
// producer, librdkafka): a 16-byte header, then blocks each preceded by a
// big-endian length. Snappy blocks cannot be decoded incrementally, so each
// block is decoded whole into buf, whose size snappyMaxRatio and the
// caller's limit bound before it is allocated.
type snappyReader struct {
	src    []byte // undecoded input, after the header for xerial
	xerial bool
	buf    []byte // decoded block
	out    []byte // unread part of buf
	limit  int64  // largest block accepted, set by the stream
}

var snappyPool = sync.Pool{New: func() any { return new(snappyReader) }}

func newSnappyReader(src []byte) (*snappyReader, error) {
	s := snappyPool.Get().(*snappyReader)
	s.src, s.out, s.xerial, s.limit = src, nil, false, DefaultMaxDecompressedBytes
	if len(src) >= xerialHeaderSize && bytes.HasPrefix(src, xerialMagic) {
		s.src, s.xerial = src[xerialHeaderSize:], true
	}
	return s, nil
}

func (s *snappyReader) Read(p []byte) (int, error) {
	for len(s.out) == 0 {
		if len(s.src) == 0 {
			return 0, io.EOF
		}
		if err := s.nextBlock(); err != nil {
			s.src = nil
			return 0, err
		}
	}
	n := copy(p, s.out)
	s.out = s.out[n:]
	return n, nil
}

// setLimit bounds the size of one decoded block.
func (s *snappyReader) setLimit(limit int64) { s.limit = limit }

func (s *snappyReader) nextBlock() error {
	block := s.src
	if s.xerial {
		if len(s.src) < 4 {
			return errSnappyFraming
		}
		n := binary.BigEndian.Uint32(s.src)
		if uint64(n) > uint64(len(s.src)-4) {
			return fmt.Errorf("%w: block of %d bytes with %d left", errSnappyFraming, n, len(s.src)-4)
		}
		block, s.src = s.src[4:4+n], s.src[4+n:]
	} else {
		s.src = nil
	}
	l, err := snappy.DecodedLen(block)
	if err != nil {
		return fmt.Errorf("snappy: %w", err)
	}
	if int64(l) > int64(len(block))*snappyMaxRatio {
		return fmt.Errorf("snappy block of %d bytes claims %d decoded bytes", len(block), l)
	}
	if int64(l) > s.limit {
		return errLimit
	}
	if cap(s.buf) < l {
		s.buf = make([]byte, l)
	}
	out, err := snappy.DecodeStrict(s.buf[:l], block)
	if err != nil {
		return fmt.Errorf("snappy: %w", err)
	}
	s.out = out
	return nil
}

func (s *snappyReader) release() {
	if cap(s.buf) > maxPooledBuffer {
		s.buf = nil
	}
	s.src, s.out = nil, nil
	snappyPool.Put(s)
}
