package metadatashell

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"samsa/internal/metadata"
)

// state is the cluster metadata the shell shows, from a metadata log, a
// snapshot, or a live cluster.
type state struct {
	offset   int64
	epoch    int32
	timeMs   int64 // timestamp of the last batch read; -1 when unknown
	brokers  []brokerState
	topics   []topicState
	configs  map[configKey]map[string]string
	features map[string]int16
	nextPID  int64
	hasPIDs  bool
}

type brokerState struct {
	id          int32
	epoch       int64
	incarnation metadata.Uuid
	endpoints   []metadata.Endpoint
	features    []metadata.FeatureRange
	rack        *string
	fenced      bool
	logDirs     []metadata.Uuid
}

type topicState struct {
	name       string
	id         metadata.Uuid
	partitions []partitionState
}

type partitionState struct {
	id             int32
	replicas       []int32
	directories    []metadata.Uuid
	isr            []int32
	removing       []int32
	adding         []int32
	leader         int32
	leaderEpoch    int32
	partitionEpoch int32
}

// configKey names a config resource: Kafka's ConfigResource type name
// (TOPIC, BROKER) and the resource name, "" for the cluster default.
type configKey struct {
	typ  string
	name string
}

// node is one node of the shell's tree: a directory with children, or a
// file with text.
type node struct {
	children map[string]*node // nil for a file
	text     string
}

func dir() *node { return &node{children: map[string]*node{}} }

func file(text string) *node { return &node{text: text} }

func (n *node) isDir() bool { return n.children != nil }

// names returns the children's names, sorted as Kafka's shell sorts them.
func (n *node) names() []string {
	out := make([]string, 0, len(n.children))
	for k := range n.children {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// add sets the node at the slash-separated path under n, creating the
// directories on the way.
func (n *node) add(path string, child *node) {
	parts := strings.Split(path, "/")
	cur := n
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur.children[p]
		if !ok {
			next = dir()
			cur.children[p] = next
		}
		cur = next
	}
	cur.children[parts[len(parts)-1]] = child
}

// securityProtocols are Kafka's SecurityProtocol names by id.
var securityProtocols = map[int16]string{0: "PLAINTEXT", 1: "SSL", 2: "SASL_PLAINTEXT", 3: "SASL_SSL"}

// Kafka's DirectoryId.MIGRATING: the directory of a replica whose
// partition record names none.
var migratingDirectory = metadata.Uuid{15: 2}

// buildTree lays the state out as Kafka 4's metadata shell does: /local
// and /image with Kafka's node names; and, for the tutorials, the older
// layout beside them (addLegacyTree).
func buildTree(st *state, version string) *node {
	root := dir()
	root.add("local/version", file(version))
	root.add("local/commitId", file("unknown"))
	img := dir()
	root.children["image"] = img
	for _, d := range []string{"acls", "clientQuotas", "delegationToken", "cluster/brokers", "cluster/controllers",
		"configs", "topics/byName", "topics/byId", "scram/SCRAM-SHA-256", "scram/SCRAM-SHA-512"} {
		img.add(d, dir())
	}
	if st.timeMs >= 0 {
		t := time.UnixMilli(st.timeMs).UTC().Format("2006-01-02T15:04:05.999999999Z")
		img.add("provenance", file(fmt.Sprintf("offset %d, epoch %d, time %s[UTC]", st.offset, st.epoch, t)))
	}
	img.add("features/metadataVersion", file(metadata.MetadataVersionName(st.features["metadata.version"])))
	img.add("features/zkMigrationState", file("NONE"))
	for name, level := range st.features {
		if name != "metadata.version" {
			img.add("features/finalized_"+name, file(strconv.Itoa(int(level))))
		}
	}
	if st.hasPIDs {
		img.add("producerIds/nextProducerId", file(strconv.FormatInt(st.nextPID, 10)))
	} else {
		img.add("producerIds/nextProducerId", file("0"))
	}
	for _, b := range st.brokers {
		img.add("cluster/brokers/"+strconv.Itoa(int(b.id)), file(brokerString(b)))
	}
	for _, t := range st.topics {
		tn := dir()
		tn.children["name"] = file(t.name)
		tn.children["id"] = file(t.id.String())
		for _, p := range t.partitions {
			tn.children[strconv.Itoa(int(p.id))] = file(partitionString(p))
		}
		img.children["topics"].children["byName"].children[t.name] = tn
		img.children["topics"].children["byId"].children[t.id.String()] = tn
	}
	for k, kv := range st.configs {
		name := k.typ
		if k.name != "" {
			name += ":" + k.name
		}
		cn := dir()
		for key, v := range kv {
			cn.children[key] = file(v)
		}
		img.children["configs"].children[name] = cn
	}
	addLegacyTree(root, st)
	return root
}

// addLegacyTree adds, beside /image and /local, the tree Kafka's shell
// showed before 3.7 and the tutorials still print: /brokers/<id>,
// /topics/<name>/<partition>/data, /topicIds/<id>, /configs/<type>/<name>
// and /features/<name>.
func addLegacyTree(root *node, st *state) {
	for _, d := range []string{"brokers", "topics", "topicIds", "configs", "features"} {
		root.children[d] = dir()
	}
	for _, b := range st.brokers {
		bn := dir()
		bn.children["registration"] = file(brokerString(b))
		bn.children["isFenced"] = file(strconv.FormatBool(b.fenced))
		root.children["brokers"].children[strconv.Itoa(int(b.id))] = bn
	}
	for _, t := range st.topics {
		tn := dir()
		tn.children["name"] = file(t.name)
		tn.children["id"] = file(t.id.String())
		for _, p := range t.partitions {
			pn := dir()
			pn.children["data"] = file(partitionJSON(t.id, p))
			tn.children[strconv.Itoa(int(p.id))] = pn
		}
		root.children["topics"].children[t.name] = tn
		root.children["topicIds"].children[t.id.String()] = tn
	}
	for k, kv := range st.configs {
		typ := strings.ToLower(k.typ)
		name := k.name
		if name == "" {
			name = "<default>"
		}
		cn := dir()
		for key, v := range kv {
			cn.children[key] = file(v)
		}
		root.add("configs/"+typ+"/"+name, cn)
	}
	for name, level := range st.features {
		root.children["features"].children[name] = file(fmt.Sprintf("{\n  \"name\" : %q,\n  \"featureLevel\" : %d\n}", name, level))
	}
}

// partitionJSON is a partition as the pre-3.7 shell printed it: its
// PartitionRecord in Jackson's pretty-printed JSON.
func partitionJSON(topic metadata.Uuid, p partitionState) string {
	arr := func(s []int32) string {
		if len(s) == 0 {
			return "[ ]"
		}
		parts := make([]string, len(s))
		for i, v := range s {
			parts[i] = strconv.Itoa(int(v))
		}
		return "[ " + strings.Join(parts, ", ") + " ]"
	}
	return fmt.Sprintf(`{
  "partitionId" : %d,
  "topicId" : %q,
  "replicas" : %s,
  "isr" : %s,
  "removingReplicas" : %s,
  "addingReplicas" : %s,
  "leader" : %d,
  "leaderEpoch" : %d,
  "partitionEpoch" : %d
}`, p.id, topic.String(), arr(p.replicas), arr(p.isr), arr(p.removing), arr(p.adding), p.leader, p.leaderEpoch, p.partitionEpoch)
}

// brokerString is Kafka's BrokerRegistration.toString.
func brokerString(b brokerState) string {
	eps := append([]metadata.Endpoint(nil), b.endpoints...)
	sort.Slice(eps, func(i, j int) bool { return eps[i].Name < eps[j].Name })
	listeners := make([]string, len(eps))
	for i, e := range eps {
		proto, ok := securityProtocols[e.SecurityProtocol]
		if !ok {
			proto = strconv.Itoa(int(e.SecurityProtocol))
		}
		listeners[i] = fmt.Sprintf("Endpoint(listenerName='%s', securityProtocol=%s, host='%s', port=%d)", e.Name, proto, e.Host, e.Port)
	}
	feats := append([]metadata.FeatureRange(nil), b.features...)
	sort.Slice(feats, func(i, j int) bool { return feats[i].Name < feats[j].Name })
	features := make([]string, len(feats))
	for i, f := range feats {
		features[i] = f.Name + ": " + versionRange(f.MinSupportedVersion, f.MaxSupportedVersion)
	}
	rack := "Optional.empty"
	if b.rack != nil {
		rack = "Optional[" + *b.rack + "]"
	}
	return fmt.Sprintf("BrokerRegistration(id=%d, epoch=%d, incarnationId=%s, listeners=[%s], supportedFeatures={%s}, rack=%s, fenced=%t, inControlledShutdown=false, isMigratingZkBroker=false, directories=%s)",
		b.id, b.epoch, b.incarnation, strings.Join(listeners, ", "), strings.Join(features, ", "), rack, b.fenced, uuids(b.logDirs))
}

// versionRange is Kafka's VersionRange.toString.
func versionRange(lo, hi int16) string {
	switch {
	case lo == hi:
		return strconv.Itoa(int(lo))
	case hi == 32767:
		return strconv.Itoa(int(lo)) + "+"
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}

// partitionString is Kafka's PartitionRegistration.toString.
func partitionString(p partitionState) string {
	dirs := p.directories
	if len(dirs) == 0 {
		dirs = make([]metadata.Uuid, len(p.replicas))
		for i := range dirs {
			dirs[i] = migratingDirectory
		}
	}
	return fmt.Sprintf("PartitionRegistration(replicas=%s, directories=%s, isr=%s, removingReplicas=%s, addingReplicas=%s, elr=[], lastKnownElr=[], leader=%d, leaderRecoveryState=RECOVERED, leaderEpoch=%d, partitionEpoch=%d)",
		ints(p.replicas), uuids(dirs), ints(p.isr), ints(p.removing), ints(p.adding), p.leader, p.leaderEpoch, p.partitionEpoch)
}

// ints is Java's Arrays.toString of an int array.
func ints(s []int32) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = strconv.Itoa(int(v))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func uuids(s []metadata.Uuid) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = v.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
