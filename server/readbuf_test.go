package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
)

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// A socket's reader holds a read buffer only while bytes wait in it: what
// is written arrives whole and in order through the library's smallest
// bufio.Reader, the buffer goes back once everything was read, and the
// end of the connection reads as io.EOF.
func TestPooledReads(t *testing.T) {
	client, server := tcpPair(t)
	nc, br := readerFor(server)
	pc, ok := nc.(*pooledConn)
	if !ok {
		t.Skipf("no pooled reads on %T", server)
	}
	var want bytes.Buffer
	for i := range 50 {
		chunk := bytes.Repeat([]byte{byte('a' + i%26)}, 1+i*97%3000) // up to 2 buffers' worth
		want.Write(chunk)
		if _, err := client.Write(chunk); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(chunk))
		// Like the library: a header byte by byte, the payload at once.
		b, err := br.ReadByte()
		if err != nil {
			t.Fatal(err)
		}
		got[0] = b
		if _, err := io.ReadFull(br, got[1:]); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, chunk) {
			t.Fatalf("chunk %d: read %q…, want %q…", i, got[:min(8, len(got))], chunk[:min(8, len(chunk))])
		}
		if pc.buf != nil {
			t.Fatalf("chunk %d: a read buffer is held with nothing waiting (%d bytes)", i, pc.w-pc.r)
		}
	}
	client.Close()
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the peer closed: %v, want EOF", err)
	}
}

// Closing the connection ends a read waiting on it.
func TestPooledReadEndsOnClose(t *testing.T) {
	_, server := tcpPair(t)
	nc, _ := readerFor(server)
	if _, ok := nc.(*pooledConn); !ok {
		t.Skipf("no pooled reads on %T", server)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := nc.Read(make([]byte, 16))
		errc <- err
	}()
	nc.Close()
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read after close: %v, want net.ErrClosed", err)
	}
}
