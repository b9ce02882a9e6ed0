package metadataquorum

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/cli"
)

// target is where the tool sends its requests: brokers, which forward
// DescribeQuorum to the active controller, or controllers directly.
type target struct {
	bootstrap  string
	controller bool
}

// replica is one voter or observer of the metadata log.
type replica struct {
	id                    int32
	directoryID           [16]byte
	logEndOffset          int64
	lastFetchTimestamp    int64 // -1 when unknown
	lastCaughtUpTimestamp int64 // -1 when unknown
}

// quorumInfo is what DescribeQuorum (and DescribeCluster, for the cluster
// id) says about the metadata quorum.
type quorumInfo struct {
	clusterID     string
	leaderID      int32
	leaderEpoch   int32
	highWatermark int64
	voters        []replica
	observers     []replica
	endpoints     map[int32][]string // node id -> NAME://host:port
}

// describe connects and asks for the quorum's state; withCluster also asks
// DescribeCluster for the cluster id.
func (t target) describe(ctx context.Context, props map[string]string, withCluster bool) (*quorumInfo, error) {
	adm, err := cli.Connect(ctx, t.bootstrap, props)
	if err != nil {
		return nil, err
	}
	defer adm.Close()
	// Requests go to the bootstrap servers themselves: a controller
	// listener answers no Metadata request, so the client could never
	// discover the cluster's brokers through it.
	q := &quorumInfo{}
	if withCluster {
		req := kmsg.NewPtrDescribeClusterRequest()
		req.EndpointType = 1
		if t.controller {
			req.EndpointType = 2
		}
		kresp, err := t.request(ctx, adm.Client, req)
		if err != nil {
			return nil, err
		}
		resp := kresp.(*kmsg.DescribeClusterResponse)
		if err := errorOf(resp.ErrorCode, resp.ErrorMessage); err != nil {
			return nil, err
		}
		q.clusterID = resp.ClusterID
	}
	req := kmsg.NewPtrDescribeQuorumRequest()
	rt := kmsg.NewDescribeQuorumRequestTopic()
	rt.Topic = "__cluster_metadata"
	rt.Partitions = []kmsg.DescribeQuorumRequestTopicPartition{kmsg.NewDescribeQuorumRequestTopicPartition()}
	req.Topics = append(req.Topics, rt)
	kresp, err := t.request(ctx, adm.Client, req)
	if err != nil {
		return nil, err
	}
	return q, q.fill(kresp.(*kmsg.DescribeQuorumResponse))
}

// request sends req to the first bootstrap server that answers.
func (t target) request(ctx context.Context, cl *kgo.Client, req kmsg.Request) (kmsg.Response, error) {
	var last error
	for i := range cli.SplitBootstrap(t.bootstrap) {
		resp, err := cl.Broker(math.MinInt32+i).Request(ctx, req)
		if err == nil {
			return resp, nil
		}
		last = err
	}
	return nil, fmt.Errorf("%s request to %s failed: %w", kmsg.NameForKey(req.Key()), t.bootstrap, last)
}

// fill copies the one partition of the metadata log out of resp.
func (q *quorumInfo) fill(resp *kmsg.DescribeQuorumResponse) error {
	if err := errorOf(resp.ErrorCode, resp.ErrorMessage); err != nil {
		return err
	}
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		return fmt.Errorf("DescribeQuorum answered %d topics, want the one metadata partition", len(resp.Topics))
	}
	p := resp.Topics[0].Partitions[0]
	if err := errorOf(p.ErrorCode, p.ErrorMessage); err != nil {
		return err
	}
	q.leaderID, q.leaderEpoch, q.highWatermark = p.LeaderID, p.LeaderEpoch, p.HighWatermark
	conv := func(rs []kmsg.DescribeQuorumResponseTopicPartitionReplicaState) []replica {
		out := make([]replica, 0, len(rs))
		for _, r := range rs {
			out = append(out, replica{r.ReplicaID, r.ReplicaDirectoryID, r.LogEndOffset, r.LastFetchTimestamp, r.LastCaughtUpTimestamp})
		}
		return out
	}
	q.voters, q.observers = conv(p.CurrentVoters), conv(p.Observers)
	q.endpoints = map[int32][]string{}
	for _, n := range resp.Nodes {
		for _, l := range n.Listeners {
			q.endpoints[n.NodeID] = append(q.endpoints[n.NodeID], l.Name+"://"+joinHostPort(l.Host, int(l.Port)))
		}
	}
	return nil
}

// joinHostPort encloses IPv6 hosts in brackets, as Kafka's
// RaftVoterEndpoint.toString does.
func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		return net.JoinHostPort(host, strconv.Itoa(port))
	}
	return host + ":" + strconv.Itoa(port)
}

// errorOf turns a Kafka error code into the text Kafka's admin client
// exception would carry.
func errorOf(code int16, message *string) error {
	err := kerr.ErrorForCode(code)
	if err == nil {
		return nil
	}
	if message != nil && *message != "" {
		return fmt.Errorf("%w: %s", err, *message)
	}
	return err
}

// leader returns the voter that leads.
func (q *quorumInfo) leader() (replica, error) {
	for _, v := range q.voters {
		if v.id == q.leaderID {
			return v, nil
		}
	}
	return replica{}, fmt.Errorf("The metadata quorum has no leader among its voters (leader id %d).", q.leaderID)
}

func printStatus(w io.Writer, q *quorumInfo) error {
	leader, err := q.leader()
	if err != nil {
		return err
	}
	// The voter furthest behind; the first of equals, as Java's
	// Stream.min keeps.
	slowest := 0
	for i, v := range q.voters {
		if v.logEndOffset < q.voters[slowest].logEndOffset {
			slowest = i
		}
	}
	lagging := q.voters[slowest]
	lagTimeMs := int64(0)
	switch {
	case lagging.id == leader.id:
	case leader.lastCaughtUpTimestamp >= 0 && lagging.lastCaughtUpTimestamp >= 0:
		lagTimeMs = leader.lastCaughtUpTimestamp - lagging.lastCaughtUpTimestamp
	default:
		lagTimeMs = -1
	}
	fmt.Fprintf(w, "%-24s%s\n", "ClusterId:", q.clusterID)
	fmt.Fprintf(w, "%-24s%d\n", "LeaderId:", q.leaderID)
	fmt.Fprintf(w, "%-24s%d\n", "LeaderEpoch:", q.leaderEpoch)
	fmt.Fprintf(w, "%-24s%d\n", "HighWatermark:", q.highWatermark)
	fmt.Fprintf(w, "%-24s%d\n", "MaxFollowerLag:", leader.logEndOffset-lagging.logEndOffset)
	fmt.Fprintf(w, "%-24s%d\n", "MaxFollowerLagTimeMs:", lagTimeMs)
	fmt.Fprintf(w, "%-24s%s\n", "CurrentVoters:", q.replicaList(q.voters))
	fmt.Fprintf(w, "%-24s%s\n", "CurrentObservers:", q.replicaList(q.observers))
	return nil
}

// replicaList is Kafka's [{"id": 1, "directoryId": "…", "endpoints":
// ["CONTROLLER://host:9093"]}, …]; a zero directory id prints as null and
// a replica without known endpoints has no endpoints key.
func (q *quorumInfo) replicaList(rs []replica) string {
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		var b strings.Builder
		fmt.Fprintf(&b, `{"id": %d, "directoryId": `, r.id)
		if r.directoryID == [16]byte{} {
			b.WriteString("null")
		} else {
			fmt.Fprintf(&b, "%q", uuidString(r.directoryID))
		}
		if eps := q.endpoints[r.id]; len(eps) > 0 {
			b.WriteString(`, "endpoints": ["` + strings.Join(eps, `", "`) + `"]`)
		}
		b.WriteString("}")
		parts = append(parts, b.String())
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func uuidString(u [16]byte) string { return base64.RawURLEncoding.EncodeToString(u[:]) }

func nowMillis() int64 { return time.Now().UnixMilli() }

func printReplication(w io.Writer, q *quorumInfo, human bool, now int64) error {
	leader, err := q.leader()
	if err != nil {
		return err
	}
	var rows [][]string
	add := func(r replica, status string) error {
		fetch, err := timestampCell(r.lastFetchTimestamp, human, now, "last fetch")
		if err != nil {
			return err
		}
		caughtUp, err := timestampCell(r.lastCaughtUpTimestamp, human, now, "last caught up")
		if err != nil {
			return err
		}
		rows = append(rows, []string{
			strconv.Itoa(int(r.id)), uuidString(r.directoryID), strconv.FormatInt(r.logEndOffset, 10),
			strconv.FormatInt(leader.logEndOffset-r.logEndOffset, 10), fetch, caughtUp, status,
		})
		return nil
	}
	if err := add(leader, "Leader"); err != nil {
		return err
	}
	for _, v := range q.voters {
		if v.id != leader.id {
			if err := add(v, "Follower"); err != nil {
				return err
			}
		}
	}
	for _, o := range q.observers {
		if err := add(o, "Observer"); err != nil {
			return err
		}
	}
	printTable(w, []string{"NodeId", "DirectoryId", "LogEndOffset", "Lag", "LastFetchTimestamp", "LastCaughtUpTimestamp", "Status"}, rows)
	return nil
}

// timestampCell is a timestamp column: -1 when unknown, milliseconds, or
// "N ms ago" for --human-readable.
func timestampCell(ts int64, human bool, now int64, desc string) (string, error) {
	if ts < 0 {
		return "-1", nil
	}
	if !human {
		return strconv.FormatInt(ts, 10), nil
	}
	if ts <= 0 || ts > now {
		return "", fmt.Errorf("Error while computing relative time, possible drift in system clock.\nCurrent timestamp is %d, %s timestamp is %d", now, desc, ts)
	}
	return fmt.Sprintf("%d ms ago", now-ts), nil
}

// printTable pads every cell to its column's width and ends it with a tab,
// as Kafka's ToolsUtils.prettyPrintTable does (trailing tab included).
func printTable(w io.Writer, headers []string, rows [][]string) {
	widths := make([]int, len(headers))
	for i, h := range headers {
		widths[i] = len(h)
	}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	for _, r := range append([][]string{headers}, rows...) {
		var b strings.Builder
		for i, c := range r {
			fmt.Fprintf(&b, "%-*s\t", widths[i], c)
		}
		fmt.Fprintln(w, b.String())
	}
}
