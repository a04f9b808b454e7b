// Package emulatortest runs an in-process CloudDC emulator on an httptest
// server for tests.
package emulatortest

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
)

// Test defaults filled into zero Config fields by Start.
const (
	DefaultProjectID      = "0123456789abcdef0123456789abcdef"
	DefaultToken          = "test-token"
	DefaultServers        = 200
	DefaultCreateDuration = 50 * time.Millisecond
	DefaultDeleteDuration = 50 * time.Millisecond
	DefaultTerminatedTTL  = time.Minute
)

// Server is a running emulator.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234 (no trailing slash).
	URL string
	// Emulator is the emulator behind URL, for Stats, SetFaults and Reset.
	Emulator *emulator.Emulator
	// Config is the configuration used, defaults filled in.
	Config emulator.Config
}

// Start starts an emulator for cfg on a local httptest server and stops it
// when the test ends. Zero fields get test defaults: ProjectID
// DefaultProjectID, Token DefaultToken, Servers DefaultServers, create and
// delete durations 50ms, TerminatedTTL one minute.
func Start(t testing.TB, cfg emulator.Config) *Server {
	t.Helper()
	if cfg.ProjectID == "" {
		cfg.ProjectID = DefaultProjectID
	}
	if cfg.Token == "" {
		cfg.Token = DefaultToken
	}
	if cfg.Servers == 0 {
		cfg.Servers = DefaultServers
	}
	if cfg.CreateDuration == 0 {
		cfg.CreateDuration = DefaultCreateDuration
	}
	if cfg.DeleteDuration == 0 {
		cfg.DeleteDuration = DefaultDeleteDuration
	}
	if cfg.TerminatedTTL == 0 {
		cfg.TerminatedTTL = DefaultTerminatedTTL
	}
	emu, err := emulator.New(cfg)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(func() {
		srv.Close()
		if err := emu.Close(); err != nil {
			t.Errorf("close emulator: %v", err)
		}
	})
	return &Server{URL: srv.URL, Emulator: emu, Config: cfg}
}
