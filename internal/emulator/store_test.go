package emulator_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

// TestStateFileRestart closes an emulator with work in progress and opens
// its state file again: instances, servers and pending transitions are
// all there, and the transitions finish by the clock.
func TestStateFileRestart(t *testing.T) {
	clock := emulatortest.NewStepClock()
	cfg := emulator.Config{StateFile: t.TempDir() + "/state.db", Servers: 4, CreateDuration: time.Minute,
		DeleteDuration: time.Minute, Now: clock.Now}
	a := newAPI(t, cfg)
	keep, gone, fresh := a.create("keep"), a.create("gone"), ""
	clock.Advance(time.Minute)
	a.mustDo("DELETE", "/instances/"+gone, nil, http.StatusNoContent, nil)
	fresh = a.create("fresh")
	_, _, serversBefore := a.do("GET", "/physicalservers", nil)
	if err := a.srv.Emulator.Close(); err != nil {
		t.Fatal(err)
	}

	b := newAPI(t, cfg)
	for id, want := range map[string]string{keep: "running", gone: "shutting-down", fresh: "pending"} {
		if s := b.status(id); s.State != want {
			t.Fatalf("after restart %s is %q, want %q", id, s.State, want)
		}
	}
	if _, _, serversAfter := b.do("GET", "/physicalservers", nil); string(serversAfter) != string(serversBefore) {
		t.Fatalf("servers changed across the restart:\n%s\n%s", serversBefore, serversAfter)
	}
	clock.Advance(time.Minute)
	if s := b.status(gone); s.State != "terminated" {
		t.Fatalf("deletion did not finish after the restart: %q", s.State)
	}
	if s := b.status(fresh); s.State != "running" {
		t.Fatalf("creation did not finish after the restart: %q", s.State)
	}

	// A reset is durable too.
	b.mustDo("POST", b.srv.URL+"/_emulator/reset", nil, http.StatusOK, nil)
	if err := b.srv.Emulator.Close(); err != nil {
		t.Fatal(err)
	}
	c := newAPI(t, cfg)
	status, _, data := c.do("GET", "/instances/"+keep+"/status", nil)
	wantError(t, status, data, http.StatusNotFound, "iMetal.0200")
}

func TestStateFileLocked(t *testing.T) {
	file := t.TempDir() + "/state.db"
	newAPI(t, emulator.Config{StateFile: file})
	_, err := emulator.New(emulator.Config{StateFile: file})
	if err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("second emulator on the same state file: %v, want a locked error", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  emulator.Config
		want string
	}{
		{"AK without SK", emulator.Config{AccessKey: "ak"}, "together"},
		{"negative servers", emulator.Config{Servers: -1}, "servers"},
		{"negative duration", emulator.Config{CreateDuration: -time.Second}, "create duration"},
		{"fault rate above 1", emulator.Config{FaultRate: 1.5}, "fault rate"},
		{"negative rate limit", emulator.Config{RateLimit: -1}, "rate limit"},
		{"project with slash", emulator.Config{ProjectID: "a/b"}, "project ID"},
		{"unwritable state file", emulator.Config{StateFile: "/nonexistent-dir/state.db"}, "state file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, err := emulator.New(tt.cfg)
			if err == nil {
				_ = e.Close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

// TestStateFileDamaged starts on state files that are not what they should
// be: each is refused with an error that names the file and says what is
// wrong, and the file is left as it was.
func TestStateFileDamaged(t *testing.T) {
	// A good file to damage: four servers and one instance.
	good := filepath.Join(t.TempDir(), "good.db")
	a := newAPI(t, emulator.Config{StateFile: good, Servers: 4})
	a.create("one")
	if err := a.srv.Emulator.Close(); err != nil {
		t.Fatal(err)
	}
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name  string
		write func(t *testing.T, path string)
		want  []string
	}{
		{"not a database", func(t *testing.T, path string) {
			writeFile(t, path, bytes.Repeat([]byte("not a bbolt file\n"), 1024))
		}, []string{"not a clouddc-emulator state file or damaged"}},
		{"cut short", func(t *testing.T, path string) {
			writeFile(t, path, goodBytes[:len(goodBytes)/3])
		}, []string{"state file"}},
		{"pages overwritten", func(t *testing.T, path string) {
			damaged := bytes.Clone(goodBytes)
			for i := 4096 * 2; i < len(damaged); i++ {
				damaged[i] = 0xff
			}
			writeFile(t, path, damaged)
		}, []string{"state file"}},
		{"a record that is not JSON", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte("instances"))
				if err != nil {
					return err
				}
				return b.Put([]byte("0198170e-4ca7-7ee4-89a7-fa631843920b"), []byte("{half a record"))
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}, []string{"damaged record", "0198170e-4ca7-7ee4-89a7-fa631843920b"}},
		{"a record under the wrong key", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte("servers"))
				if err != nil {
					return err
				}
				return b.Put([]byte("srv-1"), []byte(`{"id":"srv-2"}`))
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}, []string{"damaged record", "srv-1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			tt.write(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			e, err := emulator.New(emulator.Config{StateFile: path, Servers: 4})
			if err == nil {
				_ = e.Close()
				t.Fatal("a damaged state file was accepted")
			}
			t.Log(err)
			for _, want := range append([]string{path}, tt.want...) {
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("error %q does not mention %q", err, want)
				}
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
				t.Fatal("the emulator changed the damaged file it refused")
			}
		})
	}
}

// TestStateFileUnwritable starts on state file paths that cannot be
// written: each is refused with an error that names the path and says why.
func TestStateFileUnwritable(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	writeFile(t, regular, []byte("x"))
	readOnly := filepath.Join(dir, "read-only.db")
	a := newAPI(t, emulator.Config{StateFile: readOnly})
	if err := a.srv.Emulator.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(readOnly, 0o400); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, path, want string
		skip             string
	}{
		{name: "a directory", path: dir, want: "is a directory"},
		{name: "under a regular file", path: filepath.Join(regular, "state.db"), want: "not a directory"},
		{name: "in a missing directory", path: filepath.Join(dir, "missing", "state.db"), want: "no such file or directory"},
		{name: "a read-only file", path: readOnly, want: "cannot open it for writing",
			skip: map[bool]string{true: "running as root, whom file permissions do not stop"}[os.Geteuid() == 0]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip != "" {
				t.Skip(tt.skip)
			}
			e, err := emulator.New(emulator.Config{StateFile: tt.path})
			if err == nil {
				_ = e.Close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tt.path) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q: want it to name %s and say %q", err, tt.path, tt.want)
			}
		})
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
