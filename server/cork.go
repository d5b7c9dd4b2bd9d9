package server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
)

// Socket writes are corked: the websocket library flushes every frame to
// the connection as it writes it (one write syscall per frame), so the
// socket's writer corks the connection, writes every frame that is ready,
// and uncorks it, which sends them all with one syscall. The library's
// own buffers are replaced by small ones (the cork buffer is pooled and
// held only during a burst), which also keeps an idle socket small.

// corkedResponse is the ResponseWriter given to websocket.Accept: its
// Hijack hands the library a connection whose writes go through a cork.
type corkedResponse struct {
	http.ResponseWriter
	cork *cork
}

// Small buffers for the library: frames are read with few syscalls anyway
// (chat frames are a few hundred bytes), the read buffer is pooled
// (readbuf.go) and writes go through the cork.
const (
	readBufSize  = 1024
	writeBufSize = 64
)

func (r *corkedResponse) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("server: the connection cannot be hijacked")
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	if brw.Writer.Buffered() > 0 {
		if err := brw.Writer.Flush(); err != nil {
			_ = nc.Close()
			return nil, nil, err
		}
	}
	r.cork = &cork{w: nc}
	bw := bufio.NewWriterSize(r.cork, writeBufSize)
	if brw.Reader.Buffered() > 0 {
		// The client already sent frames after its handshake: they are
		// in the old reader, which the library reads first.
		return nc, bufio.NewReadWriter(brw.Reader, bw), nil
	}
	rc, br := readerFor(nc)
	return rc, bufio.NewReadWriter(br, bw), nil
}

// Unwrap lets http.ResponseController reach the original writer.
func (r *corkedResponse) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// cork is the writing side of a socket's connection. Uncorked, writes go
// straight through; corked, they collect in a pooled buffer until uncork.
// Writes may come from the socket's writer and from the library (pongs,
// the close frame) at once.
type cork struct {
	w      io.Writer
	mu     sync.Mutex
	corked bool
	buf    *[]byte
	err    error
}

var corkBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxCorked is how many bytes a burst collects before the writer uncorks.
const maxCorked = 32 << 10

func (c *cork) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if !c.corked {
		return c.w.Write(p)
	}
	if c.buf == nil {
		c.buf = corkBufs.Get().(*[]byte)
	}
	*c.buf = append(*c.buf, p...)
	return len(p), nil
}

// hold corks the connection.
func (c *cork) hold() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// size is how many bytes wait in the cork.
func (c *cork) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		return 0
	}
	return len(*c.buf)
}

// release uncorks the connection and writes what collected, with one
// syscall; a failed write fails every later one.
func (c *cork) release() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	if c.buf == nil {
		return c.err
	}
	b := c.buf
	c.buf = nil
	if c.err == nil && len(*b) > 0 {
		_, c.err = c.w.Write(*b)
	}
	if cap(*b) <= 64<<10 {
		*b = (*b)[:0]
		corkBufs.Put(b)
	}
	return c.err
}
