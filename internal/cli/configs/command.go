package configs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/cli"
	"samsa/internal/cli/topics"
)

// command runs one describe or alter against the cluster.
type command struct {
	adm    *cli.Admin
	r      *cli.Result
	stdout io.Writer
}

// resourceTypes are the entity types that are DescribeConfigs resources,
// with the config source that marks a dynamic value of a named entity.
var resourceTypes = map[string]kmsg.ConfigResourceType{
	"topics":         kmsg.ConfigResourceTypeTopic,
	"brokers":        kmsg.ConfigResourceTypeBroker,
	"broker-loggers": kmsg.ConfigResourceTypeBrokerLogger,
	"groups":         kmsg.ConfigResourceTypeGroupConfig,
}

// unsupported is the failure for entity types Samsa's brokers keep no
// configs for (client quotas, SCRAM users, client metrics): the admin
// client's UnsupportedVersionException.
func unsupported(typ string) error {
	api := "DESCRIBE_CLIENT_QUOTAS"
	if typ == "client-metrics" {
		api = "LIST_CLIENT_METRICS_RESOURCES"
	}
	return &javaError{class: "org.apache.kafka.common.errors.UnsupportedVersionException", message: "The node does not support " + api}
}

// javaError is a failure Kafka's tool reports with its exception class.
type javaError struct{ class, message string }

func (e *javaError) Error() string { return e.message }

// exceptionLine is the first line of the stack trace Kafka prints for a
// failed admin call: the ExecutionException wrapping the cause.
func exceptionLine(err error) string {
	var je *javaError
	if errors.As(err, &je) {
		return "java.util.concurrent.ExecutionException: " + je.class + ": " + je.message
	}
	var ae *topics.APIError
	if errors.As(err, &ae) {
		return "java.util.concurrent.ExecutionException: " + topics.JavaClass(err) + ": " + ae.Error()
	}
	return err.Error()
}

func (c *command) run(ctx context.Context) error {
	typ := entityTypes(c.r)[0]
	names := entityNames(c.r)
	if _, ok := resourceTypes[typ]; !ok {
		return unsupported(typ)
	}
	if c.r.Has("alter") {
		return c.alter(ctx, typ, names[0])
	}
	return c.describe(ctx, typ, names)
}

// source names a config source as Java's ConfigEntry.ConfigSource does.
func source(s kmsg.ConfigSource) string {
	switch s {
	case kmsg.ConfigSourceClientMetricsConfig:
		return "DYNAMIC_CLIENT_METRICS_CONFIG"
	case kmsg.ConfigSourceGroupConfig:
		return "DYNAMIC_GROUP_CONFIG"
	}
	return s.String()
}

// dynamicSource is the source --describe shows without --all.
func dynamicSource(typ, name string) (kmsg.ConfigSource, bool) {
	switch typ {
	case "topics":
		return kmsg.ConfigSourceDynamicTopicConfig, true
	case "brokers":
		if name == "" {
			return kmsg.ConfigSourceDynamicDefaultBrokerConfig, true
		}
		return kmsg.ConfigSourceDynamicBrokerConfig, true
	case "groups":
		return kmsg.ConfigSourceGroupConfig, true
	}
	return 0, false
}

// resourceConfig is ConfigCommand.getResourceConfig: one entity's entries,
// only the dynamic ones unless all, sorted by name.
func (c *command) resourceConfig(ctx context.Context, typ, name string, synonyms, all bool) ([]kmsg.DescribeConfigsResponseResourceConfig, error) {
	req := kmsg.NewPtrDescribeConfigsRequest()
	req.IncludeSynonyms = synonyms
	res := kmsg.NewDescribeConfigsRequestResource()
	res.ResourceType, res.ResourceName = resourceTypes[typ], name
	req.Resources = append(req.Resources, res)
	resp, err := req.RequestWith(ctx, c.adm.Client)
	if err != nil {
		return nil, fmt.Errorf("describing configs of %s %s: %w", typ, name, err)
	}
	want, filter := dynamicSource(typ, name)
	var out []kmsg.DescribeConfigsResponseResourceConfig
	for _, rr := range resp.Resources {
		if err := topics.ResponseError(rr.ErrorCode, rr.ErrorMessage); err != nil {
			return nil, err
		}
		for _, e := range rr.Configs {
			if all || !filter || e.Source == want {
				out = append(out, e)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// entities lists what a describe without a name covers: every topic, or
// every broker and then the cluster default.
func (c *command) entities(ctx context.Context, typ string) ([]string, error) {
	switch typ {
	case "topics":
		return topics.MatchTopics(ctx, c.adm, "", false, false)
	case "brokers", "broker-loggers":
		req := kmsg.NewPtrMetadataRequest()
		req.Topics = []kmsg.MetadataRequestTopic{}
		resp, err := req.RequestWith(ctx, c.adm.Client)
		if err != nil {
			return nil, fmt.Errorf("describing cluster: %w", err)
		}
		var ids []int
		for _, b := range resp.Brokers {
			ids = append(ids, int(b.NodeID))
		}
		sort.Ints(ids)
		var out []string
		for _, id := range ids {
			out = append(out, fmt.Sprint(id))
		}
		return append(out, ""), nil
	}
	return nil, unsupported(typ)
}

func (c *command) describe(ctx context.Context, typ string, names []string) error {
	entities := names
	if len(names) == 0 {
		all, err := c.entities(ctx, typ)
		if err != nil {
			return err
		}
		entities = all
	}
	for _, name := range entities {
		if name == "" {
			fmt.Fprintf(c.stdout, "Default configs for %s in the cluster are:\n", typ)
		} else {
			kind := "Dynamic"
			if c.r.Has("all") {
				kind = "All"
			}
			fmt.Fprintf(c.stdout, "%s configs for %s %s are:\n", kind, strings.TrimSuffix(typ, "s"), name)
		}
		entries, err := c.resourceConfig(ctx, typ, name, true, c.r.Has("all"))
		if err != nil {
			return err
		}
		for _, e := range entries {
			syn := make([]string, len(e.ConfigSynonyms))
			for i, s := range e.ConfigSynonyms {
				syn[i] = source(s.Source) + ":" + s.Name + "=" + javaString(s.Value)
			}
			fmt.Fprintf(c.stdout, "  %s=%s sensitive=%t synonyms={%s}\n", e.Name, javaString(e.Value), e.IsSensitive, strings.Join(syn, ", "))
		}
		if len(names) > 0 {
			// Kafka describes only the first named entity.
			break
		}
	}
	return nil
}

func javaString(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

// validKey is what Kafka allows in a config key given to --add-config.
var validKey = regexp.MustCompile(`^[a-zA-Z0-9._-]*$`)

// parseAddConfig reads --add-config 'k1=v1,k2=[a,b]' the way Kafka's
// parseConfigsToBeAdded does: pairs split at commas outside brackets, each
// at its one '=' (spaces around it allowed), brackets removed from values.
func parseAddConfig(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range splitOutsideBrackets(s, ',') {
		kv := splitOutsideBrackets(pair, '=')
		if len(kv) != 2 {
			return nil, argErrorf(`requirement failed: Invalid entity config: all configs to be added must be in the format "key=val".`)
		}
		key := strings.TrimSpace(kv[0])
		value := strings.NewReplacer("[", "", "]", "").Replace(kv[1])
		out[key] = strings.TrimSpace(value)
	}
	return out, nil
}

// splitOutsideBrackets splits at sep where it is not inside [...], keeping
// trailing empty parts (Java's split with limit -1 for '=', which Kafka
// uses; for ',' Kafka drops trailing empties, which the caller's pair
// check then rejects the same way).
func splitOutsideBrackets(s string, sep byte) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case sep:
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// configsToChange reads the configs to set (--add-config or
// --add-config-file) and those to delete (--delete-config k1,k2).
func (c *command) configsToChange() (map[string]string, []string, error) {
	add := map[string]string{}
	if c.r.Has("add-config-file") {
		props, err := cli.LoadProperties(c.r.String("add-config-file"))
		if err != nil {
			return nil, nil, err
		}
		add = props
	}
	if c.r.Has("add-config") {
		parsed, err := parseAddConfig(c.r.String("add-config"))
		if err != nil {
			return nil, nil, err
		}
		add = parsed
	}
	for k := range add {
		if !validKey.MatchString(k) {
			return nil, nil, argErrorf("Invalid character found for config key: %s", k)
		}
	}
	var del []string
	for _, v := range c.r.Strings("delete-config") {
		for _, k := range strings.Split(v, ",") {
			del = append(del, strings.TrimSpace(k))
		}
	}
	return add, del, nil
}

func (c *command) alter(ctx context.Context, typ, name string) error {
	add, del, err := c.configsToChange()
	if err != nil {
		return err
	}
	old, err := c.resourceConfig(ctx, typ, name, false, false)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	for _, e := range old {
		set[e.Name] = true
	}
	var invalid []string
	for _, k := range del {
		if !set[k] {
			invalid = append(invalid, k)
		}
	}
	if len(invalid) > 0 {
		return argErrorf("Invalid config(s): %s", strings.Join(invalid, ","))
	}
	res := kmsg.NewIncrementalAlterConfigsRequestResource()
	res.ResourceType, res.ResourceName = resourceTypes[typ], name
	keys := make([]string, 0, len(add))
	for k := range add {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := add[k]
		op := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		op.Name, op.Value, op.Op = k, &v, kmsg.IncrementalAlterConfigOpSet
		res.Configs = append(res.Configs, op)
	}
	for _, k := range del {
		empty := ""
		op := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		op.Name, op.Value, op.Op = k, &empty, kmsg.IncrementalAlterConfigOpDelete
		res.Configs = append(res.Configs, op)
	}
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	req.Resources = append(req.Resources, res)
	resp, err := req.RequestWith(ctx, c.adm.Client)
	if err != nil {
		return fmt.Errorf("altering configs of %s %s: %w", typ, name, err)
	}
	for _, rr := range resp.Resources {
		if err := topics.ResponseError(rr.ErrorCode, rr.ErrorMessage); err != nil {
			return err
		}
	}
	if name != "" {
		fmt.Fprintf(c.stdout, "Completed updating config for %s %s.\n", strings.TrimSuffix(typ, "s"), name)
	} else {
		fmt.Fprintf(c.stdout, "Completed updating default config for %s in the cluster.\n", typ)
	}
	return nil
}
