package server

import (
	"sync"

	"github.com/coder/websocket"
)

// socketSet is the server's open sockets, so that shutdown can close each
// with 1001: no goroutine of a socket waits for shutdown (an idle socket
// has only its reader, blocked on the connection).
type socketSet struct {
	mu     sync.Mutex
	open   map[*conn]struct{}
	closed bool // closeAll ran: no socket stays open
}

// add records c as open. Once closeAll ran, c is closed with 1001 instead.
func (ss *socketSet) add(c *conn) {
	ss.mu.Lock()
	if ss.closed {
		ss.mu.Unlock()
		closeGoingAway(c)
		return
	}
	if ss.open == nil {
		ss.open = map[*conn]struct{}{}
	}
	ss.open[c] = struct{}{}
	ss.mu.Unlock()
}

// remove forgets c (it closed).
func (ss *socketSet) remove(c *conn) {
	ss.mu.Lock()
	delete(ss.open, c)
	ss.mu.Unlock()
}

// closeAll closes every open socket with 1001, and every socket added
// later. It does not wait.
func (ss *socketSet) closeAll() {
	ss.mu.Lock()
	ss.closed = true
	open := make([]*conn, 0, len(ss.open))
	for c := range ss.open {
		open = append(open, c)
	}
	ss.mu.Unlock()
	for _, c := range open { // outside mu: closing one removes it
		closeGoingAway(c)
	}
}

func closeGoingAway(c *conn) { c.close(websocket.StatusGoingAway, "server shutting down") }
