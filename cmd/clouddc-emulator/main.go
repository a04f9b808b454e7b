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
	"strconv"
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

// Exit codes.
const (
	exitOK = 0
	// exitFailed: the emulator could not start (state file, listen
	// address, TLS files) or stopped serving with an error.
	exitFailed = 1
	// exitUsage: a flag or CLOUDDC_EMULATOR_* variable is invalid.
	exitUsage = 2
)

// HTTP server defaults: every connection is bounded in time, so a client
// that stalls (or never sends a request) cannot hold one open for ever.
const (
	defaultReadTimeout  = 30 * time.Second
	defaultWriteTimeout = 30 * time.Second
	defaultIdleTimeout  = 2 * time.Minute
	// maxReadHeaderTimeout bounds reading a request's headers (less when
	// --read-timeout is shorter).
	maxReadHeaderTimeout = 10 * time.Second
	// maxHeaderBytes bounds a request's headers; the API's are small.
	maxHeaderBytes = 64 << 10
	// maxTimeout is the longest --read-timeout, --write-timeout and
	// --idle-timeout.
	maxTimeout = 24 * time.Hour
)

// options are the command line settings.
type options struct {
	listen, logLevel, tlsCert, tlsKey      string
	readTimeout, writeTimeout, idleTimeout time.Duration
	cfg                                    emulator.Config
}

// envPrefix prefixes the environment variable of every flag:
// --create-duration is also CLOUDDC_EMULATOR_CREATE_DURATION.
const envPrefix = "CLOUDDC_EMULATOR_"

func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// checked is a flag value that parses with parse and refuses, with
// check's message, any value check refuses. The same check applies to the
// flag and to its environment variable.
type checked[T any] struct {
	p     *T
	parse func(string) (T, error)
	check func(T) error
}

func (c *checked[T]) String() string {
	if c == nil || c.p == nil {
		var zero T
		return fmt.Sprint(zero)
	}
	return fmt.Sprint(*c.p)
}

func (c *checked[T]) Set(s string) error {
	v, err := c.parse(strings.TrimSpace(s))
	if err != nil {
		return err
	}
	if err := c.check(v); err != nil {
		return err
	}
	*c.p = v
	return nil
}

func parseInt(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errors.New("not a whole number")
	}
	return n, nil
}

func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, errors.New("not a number")
	}
	return f, nil
}

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("not a duration (examples: 150ms, 2s, 1m30s)")
	}
	return d, nil
}

func intVar(fs *flag.FlagSet, p *int, name string, def int, usage string, check func(int) error) {
	*p = def
	fs.Var(&checked[int]{p: p, parse: parseInt, check: check}, name, usage)
}

// floatVar defines a float flag that defaults to 0 (every float setting
// is a share or a rate that is off by default).
func floatVar(fs *flag.FlagSet, p *float64, name, usage string, check func(float64) error) {
	*p = 0
	fs.Var(&checked[float64]{p: p, parse: parseFloat, check: check}, name, usage)
}

func durationVar(fs *flag.FlagSet, p *time.Duration, name string, def time.Duration, usage string, check func(time.Duration) error) {
	*p = def
	fs.Var(&checked[time.Duration]{p: p, parse: parseDuration, check: check}, name, usage)
}

// setting returns a check of a duration setting of the emulator.
func setting(what string) func(time.Duration) error {
	return func(d time.Duration) error { return emulator.CheckDuration(what, d) }
}

// timeout checks an HTTP server timeout: more than 0, at most maxTimeout.
func timeout(what string) func(time.Duration) error {
	return func(d time.Duration) error {
		if d <= 0 || d > maxTimeout {
			return fmt.Errorf("%s must be more than 0 and at most %s, got %s", what, maxTimeout, d)
		}
		return nil
	}
}

// parseOptions reads flags, falling back to CLOUDDC_EMULATOR_* variables
// for flags not given on the command line. Every value is checked here, so
// a bad one is a usage error naming the flag or variable.
func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("clouddc-emulator", flag.ContinueOnError)
	// The flag package would print a parse error and the whole usage; run
	// reports the error itself, on one line. Only -h shows the usage.
	fs.SetOutput(io.Discard)
	c := &o.cfg
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8787", "address to listen on; port 0 picks a free port")
	fs.StringVar(&c.ProjectID, "project-id", emulator.DefaultProjectID, "the one project served; other project IDs in a path get 403")
	fs.StringVar(&c.Token, "token", emulator.DefaultToken, "static token accepted in X-Auth-Token (empty: none; tokens from POST /v3/auth/tokens work too)")
	fs.StringVar(&c.AccessKey, "access-key", "", "access key accepted on SDK-HMAC-SHA256 signed requests (with --secret-key)")
	fs.StringVar(&c.SecretKey, "secret-key", "", "secret key of --access-key")
	intVar(fs, &c.Servers, "servers", 100, fmt.Sprintf("`number` of ready physical servers seeded at start (0-%d)", emulator.MaxServers),
		func(n int) error { return emulator.CheckServers("servers", n) })
	durationVar(fs, &c.CreateDuration, "create-duration", 5*time.Second, "how long instances stay pending (create, reinstall, IP change), a `duration` such as 500ms or 2s", setting("create duration"))
	durationVar(fs, &c.DeleteDuration, "delete-duration", 5*time.Second, "how long instances stay shutting-down, a `duration`", setting("delete duration"))
	durationVar(fs, &c.PowerDuration, "power-duration", 0, "how long a server power change takes, a `duration` (0: --create-duration)", setting("power duration"))
	durationVar(fs, &c.TerminatedTTL, "terminated-ttl", emulator.DefaultTerminatedTTL, "how long (a `duration`) terminated instances stay visible before lookups give 404", setting("terminated TTL"))
	durationVar(fs, &c.TokenTTL, "token-ttl", emulator.DefaultTokenTTL, "how long (a `duration`) tokens from POST /v3/auth/tokens are valid", setting("token TTL"))
	fs.StringVar(&c.StateFile, "state-file", "", "persist everything in this file (bbolt); empty keeps all in memory")
	floatVar(fs, &c.RateLimit, "rate-limit", fmt.Sprintf("API requests per second (`rps`); above it 429 with Retry-After (0: unlimited; at most %d)", emulator.MaxRateLimit),
		func(v float64) error { return emulator.CheckRateLimit("rate limit", v) })
	floatVar(fs, &c.FaultRate, "fault-rate", "`share` (0-1) of API requests that fail with 500 iMetal.0099 before any side effect",
		func(v float64) error { return emulator.CheckShare("fault rate", v) })
	floatVar(fs, &c.DeleteFailureRate, "delete-failure-rate", "`share` (0-1) of deletions that end in state error (delete_instance_error)",
		func(v float64) error { return emulator.CheckShare("delete failure rate", v) })
	floatVar(fs, &c.PowerFailureRate, "power-failure-rate", "`share` (0-1) of server power changes that end in operation_state power-on-failed, power-off-failed or reboot-failed",
		func(v float64) error { return emulator.CheckShare("power failure rate", v) })
	fs.Int64Var(&c.Seed, "seed", 0, "seed of the random choices (0: random)")
	fs.StringVar(&o.logLevel, "log-level", "info", "request log level: debug, info, warn or error")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate (with --tls-key)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	durationVar(fs, &o.readTimeout, "read-timeout", defaultReadTimeout, "longest time (a `duration`) to read a request, body included", timeout("read timeout"))
	durationVar(fs, &o.writeTimeout, "write-timeout", defaultWriteTimeout, "longest time (a `duration`) from the end of a request's headers to the end of its answer", timeout("write timeout"))
	durationVar(fs, &o.idleTimeout, "idle-timeout", defaultIdleTimeout, "how long (a `duration`) an idle keep-alive connection stays open", timeout("idle timeout"))
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
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.Usage()
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return nil, errors.New("--tls-cert and --tls-key must be given together")
	}
	if (c.AccessKey == "") != (c.SecretKey == "") {
		return nil, errors.New("--access-key and --secret-key must be given together")
	}
	if err := emulator.CheckProjectID(c.ProjectID); err != nil {
		return nil, fmt.Errorf("--project-id: %w", err)
	}
	if _, _, err := net.SplitHostPort(o.listen); err != nil {
		return nil, fmt.Errorf("--listen %q: want HOST:PORT, e.g. 127.0.0.1:8787 or 127.0.0.1:0 (%w)", o.listen, err)
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
			return exitOK
		}
		fmt.Fprintln(stderr, "clouddc-emulator:", err)
		return exitUsage
	}
	level, err := parseLevel(o.logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "clouddc-emulator:", err)
		return exitUsage
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	if err := serve(ctx, o, logger, stdout); err != nil {
		fmt.Fprintln(stderr, "clouddc-emulator:", err)
		return exitFailed
	}
	return exitOK
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
	srv := newHTTPServer(o, emu, logger)
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

// newHTTPServer returns the HTTP server of the emulator, every connection
// bounded in time.
func newHTTPServer(o *options, h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(maxReadHeaderTimeout, o.readTimeout),
		ReadTimeout:       o.readTimeout,
		WriteTimeout:      o.writeTimeout,
		IdleTimeout:       o.idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}
