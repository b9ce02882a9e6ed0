package topics

import (
	"fmt"
	"regexp"
	"strings"
)

// internalTopics are the names Kafka's Topic.isInternal knows.
var internalTopics = map[string]bool{
	"__consumer_offsets":  true,
	"__transaction_state": true,
	"__share_group_state": true,
}

// IsInternal reports whether Kafka treats topic as internal.
func IsInternal(topic string) bool { return internalTopics[topic] }

// IncludeList is Kafka's TopicFilter.IncludeList: a regular expression a
// whole topic name must match, after the clean-up Kafka applies to the
// raw option (commas become alternatives, spaces and surrounding quotes go).
type IncludeList struct {
	raw string
	re  *regexp.Regexp
}

// NewIncludeList compiles a --topic or --include value. The error reads as
// Kafka's: "<regex> is an invalid regex."
func NewIncludeList(raw string) (*IncludeList, error) {
	s := strings.TrimSpace(raw)
	s = strings.ReplaceAll(s, ",", "|")
	s = strings.ReplaceAll(s, " ", "")
	s = strings.TrimLeft(s, `"'`)
	s = strings.TrimRight(s, `"'`)
	re, err := regexp.Compile("^(?:" + s + ")$")
	if err != nil {
		return nil, fmt.Errorf("%s is an invalid regex.", s)
	}
	return &IncludeList{raw: s, re: re}, nil
}

// Allowed reports whether topic matches, leaving out internal topics when
// excludeInternal is set.
func (f *IncludeList) Allowed(topic string, excludeInternal bool) bool {
	return f.re.MatchString(topic) && !(excludeInternal && IsInternal(topic))
}

// JavaHashOrder returns the indexes of names in the order a
// java.util.HashMap filled with them in that order iterates: by bucket,
// then by insertion within a bucket. Kafka's admin Config keeps its
// entries in such a map, so tools that print them unsorted print them in
// this order.
func JavaHashOrder(names []string) []int {
	capacity := 16
	for float64(len(names)) > float64(capacity)*0.75 {
		capacity *= 2
	}
	buckets := make([][]int, capacity)
	for i, n := range names {
		h := javaStringHash(n)
		h ^= int32(uint32(h) >> 16)
		b := int(uint32(h) & uint32(capacity-1))
		buckets[b] = append(buckets[b], i)
	}
	order := make([]int, 0, len(names))
	for _, b := range buckets {
		order = append(order, b...)
	}
	return order
}

// javaStringHash is String.hashCode over UTF-16 code units.
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}
