package config

import (
	"sort"
	"strings"
)

// retiredKeys are broker keys Kafka removed by 4.0; old server.properties
// files still carry them. They are reported, not refused, as Kafka reports
// keys it does not know.
var retiredKeys = map[string]string{
	"zookeeper.connect":                       "ZooKeeper mode was removed in Kafka 4.0; the metadata quorum is controller.quorum.voters or controller.quorum.bootstrap.servers",
	"zookeeper.session.timeout.ms":            "ZooKeeper mode was removed in Kafka 4.0",
	"zookeeper.connection.timeout.ms":         "ZooKeeper mode was removed in Kafka 4.0",
	"zookeeper.set.acl":                       "ZooKeeper mode was removed in Kafka 4.0",
	"zookeeper.metadata.migration.enable":     "ZooKeeper migration was removed in Kafka 4.0",
	"broker.id.generation.enable":             "removed with ZooKeeper mode in Kafka 4.0; set node.id",
	"reserved.broker.max.id":                  "removed with ZooKeeper mode in Kafka 4.0; set node.id",
	"control.plane.listener.name":             "removed with ZooKeeper mode in Kafka 4.0; controllers use controller.listener.names",
	"inter.broker.protocol.version":           "removed in Kafka 4.0; the cluster's metadata.version feature replaces it",
	"log.message.format.version":              "removed in Kafka 4.0; every log uses record format v2",
	"log.message.timestamp.difference.max.ms": "removed in Kafka 4.0; use log.message.timestamp.before.max.ms and log.message.timestamp.after.max.ms",
	"offsets.commit.required.acks":            "removed in Kafka 4.0; offset commits always wait for all in-sync replicas",
	"controlled.shutdown.max.retries":         "removed with ZooKeeper mode in Kafka 4.0",
	"controlled.shutdown.retry.backoff.ms":    "removed with ZooKeeper mode in Kafka 4.0",
	"group.coordinator.new.enable":            "removed in Kafka 4.0; the new group coordinator is always used",
	"port":                                    "removed in Kafka 3.0; use listeners",
	"host.name":                               "removed in Kafka 3.0; use listeners",
	"advertised.port":                         "removed in Kafka 3.0; use advertised.listeners",
	"advertised.host.name":                    "removed in Kafka 3.0; use advertised.listeners",
	"message.format.version":                  "a topic key removed in Kafka 4.0",
	"message.timestamp.difference.max.ms":     "a topic key removed in Kafka 4.0",
	"eligible.leader.replicas.enable":         "replaced in Kafka 4.0 by the eligible.leader.replicas.version feature",
}

// unusedKafkaPrefixes are families of real Kafka broker keys for features
// Samsa does not implement (tiered storage managers, OAuth, delegation
// tokens, share groups, quotas callbacks, …).
var unusedKafkaPrefixes = []string{
	"remote.log.", "remote.fetch.", "remote.list.offsets.", "sasl.oauthbearer.", "delegation.token.",
	"group.share.", "share.", "password.encoder.", "client.quota.callback.", "quota.window.",
	"replication.quota.window.", "alter.log.dirs.replication.quota.window.", "controller.quota.window.",
	"client.telemetry.", "transaction.two.phase.", "group.streams.", "unstable.", "log4j.",
	"kafka.metrics.", "config.providers", "controlled.shutdown.", "telemetry.", "sasl.login.connect.",
	"sasl.login.read.", "sasl.login.retry.", "consumer.", "producer.", "ssl.principal.", "zookeeper.",
}

// findUnknown lists the keys the table does not know, with a hint each.
func findUnknown(props map[string]string, origins map[string]Origin) []Unknown {
	var out []Unknown
	for name := range props {
		if _, known := brokerKeyFor(name); known {
			continue
		}
		out = append(out, Unknown{Key: name, Origin: origins[name], Hint: unknownHint(name)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func unknownHint(name string) string {
	if why, ok := retiredKeys[name]; ok {
		return why + "; ignored"
	}
	if tk, ok := topicKeys[name]; ok {
		if len(tk.Synonyms) > 0 {
			return "a topic key; set it per topic, or its broker-wide default " + tk.Synonyms[0].Name + "; ignored"
		}
		return "a topic key; set it per topic; ignored"
	}
	if strings.HasPrefix(name, listenerPrefix) {
		return "a listener override of a key Samsa does not know; ignored"
	}
	for _, p := range unusedKafkaPrefixes {
		if strings.HasPrefix(name, p) {
			return "a Kafka key for a feature Samsa does not implement; ignored"
		}
	}
	if best := closestKey(name); best != "" {
		return "not a broker key, did you mean " + best + "? ignored"
	}
	return "not a broker key; ignored"
}

// closestKey returns the broker key within a small edit distance of name,
// for typos such as log.retention.hour; ties go to the first in order.
func closestKey(name string) string {
	best, bestDist := "", 3
	if len(name) < 8 {
		bestDist = 2
	}
	for _, k := range BrokerKeys() {
		if d := editDistance(name, k.Name, bestDist); d < bestDist {
			best, bestDist = k.Name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, giving up (returning
// limit) once it cannot be below limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
