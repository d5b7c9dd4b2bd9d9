package persist

import (
	"bytes"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// sessionRef names one session record.
type sessionRef struct {
	ws, id string
}

// sessionCache is the LRU behind Store.GetSession. Finished sessions leave
// the hub's memory once wrapped up and are read back through it.
//
// Commit removes the sessions a batch wrote, after the batch is applied. A
// read that missed and raced with such a commit might otherwise put the old
// value back after the removal, so every removal bumps epoch, and a read only
// fills the cache if epoch did not move while it read the store.
type sessionCache struct {
	mu    sync.Mutex
	lru   *simplelru.LRU[sessionRef, []byte]
	epoch uint64
}

func newSessionCache(size int) *sessionCache {
	l, err := simplelru.NewLRU[sessionRef, []byte](size, nil)
	if err != nil {
		panic(err) // size > 0 is checked by the caller
	}
	return &sessionCache{lru: l}
}

// get returns a copy of the cached record, or the current epoch for fill.
func (c *sessionCache) get(ref sessionRef) (val []byte, epoch uint64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.lru.Get(ref)
	if ok {
		return bytes.Clone(v), c.epoch, true
	}
	return nil, c.epoch, false
}

// fill caches a copy of val unless a commit removed sessions since epoch.
func (c *sessionCache) fill(ref sessionRef, val []byte, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch == epoch {
		c.lru.Add(ref, bytes.Clone(val))
	}
}

// remove drops refs after a commit that wrote them.
func (c *sessionCache) remove(refs []sessionRef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for _, r := range refs {
		c.lru.Remove(r)
	}
}

// len is the number of cached records.
func (c *sessionCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
