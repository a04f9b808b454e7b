package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// store persists the emulator's state. Every write operation hands its
// changes to save before it answers, so an acknowledged write is durable.
type store interface {
	// load returns everything stored.
	load() (instances []instanceRecord, servers []serverRecord, err error)
	// save stores c atomically: all of it or, when it fails, none.
	save(c *changes) error
	// meta returns the value stored under key, or nil.
	meta(key string) ([]byte, error)
	// putMeta stores value under key.
	putMeta(key string, value []byte) error
	close() error
}

// memStore is the store of an emulator without --state-file: nothing survives it.
type memStore struct{ kv map[string][]byte }

func (m *memStore) load() ([]instanceRecord, []serverRecord, error) { return nil, nil, nil }
func (m *memStore) save(*changes) error                             { return nil }
func (m *memStore) meta(key string) ([]byte, error)                 { return m.kv[key], nil }
func (m *memStore) putMeta(key string, value []byte) error {
	if m.kv == nil {
		m.kv = map[string][]byte{}
	}
	m.kv[key] = value
	return nil
}
func (m *memStore) close() error { return nil }

var (
	bucketInstances = []byte("instances")
	bucketServers   = []byte("servers")
	bucketMeta      = []byte("meta")
)

// boltStore keeps the state in a bbolt file. bbolt commits with fsync, so
// a save that returned survives kill -9 and power loss, and a save that
// failed (disk full, I/O error) is rolled back whole.
type boltStore struct {
	db   *bolt.DB
	path string
	// failSave, when set (by tests only, while holding the backend's write
	// lock), fails every save after its changes are written into the
	// transaction and before it commits, as a full disk or an I/O error at
	// commit would: bbolt rolls the whole transaction back.
	failSave error
}

func openBoltStore(path string) (bs *boltStore, err error) {
	// bbolt trusts the file's pages: a damaged file can make it panic, and
	// one cut short makes it read past the end of its memory map (SIGBUS).
	// Both become an error naming the file.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			bs, err = nil, fmt.Errorf("state file %s is damaged (%v); move it away or pass another --state-file", path, r)
		}
	}()
	if fi, statErr := os.Stat(path); statErr == nil && fi.IsDir() {
		return nil, fmt.Errorf("state file %s is a directory; pass a file path", path)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		switch {
		case errors.Is(err, bolterrors.ErrTimeout):
			return nil, fmt.Errorf("open state file %s: it is locked by another process (is another emulator using it?)", path)
		case errors.Is(err, fs.ErrPermission):
			return nil, fmt.Errorf("open state file %s: cannot open it for writing (%w)", path, err)
		}
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			// The file system refused: missing directory, not a directory, ...
			return nil, fmt.Errorf("open state file %s: %w", path, err)
		}
		// bbolt refused the content (bad magic, checksum, version or size).
		return nil, fmt.Errorf("open state file %s: not a clouddc-emulator state file or damaged (%w); move it away or pass another --state-file", path, err)
	}
	// Nothing is written until the file has loaded: a file refused as
	// damaged is left exactly as it was. Buckets are made by the first write.
	return &boltStore{db: db, path: path}, nil
}

// bucket returns the bucket name of a write transaction, making it if the
// file does not have it yet.
func bucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	return tx.CreateBucketIfNotExists(name)
}

// forEach calls fn for every record of the bucket name; a file without the
// bucket has no records.
func forEach(tx *bolt.Tx, name []byte, fn func(k, v []byte) error) error {
	b := tx.Bucket(name)
	if b == nil {
		return nil
	}
	return b.ForEach(fn)
}

func (b *boltStore) load() (instances []instanceRecord, servers []serverRecord, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			instances, servers, err = nil, nil, fmt.Errorf("state file %s is damaged (%v); move it away or pass another --state-file", b.path, r)
		}
	}()
	err = b.db.View(func(tx *bolt.Tx) error {
		err := forEach(tx, bucketInstances, func(k, v []byte) error {
			var r instanceRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("instance %q: %w", k, err)
			}
			if !isUUID(r.ID) || r.ID != string(k) {
				return fmt.Errorf("instance %q: the record's ID is %q", k, r.ID)
			}
			instances = append(instances, r)
			return nil
		})
		if err != nil {
			return err
		}
		return forEach(tx, bucketServers, func(k, v []byte) error {
			var r serverRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("server %q: %w", k, err)
			}
			if !isUUID(r.ID) || r.ID != string(k) {
				return fmt.Errorf("server %q: the record's ID is %q", k, r.ID)
			}
			servers = append(servers, r)
			return nil
		})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("state file %s holds a damaged record: %w; move it away or pass another --state-file", b.path, err)
	}
	return instances, servers, nil
}

func (b *boltStore) save(c *changes) error {
	err := b.db.Update(func(tx *bolt.Tx) error {
		if c.reset {
			for _, name := range [][]byte{bucketInstances, bucketServers} {
				if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
					return err
				}
			}
		}
		ib, err := bucket(tx, bucketInstances)
		if err != nil {
			return err
		}
		sb, err := bucket(tx, bucketServers)
		if err != nil {
			return err
		}
		for _, r := range c.instances {
			if err := putJSON(ib, r.ID, r); err != nil {
				return err
			}
		}
		for _, r := range c.servers {
			if err := putJSON(sb, r.ID, r); err != nil {
				return err
			}
		}
		for _, id := range c.deleteInstances {
			if err := ib.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return b.failSave
	})
	if err != nil {
		return fmt.Errorf("save state to %s: %w", b.path, err)
	}
	return nil
}

func (b *boltStore) meta(key string) ([]byte, error) {
	var v []byte
	err := b.db.View(func(tx *bolt.Tx) error {
		if mb := tx.Bucket(bucketMeta); mb != nil {
			if got := mb.Get([]byte(key)); got != nil {
				v = append([]byte(nil), got...)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s from %s: %w", key, b.path, err)
	}
	return v, nil
}

func (b *boltStore) putMeta(key string, value []byte) error {
	err := b.db.Update(func(tx *bolt.Tx) error {
		mb, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		return mb.Put([]byte(key), value)
	})
	if err != nil {
		return fmt.Errorf("write %s to %s: %w", key, b.path, err)
	}
	return nil
}

func (b *boltStore) close() error { return b.db.Close() }

func putJSON(b *bolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return b.Put([]byte(key), data)
}
