// Package server puts hubs on the network: the agent and visitor websocket
// endpoints of PROTOCOL.md (docs/protocol.md), the HTTP API, the bundled
// pages, and operations endpoints. Wire encoding lives here, next to the
// sockets that speak it.
//
// Each socket has a reader goroutine, which decodes and validates frames
// (size, schema, lengths) and sends commands to its workspace's hub, and a
// writer goroutine, the only one that writes to the socket, which numbers
// every frame (seq) and drains a bounded queue; the writer runs only while
// there is something to write (writer.go), so an idle socket holds just its
// reader. Shutdown closes every open socket (sockets.go). Bad input is answered with an
// error frame and never reaches the hub. A socket whose queue is full is
// closed with 1013 (try again later); the hub never waits on it.
package server
