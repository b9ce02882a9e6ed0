package topics

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/cli"
)

// service runs one action against the cluster.
type service struct {
	adm    *cli.Admin
	r      *cli.Result
	stdout io.Writer
}

func (s *service) run(ctx context.Context) error {
	switch {
	case s.r.Has("create"):
		return s.create(ctx)
	case s.r.Has("alter"):
		return s.alter(ctx)
	case s.r.Has("list"):
		return s.list(ctx)
	case s.r.Has("describe"):
		return s.describe(ctx)
	}
	return s.delete(ctx)
}

// listedTopic is one topic from a Metadata response.
type listedTopic struct {
	name     string
	id       [16]byte
	internal bool
}

// ListTopics returns every topic the cluster reports, sorted by name,
// leaving out internal ones when excludeInternal is set (as the admin
// client's listTopics does without listInternal).
func ListTopics(ctx context.Context, adm *cli.Admin, excludeInternal bool) ([]listedTopic, error) {
	req := kmsg.NewPtrMetadataRequest()
	resp, err := req.RequestWith(ctx, adm.Client)
	if err != nil {
		return nil, fmt.Errorf("listing topics: %w", err)
	}
	var out []listedTopic
	for _, t := range resp.Topics {
		if t.Topic == nil {
			continue
		}
		if err := ResponseError(t.ErrorCode, nil); err != nil {
			return nil, err
		}
		if excludeInternal && t.IsInternal {
			continue
		}
		out = append(out, listedTopic{name: *t.Topic, id: t.TopicID, internal: t.IsInternal})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// MatchTopics lists the topic names that --topic (a regex; all topics
// when empty) selects, sorted.
func MatchTopics(ctx context.Context, adm *cli.Admin, pattern string, hasPattern, excludeInternal bool) ([]string, error) {
	var filter *IncludeList
	if hasPattern {
		f, err := NewIncludeList(pattern)
		if err != nil {
			return nil, err
		}
		filter = f
	}
	all, err := ListTopics(ctx, adm, excludeInternal)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range all {
		if filter != nil && !filter.Allowed(t.name, excludeInternal) {
			continue
		}
		if filter == nil && excludeInternal && IsInternal(t.name) {
			continue
		}
		out = append(out, t.name)
	}
	return out, nil
}

func (s *service) topics(ctx context.Context) ([]string, error) {
	return MatchTopics(ctx, s.adm, s.r.String("topic"), s.r.Has("topic"), s.r.Has("exclude-internal"))
}

// ensureExists fails as Kafka's ensureTopicExists does when a named topic
// matched nothing and --if-exists was not given.
func (s *service) ensureExists(found []string) error {
	if s.r.String("topic") != "" && !s.r.Has("if-exists") && len(found) == 0 {
		return fmt.Errorf("Topic '%s' does not exist as expected", s.r.String("topic"))
	}
	return nil
}

func (s *service) list(ctx context.Context) error {
	names, err := s.topics(ctx)
	if err != nil {
		return err
	}
	// Kafka prints the names joined by newlines with println, so an
	// empty cluster gives one empty line.
	out := ""
	for i, n := range names {
		if i > 0 {
			out += "\n"
		}
		out += n
	}
	fmt.Fprintln(s.stdout, out)
	return nil
}

func (s *service) delete(ctx context.Context) error {
	names, err := s.topics(ctx)
	if err != nil {
		return err
	}
	if err := s.ensureExists(names); err != nil {
		return err
	}
	if len(names) == 0 {
		return nil
	}
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.TimeoutMillis = 30000
	for _, n := range names {
		t := kmsg.NewDeleteTopicsRequestTopic()
		name := n
		t.Topic = &name
		req.Topics = append(req.Topics, t)
		req.TopicNames = append(req.TopicNames, n)
	}
	resp, err := req.RequestWith(ctx, s.adm.Client)
	if err != nil {
		return fmt.Errorf("deleting topics: %w", err)
	}
	for _, t := range resp.Topics {
		if err := ResponseError(t.ErrorCode, t.ErrorMessage); err != nil {
			return err
		}
	}
	return nil
}
