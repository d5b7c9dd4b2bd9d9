package server

import (
	"bufio"
	"net"
	"sync"
)

// A socket's reads go through a read buffer held only while bytes wait in
// it: an idle socket, blocked on its connection, holds none (issue 6: Go
// heap per idle socket from 7.6 to 6.9 KiB, medians of 3 runs of
// `switchboard bench --hold` with 15,000 sockets). The websocket library
// wants a bufio.Reader; it gets one of the smallest size over a
// pooledConn, which waits for the connection to be readable without a
// buffer and takes one from readBufs only to read what arrived. Where the
// connection gives no raw access (not a socket), reads go through a plain
// buffer of readBufSize for the socket's life, as before.

// readBufs are the sockets' read buffers, held only while bytes wait.
var readBufs = sync.Pool{New: func() any { b := make([]byte, readBufSize); return &b }}

// minReadBuf is the smallest buffer bufio.Reader takes: enough for a frame
// header; payloads are read past it, straight from the pooled buffer.
const minReadBuf = 16

// readerFor returns the connection the websocket library reads (and
// closes) and its bufio.Reader.
func readerFor(nc net.Conn) (net.Conn, *bufio.Reader) {
	if pc := newPooledConn(nc); pc != nil {
		return pc, bufio.NewReaderSize(pc, minReadBuf)
	}
	return nc, bufio.NewReaderSize(nc, readBufSize)
}
