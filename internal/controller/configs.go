package controller

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/metadata"
)

// IncrementalAlterConfigs operation codes.
const (
	opSet      int8 = 0
	opDelete   int8 = 1
	opAppend   int8 = 2
	opSubtract int8 = 3
)

// configChange is one requested change of one key.
type configChange struct {
	name  string
	op    int8
	value *string
}

// IncrementalAlterConfigs applies SET, DELETE, APPEND and SUBTRACT to the
// dynamic configs of topics and brokers. Each resource succeeds or fails
// alone; all successful ones commit in one entry.
func (c *Controller) IncrementalAlterConfigs(ctx context.Context, req *kmsg.IncrementalAlterConfigsRequest) *kmsg.IncrementalAlterConfigsResponse {
	resp := req.ResponseKind().(*kmsg.IncrementalAlterConfigsResponse)
	alters := make([]resourceAlter, len(req.Resources))
	for i, r := range req.Resources {
		alters[i] = resourceAlter{typ: int8(r.ResourceType), name: r.ResourceName}
		for _, cfg := range r.Configs {
			alters[i].changes = append(alters[i].changes, configChange{name: cfg.Name, op: int8(cfg.Op), value: cfg.Value})
		}
	}
	for i, err := range c.alterConfigs(ctx, alters, false, req.ValidateOnly) {
		rr := kmsg.NewIncrementalAlterConfigsResponseResource()
		rr.ResourceType, rr.ResourceName = req.Resources[i].ResourceType, req.Resources[i].ResourceName
		rr.ErrorCode, rr.ErrorMessage = codeAndMessage(err)
		resp.Resources = append(resp.Resources, rr)
	}
	return resp
}

// AlterConfigs replaces the whole set of dynamic configs of each resource
// (the legacy, non-incremental API).
func (c *Controller) AlterConfigs(ctx context.Context, req *kmsg.AlterConfigsRequest) *kmsg.AlterConfigsResponse {
	resp := req.ResponseKind().(*kmsg.AlterConfigsResponse)
	alters := make([]resourceAlter, len(req.Resources))
	for i, r := range req.Resources {
		alters[i] = resourceAlter{typ: int8(r.ResourceType), name: r.ResourceName}
		for _, cfg := range r.Configs {
			alters[i].changes = append(alters[i].changes, configChange{name: cfg.Name, op: opSet, value: cfg.Value})
		}
	}
	for i, err := range c.alterConfigs(ctx, alters, true, req.ValidateOnly) {
		rr := kmsg.NewAlterConfigsResponseResource()
		rr.ResourceType, rr.ResourceName = req.Resources[i].ResourceType, req.Resources[i].ResourceName
		rr.ErrorCode, rr.ErrorMessage = codeAndMessage(err)
		resp.Resources = append(resp.Resources, rr)
	}
	return resp
}

// resourceAlter is the requested changes to one resource.
type resourceAlter struct {
	typ     int8
	name    string
	changes []configChange
}

// alterConfigs validates each resource's changes and commits the valid
// ones together (unless validateOnly); it returns each resource's error.
func (c *Controller) alterConfigs(ctx context.Context, alters []resourceAlter, replace, validateOnly bool) []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	im := c.images()
	errs := make([]error, len(alters))
	var records []metadata.Record
	for i, a := range alters {
		var recs []metadata.Record
		if recs, errs[i] = c.alterResource(im, a.typ, a.name, a.changes, replace); errs[i] == nil {
			records = append(records, recs...)
		}
	}
	if validateOnly {
		return errs
	}
	if err := c.commit(ctx, records); err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	return errs
}

// alterResource validates the changes to one resource and returns the
// config records that make them. replace deletes every current key the
// request does not name.
func (c *Controller) alterResource(im *metadata.Image, typ int8, name string, changes []configChange, replace bool) ([]metadata.Record, error) {
	validate, err := c.resourceValidator(im, typ, name)
	if err != nil {
		return nil, err
	}
	res := metadata.ConfigResource{Type: typ, Name: name}
	current := im.Configs(res)
	seen := map[string]bool{}
	next := map[string]*string{}
	for _, ch := range changes {
		if seen[ch.name] {
			return nil, fail(kerr.InvalidRequest, "Error due to duplicate config keys")
		}
		seen[ch.name] = true
		v, err := c.applyChange(current, ch, validate)
		if err != nil {
			return nil, err
		}
		next[ch.name] = v
	}
	if replace {
		for k := range current {
			if !seen[k] {
				next[k] = nil
			}
		}
	}
	keys := make([]string, 0, len(next))
	for k := range next {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var records []metadata.Record
	for _, k := range keys {
		records = append(records, &metadata.ConfigRecord{ResourceType: typ, ResourceName: name, Name: k, Value: next[k]})
	}
	return records, nil
}

// resourceValidator checks that a resource exists and returns the validator
// of its configs.
func (c *Controller) resourceValidator(im *metadata.Image, typ int8, name string) (func(k, v string) error, error) {
	switch typ {
	case metadata.ConfigResourceTopic:
		if err := metadata.ValidateTopicName(name); err != nil {
			return nil, fail(kerr.InvalidTopicException, "%s", err)
		}
		if _, ok := im.Topic(name); !ok {
			return nil, fail(kerr.UnknownTopicOrPartition, "The topic '%s' does not exist.", name)
		}
		return func(k, v string) error {
			if err := c.cfg.ValidateTopicConfig(k, v); err != nil {
				return fail(kerr.InvalidConfig, "%s", err)
			}
			return nil
		}, nil
	case metadata.ConfigResourceBroker:
		if name != "" {
			id, err := strconv.ParseInt(name, 10, 32)
			if err != nil || id < 0 {
				return nil, fail(kerr.InvalidRequest, "Invalid broker id %q: must be a non-negative integer or empty for the cluster default.", name)
			}
		}
		return c.cfg.ValidateBrokerConfig, nil
	}
	return nil, fail(kerr.InvalidRequest, "Unsupported resource type %d for config changes.", typ)
}

// applyChange computes the new value of one key (nil: delete).
func (c *Controller) applyChange(current map[string]string, ch configChange, validate func(k, v string) error) (*string, error) {
	switch ch.op {
	case opDelete:
		// Deleting a key that is not set, or not known, is a no-op.
		return nil, nil
	case opSet:
		if ch.value == nil {
			return nil, fail(kerr.InvalidRequest, "Null value not supported for: %s", ch.name)
		}
		return ch.value, validate(ch.name, *ch.value)
	case opAppend, opSubtract:
		if ch.value == nil {
			return nil, fail(kerr.InvalidRequest, "Null value not supported for: %s", ch.name)
		}
		v := editList(current[ch.name], *ch.value, ch.op == opAppend)
		if err := validate(ch.name, v); err != nil {
			return nil, err
		}
		return &v, nil
	}
	return nil, fail(kerr.InvalidRequest, "Unknown config operation %d for %s", ch.op, ch.name)
}

// editList appends items to or removes them from a comma-separated list.
func editList(current, items string, add bool) string {
	var list []string
	if current != "" {
		list = strings.Split(current, ",")
	}
	for _, it := range strings.Split(items, ",") {
		it = strings.TrimSpace(it)
		if it == "" {
			continue
		}
		i := slices.Index(list, it)
		switch {
		case add && i < 0:
			list = append(list, it)
		case !add && i >= 0:
			list = slices.Delete(list, i, i+1)
		}
	}
	return strings.Join(list, ",")
}
