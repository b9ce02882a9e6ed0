// Package network accepts Kafka protocol connections and runs them.
//
// Each connection has two goroutines. The reader reads a frame, decodes the
// header and the body with kmsg, and calls the Handler synchronously, so
// requests take effect in the order they arrived (two produce requests of
// one connection append in order). The Handler returns a Reply that is
// either ready or deferred; the writer takes replies in arrival order,
// waits for deferred ones (acks=all waiting for the disk, a long-poll fetch)
// and writes the responses in that same order, as clients require. While the
// writer waits, the reader goes on reading and appending up to
// MaxInFlight requests ahead, which is what lets one fsync cover the batches
// of several pipelined produce requests.
//
// Kafka closes the connection on a frame it cannot parse, an unknown API
// key, or an unsupported version of any API but ApiVersions; so does Samsa,
// with one log line each. A connection idle for connections.max.idle.ms is
// closed quietly, as in Kafka, unless it went silent in the middle of a
// frame: a stalled or trickling (slowloris) client gets one log line too.
package network

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/wire"
)

// Reply is a Handler's answer to one request.
type Reply struct {
	// Response is the response, when ready at once.
	Response kmsg.Response
	// Wait, when Response is nil, produces the response later; the writer
	// goroutine calls it in request order.
	Wait func() kmsg.Response
	// NoResponse sends nothing (acks=0 produce) but keeps the order.
	NoResponse bool
}

// Handler serves decoded requests.
type Handler interface {
	// Supported reports whether the broker implements this version of the
	// API; unsupported requests other than ApiVersions close the connection
	// before their body is decoded.
	Supported(key, version int16) bool
	// Handle is called on the connection's reader goroutine, in arrival
	// order. req is nil for an ApiVersions request of a version the broker
	// does not know (the handler answers UNSUPPORTED_VERSION, KIP-511).
	Handle(ctx context.Context, c *Conn, h wire.RequestHeader, req kmsg.Request) Reply
}

// Listener is one configured listener.
type Listener struct {
	Name string // listener name, e.g. PLAINTEXT
	Addr string // host:port to bind
}

// Config configures the server.
type Config struct {
	Listeners []Listener
	// MaxRequestBytes is socket.request.max.bytes.
	MaxRequestBytes int32
	// MaxInFlight bounds the requests read but not yet answered per
	// connection (Kafka's queued.max.requests is per broker; this is the
	// per-connection share that keeps one client from taking it all).
	MaxInFlight int
	// IdleTimeout is connections.max.idle.ms.
	IdleTimeout time.Duration
	Logger      *slog.Logger
}

// Conn describes a client connection to handlers.
type Conn struct {
	ID       uint64
	Listener string
	Remote   net.Addr
	Local    net.Addr
}

// Server owns the listeners and every connection.
type Server struct {
	cfg       Config
	log       *slog.Logger
	listeners []net.Listener
	names     []string
	nextID    atomic.Uint64

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// Listen binds every listener. Serve then accepts on them.
func Listen(cfg Config) (*Server, error) {
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 64
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Logger, conns: map[net.Conn]struct{}{}}
	for _, l := range cfg.Listeners {
		ln, err := net.Listen("tcp", l.Addr)
		if err != nil {
			s.closeListeners()
			return nil, fmt.Errorf("listener %s on %s: %w", l.Name, l.Addr, err)
		}
		s.listeners = append(s.listeners, ln)
		s.names = append(s.names, l.Name)
	}
	return s, nil
}

// Addr returns the bound address of the named listener.
func (s *Server) Addr(name string) net.Addr {
	for i, n := range s.names {
		if n == name {
			return s.listeners[i].Addr()
		}
	}
	return nil
}

func (s *Server) closeListeners() {
	for _, ln := range s.listeners {
		ln.Close()
	}
}

// Close closes the listeners of a server that never served (Serve closes
// them itself when its context ends). It is safe to call more than once.
func (s *Server) Close() { s.closeListeners() }

// Serve accepts connections until ctx is done, then closes the listeners
// and every connection and waits for their goroutines.
func (s *Server) Serve(ctx context.Context, h Handler) {
	for i, ln := range s.listeners {
		s.wg.Add(1)
		go s.accept(ctx, ln, s.names[i], h)
	}
	<-ctx.Done()
	s.closeListeners()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) accept(ctx context.Context, ln net.Listener, name string, h Handler) {
	defer s.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				s.log.Error("accept failed", "listener", name, "err", err)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			tc.SetNoDelay(true)
		}
		s.mu.Lock()
		if ctx.Err() != nil {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[nc] = struct{}{}
		s.mu.Unlock()
		c := &conn{
			srv: s, nc: nc, h: h,
			info:    &Conn{ID: s.nextID.Add(1), Listener: name, Remote: nc.RemoteAddr(), Local: nc.LocalAddr()},
			replies: make(chan pending, s.cfg.MaxInFlight),
		}
		s.wg.Add(1)
		go c.run(ctx)
	}
}

func (s *Server) forget(nc net.Conn) {
	s.mu.Lock()
	delete(s.conns, nc)
	s.mu.Unlock()
}

// pending is a reply queued for the writer, with what it needs to frame it.
type pending struct {
	reply          Reply
	correlationID  int32
	flexibleHeader bool
	key, version   int16
}

type conn struct {
	srv     *Server
	nc      net.Conn
	h       Handler
	info    *Conn
	replies chan pending
}

// run owns the connection: it starts the writer, runs the reader on this
// goroutine, and tears both down.
func (c *conn) run(ctx context.Context) {
	defer c.srv.wg.Done()
	defer c.srv.forget(c.nc)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.write()
	}()
	// Requests parked in the writer (a long-poll fetch, a produce waiting
	// for durability) end as soon as the connection does, not at their
	// own deadline.
	connCtx, cancel := context.WithCancel(ctx)
	err := c.read(connCtx)
	cancel()
	close(c.replies)
	<-writerDone
	c.nc.Close()
	if err != nil && !isDisconnect(err) {
		c.srv.log.Warn("closing connection", "remote", c.info.Remote, "listener", c.info.Listener, "err", err)
	}
}

// isDisconnect reports an ordinary end of a connection, which is not
// logged: the client closed it, or reset it (as a client does when it
// closes a socket with a response still unread).
func isDisconnect(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, errWriterGone) ||
		errors.Is(err, syscall.ECONNRESET)
}

var errWriterGone = errors.New("connection writer stopped")

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (c *conn) read(ctx context.Context) error {
	br := bufio.NewReaderSize(c.nc, 64<<10)
	idle := c.srv.cfg.IdleTimeout
	var deadlineSet time.Time
	for {
		// Moving the deadline costs a timer update in the poller, so a
		// busy connection moves it at most every eighth of the timeout:
		// an idle connection is closed after 7/8 to 8/8 of it.
		if now := time.Now(); idle > 0 && now.Sub(deadlineSet) >= idle/8 {
			c.nc.SetReadDeadline(now.Add(idle))
			deadlineSet = now
		}
		if _, err := br.Peek(1); err != nil {
			if isTimeout(err) {
				return nil // idle between requests: Kafka closes it quietly
			}
			return err
		}
		// The deadline still runs from before the first byte, so a
		// frame trickled in slowly is cut as surely as a stalled one.
		frame, err := wire.ReadFrame(br, c.srv.cfg.MaxRequestBytes, nil)
		if err != nil {
			if isTimeout(err) {
				return fmt.Errorf("idle for connections.max.idle.ms (%s) in the middle of a request frame: %w",
					c.srv.cfg.IdleTimeout, err)
			}
			return err
		}
		p, err := c.decode(ctx, frame)
		if err != nil {
			return err
		}
		// A full queue means the writer is MaxInFlight replies behind:
		// stop reading until it catches up (or the server stops).
		select {
		case c.replies <- p:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// decode parses one frame and calls the handler.
func (c *conn) decode(ctx context.Context, frame []byte) (pending, error) {
	peek, err := wire.PeekHeader(frame)
	if err != nil {
		return pending{}, err
	}
	req := kmsg.RequestForKey(peek.APIKey)
	if req == nil {
		return pending{}, fmt.Errorf("unknown api key %d (correlation id %d)", peek.APIKey, peek.CorrelationID)
	}
	isAPIVersions := peek.APIKey == int16(kmsg.ApiVersions)
	supported := c.h.Supported(peek.APIKey, peek.APIVersion)
	if !supported && !isAPIVersions {
		return pending{}, fmt.Errorf("unsupported version %d of %s (correlation id %d)",
			peek.APIVersion, kmsg.NameForKey(peek.APIKey), peek.CorrelationID)
	}
	req.SetVersion(peek.APIVersion)
	h, body, err := wire.ParseRequestHeader(frame, req.IsFlexible())
	if err != nil {
		return pending{}, fmt.Errorf("%s v%d: %w", kmsg.NameForKey(peek.APIKey), peek.APIVersion, err)
	}
	p := pending{correlationID: h.CorrelationID, key: h.APIKey, version: h.APIVersion,
		flexibleHeader: req.IsFlexible() && !isAPIVersions}
	if !supported { // ApiVersions of a version we do not know: answer in v0
		p.version = 0
		p.reply = c.h.Handle(ctx, c.info, h, nil)
		return p, nil
	}
	if err := req.ReadFrom(body); err != nil {
		return pending{}, fmt.Errorf("decoding %s v%d (correlation id %d): %w",
			kmsg.NameForKey(h.APIKey), h.APIVersion, h.CorrelationID, err)
	}
	p.reply = c.h.Handle(ctx, c.info, h, req)
	return p, nil
}

// write sends replies in order until the reader closes the queue.
func (c *conn) write() {
	bw := bufio.NewWriterSize(c.nc, 64<<10)
	var buf []byte
	broken := false
	for p := range c.replies {
		resp := p.reply.Response
		if resp == nil && p.reply.Wait != nil {
			resp = p.reply.Wait()
		}
		if broken || resp == nil || p.reply.NoResponse {
			continue
		}
		resp.SetVersion(p.version)
		buf = wire.AppendResponse(buf[:0], p.correlationID, p.flexibleHeader, resp)
		var err error
		if sp, ok := resp.(wire.Spliced); ok {
			err = c.writeSpliced(bw, buf, sp)
		} else {
			_, err = bw.Write(buf)
		}
		if err == nil && len(c.replies) == 0 {
			err = bw.Flush()
		}
		if err != nil {
			broken = c.abort()
		}
		if cap(buf) > 1<<20 {
			buf = nil // do not pin a large response's buffer
		}
	}
	if !broken {
		bw.Flush()
	}
}

// writeSpliced writes a response whose large byte fields (fetched record
// batches) stay in their own buffers: the small encoded parts go through
// the buffered writer, the batches straight to the socket with writev, so
// they are never copied into the encoding.
func (c *conn) writeSpliced(bw *bufio.Writer, frame []byte, sp wire.Spliced) error {
	pieces, err := wire.SpliceFrame(frame, sp.Splices())
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	bufs := net.Buffers(pieces)
	_, err = bufs.WriteTo(c.nc)
	return err
}

// abort closes the socket after a failed write so the reader stops; the
// writer keeps draining (and running deferred replies) until the reader
// closes the queue.
func (c *conn) abort() bool {
	c.nc.Close()
	return true
}
