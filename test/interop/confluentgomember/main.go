// Command confluentgomember is one consumer-group member with
// confluent-kafka-go v2 (librdkafka 2.11, linked statically with cgo), for
// the group interop tests: its KIP-848 consumer (group.protocol=consumer)
// and its classic consumer. It is a program of its own so that only it,
// not the interop tests, needs cgo; TestGroupsConfluentKafkaGo builds it.
//
// Usage: confluentgomember CONFIG_JSON
//
// It speaks the member protocol groups_test.go describes: JSON events on
// stdout (record, committed, commit-failed, assigned, revoked, lost,
// error, closed), "stop-commits" and "close" lines on stdin, end of stdin
// closing too.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// config is the part of the test's member configuration this client uses.
type config struct {
	Bootstrap           string `json:"bootstrap"`
	Name                string `json:"name"`
	Group               string `json:"group"`
	Topic               string `json:"topic"`
	Assignor            string `json:"assignor"`
	Protocol            string `json:"protocol"`
	InstanceID          string `json:"instance_id"`
	SessionTimeoutMs    int    `json:"session_timeout_ms"`
	HeartbeatIntervalMs int    `json:"heartbeat_interval_ms"`
	Reset               string `json:"reset"`
}

// out writes events, one JSON line each.
type out struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (o *out) emit(e map[string]any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.enc.Encode(e)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "member: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 2 {
		return fmt.Errorf("usage: confluentgomember CONFIG_JSON")
	}
	var cfg config
	if err := json.Unmarshal([]byte(os.Args[1]), &cfg); err != nil {
		return fmt.Errorf("member configuration: %w", err)
	}
	o := &out{enc: json.NewEncoder(os.Stdout)}
	var closing, stopCommits atomic.Bool
	go func() {
		// Ends with stdin; the process ends soon after.
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			switch sc.Text() {
			case "stop-commits":
				stopCommits.Store(true)
			case "close":
				closing.Store(true)
			}
		}
		closing.Store(true)
	}()
	c, err := kafka.NewConsumer(consumerConfig(cfg))
	if err != nil {
		return fmt.Errorf("consumer: %w", err)
	}
	if err := c.SubscribeTopics([]string{cfg.Topic}, rebalance(o, cfg.Topic)); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	for !closing.Load() {
		switch ev := c.Poll(100).(type) {
		case *kafka.Message:
			tp := ev.TopicPartition
			o.emit(map[string]any{"ev": "record", "partition": tp.Partition, "offset": int64(tp.Offset), "value": string(ev.Value)})
			if !stopCommits.Load() {
				commit(c, ev, o)
			}
		case kafka.Error:
			o.emit(map[string]any{"ev": "error", "error": ev.Error()})
		}
	}
	if err := c.Close(); err != nil { // leaves the group, unless static
		return fmt.Errorf("close: %w", err)
	}
	o.emit(map[string]any{"ev": "closed"})
	return nil
}

// consumerConfig maps the test's configuration to librdkafka's. The
// consumer protocol takes its session and heartbeat timings from the
// broker, and librdkafka refuses them in its configuration.
func consumerConfig(cfg config) *kafka.ConfigMap {
	m := kafka.ConfigMap{
		"bootstrap.servers":  cfg.Bootstrap,
		"client.id":          cfg.Name,
		"group.id":           cfg.Group,
		"enable.auto.commit": false,
		"auto.offset.reset":  cfg.Reset,
		"fetch.wait.max.ms":  100,
		"group.protocol":     cfg.Protocol,
	}
	if cfg.Protocol == "consumer" {
		m["group.remote.assignor"] = cfg.Assignor
	} else {
		m["partition.assignment.strategy"] = cfg.Assignor
		m["session.timeout.ms"] = cfg.SessionTimeoutMs
		m["heartbeat.interval.ms"] = cfg.HeartbeatIntervalMs
	}
	if cfg.InstanceID != "" {
		m["group.instance.id"] = cfg.InstanceID
	}
	return &m
}

// rebalance reports each assignment change; the library then does the
// (incremental) assign or unassign itself.
func rebalance(o *out, topic string) kafka.RebalanceCb {
	partitions := func(tps []kafka.TopicPartition) []int32 {
		ps := []int32{}
		for _, tp := range tps {
			if tp.Topic != nil && *tp.Topic == topic {
				ps = append(ps, tp.Partition)
			}
		}
		slices.Sort(ps)
		return ps
	}
	return func(c *kafka.Consumer, ev kafka.Event) error {
		switch ev := ev.(type) {
		case kafka.AssignedPartitions:
			o.emit(map[string]any{"ev": "assigned", "partitions": partitions(ev.Partitions)})
		case kafka.RevokedPartitions:
			kind := "revoked"
			if c.AssignmentLost() {
				kind = "lost"
			}
			o.emit(map[string]any{"ev": kind, "partitions": partitions(ev.Partitions)})
		}
		return nil
	}
}

// commit commits the message's next offset synchronously.
func commit(c *kafka.Consumer, msg *kafka.Message, o *out) {
	done, err := c.CommitMessage(msg)
	if err != nil {
		o.emit(map[string]any{"ev": "commit-failed", "error": err.Error()})
		return
	}
	for _, tp := range done {
		if tp.Error != nil {
			o.emit(map[string]any{"ev": "commit-failed", "error": tp.Error.Error()})
			continue
		}
		o.emit(map[string]any{"ev": "committed", "partition": tp.Partition, "offset": int64(tp.Offset)})
	}
}
