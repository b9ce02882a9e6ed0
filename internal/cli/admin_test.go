package cli

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// A closed port fails fast with one line naming the address.
func TestConnectRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	old := ConnectTimeout
	ConnectTimeout = time.Second
	defer func() { ConnectTimeout = old }()
	_, err = Connect(context.Background(), addr, nil)
	var ce *ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("Connect = %v, want a ConnectError", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, addr) || strings.Contains(msg, "\n") {
		t.Fatalf("message %q should name %s on one line", msg, addr)
	}
}

func TestConnectNeedsBootstrap(t *testing.T) {
	if _, err := Connect(context.Background(), " , ", nil); err == nil || err.Error() != "--bootstrap-server must be specified" {
		t.Fatalf("Connect(empty) = %v", err)
	}
}
