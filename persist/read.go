package persist

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Point reads. Each returns a copy of the stored value that the caller owns,
// or ErrNotFound.

// GetMeta reads the server-level record name.
func (s *Store) GetMeta(name string) ([]byte, error) {
	return s.get(keyMeta(nil, name))
}

// GetWorkspace reads workspace ws's own record.
func (s *Store) GetWorkspace(ws string) ([]byte, error) {
	return s.get(keyWorkspace(nil, ws))
}

// GetCheckpoint reads workspace ws's checkpoint.
func (s *Store) GetCheckpoint(ws string) ([]byte, error) {
	return s.get(keyCheckpoint(nil, ws))
}

// GetQueue reads queue id of workspace ws.
func (s *Store) GetQueue(ws, id string) ([]byte, error) {
	return s.get(keyQueue(nil, ws, id))
}

// GetAgent reads agent id of workspace ws.
func (s *Store) GetAgent(ws, id string) ([]byte, error) {
	return s.get(keyAgent(nil, ws, id))
}

// GetVisitor reads visitor id of workspace ws.
func (s *Store) GetVisitor(ws, id string) ([]byte, error) {
	return s.get(keyVisitor(nil, ws, id))
}

// GetSession reads session id of workspace ws, through the session cache
// when it is enabled (Options.SessionCacheSize).
func (s *Store) GetSession(ws, id string) ([]byte, error) {
	if s.cache == nil {
		return s.get(keySession(nil, ws, id))
	}
	ref := sessionRef{ws: ws, id: id}
	if err := s.acquire(); err != nil {
		return nil, err
	}
	defer s.release()
	val, epoch, ok := s.cache.get(ref)
	if ok {
		return val, nil
	}
	val, err := s.getAcquired(keySession(nil, ws, id))
	if err != nil {
		return nil, err
	}
	s.cache.fill(ref, val, epoch)
	return val, nil
}

// AgentByToken returns the workspace and agent that the token hash names.
func (s *Store) AgentByToken(hash []byte) (ws, agentID string, err error) {
	v, err := s.get(keyToken(nil, hash))
	if err != nil {
		return "", "", err
	}
	ws, agentID, ok := readTokenValue(v)
	if !ok {
		return "", "", fmt.Errorf("persist: malformed token record %q", v)
	}
	return ws, agentID, nil
}

// get reads key.
func (s *Store) get(key []byte) ([]byte, error) {
	if err := s.acquire(); err != nil {
		return nil, err
	}
	defer s.release()
	return s.getAcquired(key)
}

// getAcquired reads key; the caller holds acquire.
func (s *Store) getAcquired(key []byte) ([]byte, error) {
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("persist: get %q: %w", key, err)
	}
	// v belongs to Pebble until closer is closed.
	out := bytes.Clone(v)
	if out == nil {
		out = []byte{}
	}
	if err := closer.Close(); err != nil {
		return nil, fmt.Errorf("persist: get %q: %w", key, err)
	}
	return out, nil
}
