//go:build unix

package server

import (
	"io"
	"net"
	"os"
	"syscall"
)

// pooledConn is a connection whose Read holds a pooled buffer only while
// bytes wait in it. Only the socket's reader reads it (the library
// serializes its reads); writes and Close go to the connection.
type pooledConn struct {
	net.Conn
	rc   syscall.RawConn
	fill func(fd uintptr) bool // rc's read callback, made once
	buf  *[]byte               // from readBufs; nil while nothing waits
	r, w int                   // the bytes waiting: (*buf)[r:w]
	err  error                 // the last fill's error
}

// newPooledConn returns nc with pooled reads, or nil when nc gives no raw
// access to its socket.
func newPooledConn(nc net.Conn) *pooledConn {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	pc := &pooledConn{Conn: nc, rc: rc}
	pc.fill = pc.readSome
	return pc
}

// Read copies waiting bytes to p, first waiting for some (without a
// buffer) when none wait. The buffer goes back to the pool once emptied.
func (pc *pooledConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if pc.buf == nil {
		if err := pc.rc.Read(pc.fill); err != nil {
			return 0, err // closed, or a read deadline passed
		}
		if pc.err != nil {
			return 0, pc.err
		}
	}
	n := copy(p, (*pc.buf)[pc.r:pc.w])
	if pc.r += n; pc.r == pc.w {
		readBufs.Put(pc.buf)
		pc.buf = nil
	}
	return n, nil
}

// readSome is rc's read callback: one read of what arrived into a pooled
// buffer. false (nothing there yet) makes rc wait until the socket is
// readable, with the buffer back in the pool.
func (pc *pooledConn) readSome(fd uintptr) bool {
	b := readBufs.Get().(*[]byte)
	n, err := syscall.Read(int(fd), *b)
	for err == syscall.EINTR {
		n, err = syscall.Read(int(fd), *b)
	}
	switch {
	case err == syscall.EAGAIN:
		readBufs.Put(b)
		return false
	case err != nil:
		readBufs.Put(b)
		pc.err = &net.OpError{Op: "read", Net: pc.LocalAddr().Network(), Source: pc.LocalAddr(),
			Addr: pc.RemoteAddr(), Err: os.NewSyscallError("read", err)}
	case n == 0:
		readBufs.Put(b)
		pc.err = io.EOF
	default:
		pc.buf, pc.r, pc.w, pc.err = b, 0, n, nil
	}
	return true
}
