package topics

import (
	"fmt"
	"strings"
	"testing"
)

// TestJavaHashOrder compares with the iteration order of a
// java.util.HashMap filled with the same keys, as printed by Java 21.
func TestJavaHashOrder(t *testing.T) {
	var many []string
	for i := 1; i <= 40; i++ {
		many = append(many, fmt.Sprintf("key.%d", i))
	}
	cases := []struct {
		keys []string
		want string
	}{
		{[]string{"cleanup.policy", "retention.ms", "segment.ms", "max.message.bytes", "min.insync.replicas", "compression.type"},
			"compression.type,cleanup.policy,max.message.bytes,min.insync.replicas,retention.ms,segment.ms"},
		{many, "key.17,key.39,key.16,key.38,key.19,key.18,key.13,key.35,key.12,key.34,key.15,key.37,key.14,key.36,key.31,key.30,key.11,key.33,key.10,key.32,key.28,key.27,key.29,key.24,key.23,key.26,key.25,key.2,key.20,key.1,key.22,key.21,key.6,key.5,key.4,key.40,key.3,key.9,key.8,key.7"},
	}
	for _, c := range cases {
		var got []string
		for _, i := range JavaHashOrder(c.keys) {
			got = append(got, c.keys[i])
		}
		if g := strings.Join(got, ","); g != c.want {
			t.Errorf("order of %d keys:\n got %s\nwant %s", len(c.keys), g, c.want)
		}
	}
}

func TestIncludeList(t *testing.T) {
	cases := []struct {
		pattern, topic string
		internal, want bool
	}{
		{"orders", "orders", false, true},
		{"orders", "orders2", false, false},
		{"ord.*", "orders", false, true},
		{`"a,b"`, "b", false, true},
		{".*", "__consumer_offsets", true, false},
		{".*", "__consumer_offsets", false, true},
	}
	for _, c := range cases {
		f, err := NewIncludeList(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Allowed(c.topic, c.internal); got != c.want {
			t.Errorf("%q allows %q (exclude internal %v): %v, want %v", c.pattern, c.topic, c.internal, got, c.want)
		}
	}
}
