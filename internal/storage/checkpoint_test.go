package storage

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestOffsetCheckpoint(t *testing.T) {
	path := filepath.Join(testDir(t), RecoveryPointCheckpointFile)
	got, err := ReadOffsetCheckpoint(path)
	if err != nil || len(got) != 0 {
		t.Fatalf("missing checkpoint: %v, %v", got, err)
	}
	offsets := map[TopicPartition]int64{
		{"orders", 1}:             42,
		{"orders", 0}:             7,
		{"__consumer_offsets", 3}: 0,
		{"a.b-c", 12}:             1 << 40,
	}
	if err := WriteOffsetCheckpoint(path, offsets); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	want := "0\n4\n__consumer_offsets 3 0\na.b-c 12 1099511627776\norders 0 7\norders 1 42\n"
	if string(data) != want {
		t.Fatalf("file %q, want %q", data, want)
	}
	if got, err = ReadOffsetCheckpoint(path); err != nil || !reflect.DeepEqual(got, offsets) {
		t.Fatalf("read back %v, %v", got, err)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Fatal("temporary file left behind")
	}
	for _, bad := range []string{"", "1\n0\n", "0\n1\n", "0\n1\nt 0\n", "0\n1\nt x 1\n", "0\n2\nt 0 1\n", "0\nx\n"} {
		os.WriteFile(path, []byte(bad), 0o644)
		if _, err := ReadOffsetCheckpoint(path); err == nil {
			t.Errorf("checkpoint %q accepted", bad)
		}
	}
	if err := WriteOffsetCheckpoint(path, map[TopicPartition]int64{{"a b", 0}: 1}); err == nil {
		t.Error("topic with a space accepted")
	}
}

func TestPartitionMetadata(t *testing.T) {
	dir := testDir(t)
	id := [16]byte{0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff}
	if err := WritePartitionMetadata(dir, id); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, PartitionMetadataFile))
	if want := "version: 0\ntopic_id: fwECAwQFBgcICQoLDA0O_w"; string(data) != want {
		t.Fatalf("file %q, want %q", data, want)
	}
	got, err := ReadPartitionMetadata(dir)
	if err != nil || got != id {
		t.Fatalf("read back %x, %v", got, err)
	}
	for _, bad := range []string{"version: 0\n", "version: x\ntopic_id: fwECAwQFBgcICQoLDA0O_w", "version: 0\ntopic_id: short",
		"version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA", "v 0\ntopic_id: fwECAwQFBgcICQoLDA0O_w"} {
		os.WriteFile(filepath.Join(dir, PartitionMetadataFile), []byte(bad), 0o644)
		if _, err := ReadPartitionMetadata(dir); err == nil {
			t.Errorf("metadata %q accepted", bad)
		}
	}
	if id2, err := ParseUUID("fwECAwQFBgcICQoLDA0O_w=="); err != nil || id2 != id {
		t.Fatalf("padded uuid: %x %v", id2, err)
	}
}

func TestParsePartitionDir(t *testing.T) {
	for _, c := range []struct {
		name string
		want PartitionDir
	}{
		{"orders-0", PartitionDir{"orders", 0, DirLive}},
		{"my-topic-12", PartitionDir{"my-topic", 12, DirLive}},
		{"a.b_c-d-3", PartitionDir{"a.b_c-d", 3, DirLive}},
		{"__consumer_offsets-49", PartitionDir{"__consumer_offsets", 49, DirLive}},
		{"my.topic-2.0123456789abcdef0123456789abcdef-delete", PartitionDir{"my.topic", 2, DirDeleted}},
		{"t-1.abc-future", PartitionDir{"t", 1, DirFuture}},
		{"t-1.abc-stray", PartitionDir{"t", 1, DirStray}},
	} {
		got, err := ParsePartitionDir(c.name)
		if err != nil || got != c.want {
			t.Errorf("ParsePartitionDir(%q) = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "orders", "orders-", "-1", "orders-x", "t-1-delete", "t-1.-delete", "t-1.x y-delete", "a b-0"} {
		if got, err := ParsePartitionDir(bad); err == nil {
			t.Errorf("ParsePartitionDir(%q) accepted: %+v", bad, got)
		}
	}
	if PartitionDirName("a.b-c", 7) != "a.b-c-7" {
		t.Error("PartitionDirName")
	}
	name := DeleteDirName("my.topic", 2)
	if p, err := ParsePartitionDir(name); err != nil || p != (PartitionDir{"my.topic", 2, DirDeleted}) {
		t.Fatalf("DeleteDirName %q parses as %+v, %v", name, p, err)
	}
	long := DeleteDirName(strings.Repeat("x", 249), 123)
	if len(long) != 255 {
		t.Fatalf("delete dir name of a long topic has %d bytes, want 255", len(long))
	}
	if _, err := ParsePartitionDir(long); err != nil {
		t.Fatal(err)
	}
}
