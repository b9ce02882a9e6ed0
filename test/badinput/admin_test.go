package badinput

import (
	"bytes"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// topicNames lists every topic the broker knows.
func (e *env) topicNames(t testing.TB) []string {
	t.Helper()
	r := e.dial(t)
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(12) // null topics: all of them
	var names []string
	for _, rt := range r.roundTrip(req).(*kmsg.MetadataResponse).Topics {
		if rt.Topic != nil {
			names = append(names, *rt.Topic)
		}
	}
	slices.Sort(names)
	return names
}

func strp(s string) *string { return &s }

// TestCreateTopicsInvalid sends CreateTopics for topics Kafka refuses. Each
// topic gets its own code and a message; no topic appears; the connection
// serves the next request; the controller logs one line naming the
// rejected topic, as Kafka's ReplicationControlManager logs its
// "CreateTopics result(s)".
func TestCreateTopicsInvalid(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name       string
		topic      string
		partitions int32
		rf         int16
		configs    map[string]*string
		want       *kerr.Error
		// mention must appear in the error message.
		mention string
	}{
		{name: "empty name", topic: "", want: kerr.InvalidTopicException},
		{name: "dot", topic: ".", want: kerr.InvalidTopicException},
		{name: "dot dot", topic: "..", want: kerr.InvalidTopicException},
		{name: "250 characters", topic: strings.Repeat("x", 250), want: kerr.InvalidTopicException, mention: "249"},
		{name: "slash", topic: "a/b", want: kerr.InvalidTopicException},
		{name: "space", topic: "a b", want: kerr.InvalidTopicException},
		{name: "non-ascii", topic: "tópico", want: kerr.InvalidTopicException},
		{name: "colliding with an existing topic", topic: "acke.d", want: kerr.TopicAlreadyExists},
		{name: "retention.ms=abc", topic: "cfg1", configs: map[string]*string{"retention.ms": strp("abc")},
			want: kerr.InvalidConfig, mention: "retention.ms"},
		{name: "unknown.key=1", topic: "cfg2", configs: map[string]*string{"unknown.key": strp("1")},
			want: kerr.InvalidConfig, mention: "unknown.key"},
		{name: "cleanup.policy=bogus", topic: "cfg3", configs: map[string]*string{"cleanup.policy": strp("bogus")},
			want: kerr.InvalidConfig, mention: "cleanup.policy"},
		{name: "null config value", topic: "cfg4", configs: map[string]*string{"retention.ms": nil},
			want: kerr.InvalidConfig, mention: "retention.ms"},
		{name: "zero partitions", topic: "parts0", partitions: 0, rf: 1, want: kerr.InvalidPartitions},
		{name: "2^31-1 partitions", topic: "parts-max", partitions: 1<<31 - 1, rf: 1, want: kerr.PolicyViolation},
		{name: "zero replication factor", topic: "rf0", partitions: 1, rf: 0, want: kerr.InvalidReplicationFactor},
		{name: "replication factor above the brokers", topic: "rf3", partitions: 1, rf: 3, want: kerr.InvalidReplicationFactor},
	}
	// "acke.d" does not collide with "acked"; "acked" itself exists.
	cases[7].topic = dataTopic
	before := e.topicNames(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := e.mark(t)
			r := e.dial(t)
			req := kmsg.NewPtrCreateTopicsRequest()
			req.SetVersion(7)
			req.TimeoutMillis = 10000
			rt := kmsg.NewCreateTopicsRequestTopic()
			rt.Topic, rt.NumPartitions, rt.ReplicationFactor = tc.topic, -1, -1
			if tc.rf != 0 || tc.partitions != 0 {
				rt.NumPartitions, rt.ReplicationFactor = tc.partitions, tc.rf
			}
			for k, v := range tc.configs {
				c := kmsg.NewCreateTopicsRequestTopicConfig()
				c.Name, c.Value = k, v
				rt.Configs = append(rt.Configs, c)
			}
			req.Topics = append(req.Topics, rt)
			resp := r.roundTrip(req).(*kmsg.CreateTopicsResponse)
			if len(resp.Topics) != 1 {
				t.Fatalf("%d topics in the response, want 1", len(resp.Topics))
			}
			got := resp.Topics[0]
			msg := ""
			if got.ErrorMessage != nil {
				msg = *got.ErrorMessage
			}
			if got.ErrorCode != tc.want.Code {
				t.Errorf("error %d (%v: %q), want %d (%s)", got.ErrorCode, kerr.ErrorForCode(got.ErrorCode), msg, tc.want.Code, tc.want.Message)
			}
			if msg == "" || !strings.Contains(msg, tc.mention) {
				t.Errorf("error message %q does not name %q", msg, tc.mention)
			}
			if names := e.topicNames(t); !slices.Equal(names, before) {
				t.Errorf("topics changed from %q to %q", before, names)
			}
			e.after(t, m, 1, "topic="+quoteLogValue(tc.topic))
		})
	}
}

// quoteLogValue renders a topic attribute as the broker's slog text
// handler does, quoting only when it must.
func quoteLogValue(topic string) string {
	var b bytes.Buffer
	slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == "topic" {
				return a
			}
			return slog.Attr{}
		},
	})).Info("", "topic", topic)
	return strings.TrimSpace(strings.TrimPrefix(b.String(), "topic="))
}

// TestMetadataInvalidTopic asks Metadata about topics whose names Kafka
// refuses, with auto-creation allowed: INVALID_TOPIC_EXCEPTION, and no
// topic is created. A valid unknown name with auto-creation refused is
// UNKNOWN_TOPIC_OR_PARTITION and is not created either. Nothing is logged:
// answering a lookup is not an event.
func TestMetadataInvalidTopic(t *testing.T) {
	e := newEnv(t)
	before := e.topicNames(t)
	cases := []struct {
		topic string
		auto  bool
		want  *kerr.Error
	}{
		{"", true, kerr.InvalidTopicException},
		{".", true, kerr.InvalidTopicException},
		{"..", true, kerr.InvalidTopicException},
		{strings.Repeat("y", 250), true, kerr.InvalidTopicException},
		{"a/b", true, kerr.InvalidTopicException},
		{"x\x00y", true, kerr.InvalidTopicException},
		{"not-created", false, kerr.UnknownTopicOrPartition},
	}
	for _, tc := range cases {
		t.Run(strconv.Quote(tc.topic), func(t *testing.T) {
			m := e.mark(t)
			r := e.dial(t)
			for _, version := range []int16{4, 12} {
				req := kmsg.NewPtrMetadataRequest()
				req.SetVersion(version)
				req.AllowAutoTopicCreation = tc.auto
				rt := kmsg.NewMetadataRequestTopic()
				rt.Topic = strp(tc.topic)
				req.Topics = append(req.Topics, rt)
				resp := r.roundTrip(req).(*kmsg.MetadataResponse)
				if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != tc.want.Code {
					t.Fatalf("v%d: answer %+v, want one topic with error %d (%s)", version, resp.Topics, tc.want.Code, tc.want.Message)
				}
			}
			if names := e.topicNames(t); !slices.Equal(names, before) {
				t.Errorf("topics changed from %q to %q", before, names)
			}
			e.after(t, m, 0, r.local())
		})
	}
}
