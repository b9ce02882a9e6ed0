package broker

import (
	"net"
	"testing"
)

func TestClientHost(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5000}, "/127.0.0.1"},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:10.1.2.3"), Port: 5000}, "/10.1.2.3"},
		{&net.TCPAddr{IP: net.ParseIP("::1"), Port: 5000}, "/0:0:0:0:0:0:0:1"},
		{&net.TCPAddr{IP: net.ParseIP("fe80::1:abcd"), Port: 5000}, "/fe80:0:0:0:0:0:1:abcd"},
		{&net.UnixAddr{Name: "sock", Net: "unix"}, "/sock"},
		{nil, ""},
	} {
		if got := clientHost(tc.addr); got != tc.want {
			t.Errorf("clientHost(%v) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}
