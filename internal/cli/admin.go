package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ConnectTimeout bounds how long a tool waits for the first answer from a
// bootstrap server before it gives up with one line naming the address.
// Kafka's tools retry for default.api.timeout.ms (60 s) and flood stderr
// meanwhile; one clear line after a few seconds serves a user better.
var ConnectTimeout = 5 * time.Second

// Admin is a connected admin client for a tool.
type Admin struct {
	Client *kgo.Client
	Adm    *kadm.Client
	// Bootstrap is the address list as given, for error messages.
	Bootstrap string
}

// Close releases the connections.
func (a *Admin) Close() { a.Client.Close() }

// ConnectError says a tool could not reach any bootstrap server. Its text
// is the one line a tool prints before exiting 1.
type ConnectError struct {
	Bootstrap string
	Err       error
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("Could not connect to the Kafka cluster at %s: %v", e.Bootstrap, e.Err)
}

func (e *ConnectError) Unwrap() error { return e.Err }

// Connect opens a client to the comma-separated bootstrap servers, with
// the client properties props (from --command-config and friends; may be
// nil) applied, and checks that a broker answers within ConnectTimeout.
// extra options come last and win.
func Connect(ctx context.Context, bootstrap string, props map[string]string, extra ...kgo.Opt) (*Admin, error) {
	seeds := SplitBootstrap(bootstrap)
	if len(seeds) == 0 {
		return nil, errors.New("--bootstrap-server must be specified")
	}
	opts := []kgo.Opt{kgo.SeedBrokers(seeds...), kgo.ClientID("samsa-tools")}
	if len(props) > 0 {
		cc, err := ConsumerOpts(props)
		if err != nil {
			return nil, err
		}
		opts = append(opts, cc.Opts...)
	}
	opts = append(opts, extra...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("creating client for %s: %w", bootstrap, err)
	}
	if err := Ping(ctx, cl, bootstrap); err != nil {
		cl.Close()
		return nil, err
	}
	return &Admin{Client: cl, Adm: kadm.NewClient(cl), Bootstrap: bootstrap}, nil
}

// Ping asks any seed for ApiVersions within ConnectTimeout and turns a
// failure into a ConnectError.
func Ping(ctx context.Context, cl *kgo.Client, bootstrap string) error {
	pctx, cancel := context.WithTimeout(ctx, ConnectTimeout)
	defer cancel()
	var last error
	for {
		req := kmsg.NewPtrApiVersionsRequest()
		req.ClientSoftwareName = "samsa-tools"
		req.ClientSoftwareVersion = "1"
		_, err := req.RequestWith(pctx, cl)
		if err == nil {
			return nil
		}
		last = err
		if pctx.Err() != nil {
			break
		}
		select {
		case <-pctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
		if pctx.Err() != nil {
			break
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return &ConnectError{Bootstrap: bootstrap, Err: simplifyNetErr(last)}
}

// simplifyNetErr strips the dial wrapping down to the cause a user can act
// on ("connection refused", "no such host", "i/o timeout").
func simplifyNetErr(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		msg := op.Err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return errors.New(msg)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no broker answered within %v", ConnectTimeout)
	}
	return err
}

// SplitBootstrap splits "h1:9092, h2:9092" into trimmed, non-empty
// addresses.
func SplitBootstrap(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
