// Command clouddc-emulator serves a local emulator of the Huawei Cloud
// CloudDC API for tests, demos and CI. See README.md beside this file.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the command line settings.
type options struct {
	listen, logLevel, tlsCert, tlsKey string
	cfg                               emulator.Config
}

// envPrefix prefixes the environment variable of every flag:
// --create-duration is also CLOUDDC_EMULATOR_CREATE_DURATION.
const envPrefix = "CLOUDDC_EMULATOR_"

func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseOptions reads flags, falling back to CLOUDDC_EMULATOR_* variables
// for flags not given on the command line.
func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("clouddc-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &o.cfg
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8787", "address to listen on; port 0 picks a free port")
	fs.StringVar(&c.ProjectID, "project-id", emulator.DefaultProjectID, "the one project served; other project IDs in a path get 403")
	fs.StringVar(&c.Token, "token", emulator.DefaultToken, "static token accepted in X-Auth-Token (empty: none; tokens from POST /v3/auth/tokens work too)")
	fs.StringVar(&c.AccessKey, "access-key", "", "access key accepted on SDK-HMAC-SHA256 signed requests (with --secret-key)")
	fs.StringVar(&c.SecretKey, "secret-key", "", "secret key of --access-key")
	fs.IntVar(&c.Servers, "servers", 100, "ready physical servers seeded at start")
	fs.DurationVar(&c.CreateDuration, "create-duration", 5*time.Second, "how long instances stay pending (create, reinstall, IP change)")
	fs.DurationVar(&c.DeleteDuration, "delete-duration", 5*time.Second, "how long instances stay shutting-down")
	fs.DurationVar(&c.PowerDuration, "power-duration", 0, "how long a server power change takes (0: --create-duration)")
	fs.DurationVar(&c.TerminatedTTL, "terminated-ttl", emulator.DefaultTerminatedTTL, "how long terminated instances stay visible before lookups give 404")
	fs.DurationVar(&c.TokenTTL, "token-ttl", emulator.DefaultTokenTTL, "how long tokens from POST /v3/auth/tokens are valid")
	fs.StringVar(&c.StateFile, "state-file", "", "persist everything in this file (bbolt); empty keeps all in memory")
	fs.Float64Var(&c.RateLimit, "rate-limit", 0, "API requests per second; above it 429 with Retry-After (0: unlimited)")
	fs.Float64Var(&c.FaultRate, "fault-rate", 0, "share (0-1) of API requests that fail with 500 iMetal.0099 before any side effect")
	fs.Float64Var(&c.DeleteFailureRate, "delete-failure-rate", 0, "share (0-1) of deletions that end in state error (delete_instance_error)")
	fs.Int64Var(&c.Seed, "seed", 0, "seed of the random choices (0: random)")
	fs.StringVar(&o.logLevel, "log-level", "info", "request log level: debug, info, warn or error")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate (with --tls-key)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: clouddc-emulator [flags]\n\n"+
			"A local emulator of the Huawei Cloud CloudDC API. Every flag can also be set\n"+
			"as an environment variable %s<FLAG> (upper snake case, e.g.\n"+
			"%s); a flag on the command line wins.\n\nFlags:\n", envPrefix, envName("create-duration"))
		fs.PrintDefaults()
	}

	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" && envErr == nil {
			if err := f.Value.Set(v); err != nil {
				envErr = fmt.Errorf("%s=%q: %w", envName(f.Name), v, err)
			}
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return nil, errors.New("--tls-cert and --tls-key must be given together")
	}
	return o, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// run starts the emulator and serves until ctx ends. It returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "clouddc-emulator:", err)
		return 2
	}
	level, err := parseLevel(o.logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "clouddc-emulator:", err)
		return 2
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	if err := serve(ctx, o, logger, stdout); err != nil {
		fmt.Fprintln(stderr, "clouddc-emulator:", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, o *options, logger *slog.Logger, stdout io.Writer) error {
	o.cfg.Logger = logger
	var certs []tls.Certificate
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		certs = []tls.Certificate{cert}
	}
	emu, err := emulator.New(o.cfg)
	if err != nil {
		return err
	}
	defer func() {
		if err := emu.Close(); err != nil {
			logger.Error("closing the emulator failed", "error", err)
		}
	}()

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.listen, err)
	}
	scheme := "http"
	if certs != nil {
		scheme = "https"
		ln = tls.NewListener(ln, &tls.Config{Certificates: certs, MinVersion: tls.VersionTLS12})
	}
	srv := &http.Server{
		Handler:           emu,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "clouddc-emulator listening on %s://%s\n", scheme, ln.Addr().String())
	logger.Info("started", "address", ln.Addr().String(), "project_id", o.cfg.ProjectID,
		"servers", o.cfg.Servers, "state_file", o.cfg.StateFile)

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
