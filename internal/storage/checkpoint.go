package storage

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Files a Kafka log directory keeps beside the partition directories, and
// the per-partition metadata file.
const (
	RecoveryPointCheckpointFile     = "recovery-point-offset-checkpoint"
	LogStartOffsetCheckpointFile    = "log-start-offset-checkpoint"
	ReplicationOffsetCheckpointFile = "replication-offset-checkpoint" // high watermarks
	PartitionMetadataFile           = "partition.metadata"
)

// TopicPartition names a partition in the log-directory checkpoints.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// ReadOffsetCheckpoint reads one of a log directory's offset checkpoints
// (version 0, the count, then "topic partition offset" lines). A missing
// file is an empty checkpoint; a malformed one is an error.
func ReadOffsetCheckpoint(path string) (map[TopicPartition]int64, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[TopicPartition]int64{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	lines, err := checkpointLines(data)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint %s: %w", path, err)
	}
	offsets := make(map[TopicPartition]int64, len(lines))
	for _, line := range lines {
		fields := strings.Fields(line)
		if len(fields) != 3 {
			return nil, fmt.Errorf("read checkpoint %s: malformed line %q", path, line)
		}
		partition, err1 := strconv.ParseInt(fields[1], 10, 32)
		offset, err2 := strconv.ParseInt(fields[2], 10, 64)
		if err1 != nil || err2 != nil || partition < 0 {
			return nil, fmt.Errorf("read checkpoint %s: malformed line %q", path, line)
		}
		offsets[TopicPartition{Topic: fields[0], Partition: int32(partition)}] = offset
	}
	return offsets, nil
}

// WriteOffsetCheckpoint replaces an offset checkpoint atomically (temporary
// file, fsync, rename, directory fsync). Lines are sorted, so equal maps
// give equal files.
func WriteOffsetCheckpoint(path string, offsets map[TopicPartition]int64) error {
	keys := make([]TopicPartition, 0, len(offsets))
	for tp := range offsets {
		if tp.Topic == "" || strings.ContainsAny(tp.Topic, " \t\n") {
			return fmt.Errorf("write checkpoint %s: invalid topic %q", path, tp.Topic)
		}
		keys = append(keys, tp)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Topic != keys[j].Topic {
			return keys[i].Topic < keys[j].Topic
		}
		return keys[i].Partition < keys[j].Partition
	})
	b := make([]byte, 0, 16+len(keys)*48)
	b = append(b, "0\n"...)
	b = strconv.AppendInt(b, int64(len(keys)), 10)
	b = append(b, '\n')
	for _, tp := range keys {
		b = append(b, tp.Topic...)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(tp.Partition), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, offsets[tp], 10)
		b = append(b, '\n')
	}
	return writeFileAtomic(path, b)
}

// ReadPartitionMetadata reads the topic ID from dir/partition.metadata
// ("version: 0" then "topic_id: <base64 UUID>").
func ReadPartitionMetadata(dir string) ([16]byte, error) {
	var id [16]byte
	path := filepath.Join(dir, PartitionMetadataFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return id, fmt.Errorf("read partition metadata: %w", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) < 2 {
		return id, fmt.Errorf("read partition metadata %s: %d lines, want 2", path, len(lines))
	}
	version, ok := metadataField(lines[0], "version")
	if v, err := strconv.Atoi(version); !ok || err != nil || v < 0 {
		return id, fmt.Errorf("read partition metadata %s: malformed line %q", path, lines[0])
	}
	text, ok := metadataField(lines[1], "topic_id")
	if !ok {
		return id, fmt.Errorf("read partition metadata %s: malformed line %q", path, lines[1])
	}
	if id, err = ParseUUID(text); err != nil || id == ([16]byte{}) {
		return id, fmt.Errorf("read partition metadata %s: invalid topic id %q", path, text)
	}
	return id, nil
}

func metadataField(line, name string) (string, bool) {
	fields := strings.Fields(line)
	if len(fields) != 2 || fields[0] != name+":" {
		return "", false
	}
	return fields[1], true
}

// WritePartitionMetadata writes dir/partition.metadata atomically.
func WritePartitionMetadata(dir string, topicID [16]byte) error {
	data := "version: 0\ntopic_id: " + FormatUUID(topicID)
	return writeFileAtomic(filepath.Join(dir, PartitionMetadataFile), []byte(data))
}

// FormatUUID renders a UUID as Kafka's Uuid.toString does: URL-safe base64
// without padding (22 characters).
func FormatUUID(id [16]byte) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// ParseUUID parses Kafka's UUID text form, padded or not.
func ParseUUID(s string) ([16]byte, error) {
	var id [16]byte
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) != 16 {
		return id, fmt.Errorf("invalid uuid %q", s)
	}
	copy(id[:], b)
	return id, nil
}

// Suffixes of partition directories that are not live logs.
const (
	DeleteDirSuffix = "-delete" // being deleted
	FutureDirSuffix = "-future" // the target of an intra-broker move
	StrayDirSuffix  = "-stray"  // not assigned to this broker
)

// DirKind tells a live partition directory from the marked ones.
type DirKind int

// The kinds of partition directory.
const (
	DirLive DirKind = iota
	DirDeleted
	DirFuture
	DirStray
)

// PartitionDir is a parsed partition directory name.
type PartitionDir struct {
	Topic     string
	Partition int32
	Kind      DirKind
}

// PartitionDirName is the directory of a live partition log.
func PartitionDirName(topic string, partition int32) string {
	return topic + "-" + strconv.FormatInt(int64(partition), 10)
}

// DeleteDirName names the directory of a partition marked for deletion:
// <topic>-<partition>.<unique id>-delete, with the topic cut so that the
// name fits in 255 bytes, as Kafka does.
func DeleteDirName(topic string, partition int32) string {
	suffix := "-" + strconv.FormatInt(int64(partition), 10) + "." + uniqueID() + DeleteDirSuffix
	return topic[:min(len(topic), 255-len(suffix))] + suffix
}

// ParsePartitionDir parses a partition directory name as Kafka's
// LocalLog.parseTopicPartitionName: <topic>-<partition>, or
// <topic>-<partition>.<id>-delete / -future / -stray. Topics may contain
// '-' and '.'; the partition is what follows the last '-'.
func ParsePartitionDir(name string) (PartitionDir, error) {
	bad := fmt.Errorf("%q is not a partition directory (<topic>-<partition> or <topic>-<partition>.<id>-delete)", name)
	p := PartitionDir{Kind: DirLive}
	stem := name
	for kind, suffix := range map[DirKind]string{DirDeleted: DeleteDirSuffix, DirFuture: FutureDirSuffix, DirStray: StrayDirSuffix} {
		if s, ok := strings.CutSuffix(name, suffix); ok {
			dot := strings.LastIndexByte(s, '.')
			if dot < 0 || dot == len(s)-1 || strings.ContainsAny(s[dot+1:], " \t\n") {
				return p, bad
			}
			p.Kind, stem = kind, s[:dot]
			break
		}
	}
	dash := strings.LastIndexByte(stem, '-')
	if dash <= 0 || dash == len(stem)-1 || strings.ContainsAny(stem, " \t\n") {
		return p, bad
	}
	partition, err := strconv.ParseInt(stem[dash+1:], 10, 32)
	if err != nil || partition < 0 {
		return p, bad
	}
	p.Topic, p.Partition = stem[:dash], int32(partition)
	return p, nil
}
