//go:build !unix

package server

import "net"

// pooledConn needs raw reads on a Unix socket: elsewhere reads go through
// a plain buffer.
type pooledConn struct{ net.Conn }

func newPooledConn(net.Conn) *pooledConn { return nil }
