package export

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DirSink writes each session's document to <dir>/<workspace>/<session>.json,
// replacing the file atomically (a temporary file in the same directory,
// synced, then renamed over it), so that a reader sees the old document or
// the new one, never a part.
type DirSink struct {
	dir string
}

// NewDirSink returns a DirSink writing under dir, which it creates if
// needed.
func NewDirSink(dir string) (*DirSink, error) {
	if dir == "" {
		return nil, fmt.Errorf("export: dir sink: no directory")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("export: dir sink: %w", err)
	}
	return &DirSink{dir: dir}, nil
}

// Name implements Sink: "dir".
func (d *DirSink) Name() string { return "dir" }

// Dir returns the directory the sink writes under.
func (d *DirSink) Dir() string { return d.dir }

// Path returns the file of session sessionID of workspace.
func (d *DirSink) Path(workspace, sessionID string) string {
	return filepath.Join(d.dir, workspace, sessionID+".json")
}

// Send implements Sink. An id that cannot be a file name (empty, "." or
// "..", or holding a path separator or NUL) is a permanent failure.
func (d *DirSink) Send(_ context.Context, workspace, sessionID string, doc []byte) error {
	for _, name := range [...]string{workspace, sessionID} {
		if !safeName(name) {
			return Permanent(fmt.Errorf("export: dir sink: %q cannot be a file name", name))
		}
	}
	wsDir := filepath.Join(d.dir, workspace)
	if err := os.MkdirAll(wsDir, 0o750); err != nil {
		return fmt.Errorf("export: dir sink: %w", err)
	}
	if err := writeAtomic(wsDir, sessionID+".json", doc); err != nil {
		return fmt.Errorf("export: dir sink: session %s: %w", sessionID, err)
	}
	return nil
}

// writeAtomic replaces dir/name with data: temporary file, fsync, rename,
// fsync of the directory.
func writeAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(0o640); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// safeName reports whether s can be used as one path element.
func safeName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, `/\`+"\x00")
}
