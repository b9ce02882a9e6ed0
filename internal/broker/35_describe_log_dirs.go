package broker

// DescribeLogDirs: v1-v5. Every log directory with the size of each
// partition it holds (all of them when topics is null), plus, from v4, the
// directory's total and usable bytes (statfs). v0 was removed in Kafka 4.

import (
	"path/filepath"
	"syscall"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
	"samsa/internal/replica"
)

func init() { regKey(kmsg.DescribeLogDirs, 1, 5, (*Broker).handleDescribeLogDirs) }

func (b *Broker) handleDescribeLogDirs(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.DescribeLogDirsRequest)
	resp := req.ResponseKind().(*kmsg.DescribeLogDirsResponse)
	want := func(replica.ID) bool { return true }
	if req.Topics != nil {
		set := map[replica.ID]bool{}
		for _, t := range req.Topics {
			for _, p := range t.Partitions {
				set[replica.ID{Topic: t.Topic, Partition: p}] = true
			}
		}
		want = func(id replica.ID) bool { return set[id] }
	}
	byDir := map[string]map[string][]kmsg.DescribeLogDirsResponseDirTopicPartition{}
	for _, p := range b.replicas.Partitions() {
		if !want(p.ID()) {
			continue
		}
		dir := filepath.Dir(p.Dir())
		if byDir[dir] == nil {
			byDir[dir] = map[string][]kmsg.DescribeLogDirsResponseDirTopicPartition{}
		}
		dp := kmsg.NewDescribeLogDirsResponseDirTopicPartition()
		dp.Partition, dp.Size = p.ID().Partition, p.Size()
		dp.OffsetLag = max(p.LogEndOffset()-p.HighWatermark(), 0)
		byDir[dir][p.ID().Topic] = append(byDir[dir][p.ID().Topic], dp)
	}
	for _, dir := range b.replicas.LogDirs() {
		rd := kmsg.NewDescribeLogDirsResponseDir()
		rd.Dir = dir
		if abs, err := filepath.Abs(dir); err == nil {
			rd.Dir = abs
		}
		var st syscall.Statfs_t
		if err := syscall.Statfs(dir, &st); err != nil {
			rd.ErrorCode = kerr.KafkaStorageError.Code
		} else {
			rd.TotalBytes = int64(st.Blocks) * st.Bsize
			rd.UsableBytes = int64(st.Bavail) * st.Bsize
		}
		for topic, parts := range byDir[dir] {
			rt := kmsg.NewDescribeLogDirsResponseDirTopic()
			rt.Topic, rt.Partitions = topic, parts
			rd.Topics = append(rd.Topics, rt)
		}
		resp.Dirs = append(resp.Dirs, rd)
	}
	return ready(resp)
}
