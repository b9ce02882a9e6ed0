package server

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// TestSimpleGroupOffsets commits offsets outside any membership (as admin
// tools and assign-only consumers do), reads them back across a restart,
// lists and deletes the group.
func TestSimpleGroupOffsets(t *testing.T) {
	dir := t.TempDir()
	s := startNode(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := kadm.NewClient(client(t, s))
	if _, err := adm.CreateTopic(ctx, 3, 1, nil, "t"); err != nil {
		t.Fatal(err)
	}
	var offs kadm.Offsets
	offs.Add(kadm.Offset{Topic: "t", Partition: 0, At: 5, LeaderEpoch: -1, Metadata: "m"})
	offs.Add(kadm.Offset{Topic: "t", Partition: 2, At: 7, LeaderEpoch: -1})
	resp, err := adm.CommitOffsets(ctx, "simple", offs)
	if err != nil || resp.Error() != nil {
		t.Fatalf("commit: %v %v", err, resp.Error())
	}
	bad := kadm.Offsets{}
	bad.Add(kadm.Offset{Topic: "nope", Partition: 0, At: 1})
	if r, _ := adm.CommitOffsets(ctx, "simple", bad); r.Error() == nil {
		t.Fatalf("commit to an unknown topic succeeded")
	}
	check := func(adm *kadm.Client) {
		t.Helper()
		fetched, err := adm.FetchOffsets(ctx, "simple")
		if err != nil {
			t.Fatal(err)
		}
		if o, _ := fetched.Lookup("t", 0); o.At != 5 || o.Metadata != "m" {
			t.Fatalf("partition 0: %+v", o)
		}
		if o, _ := fetched.Lookup("t", 2); o.At != 7 {
			t.Fatalf("partition 2: %+v", o)
		}
		if _, ok := fetched.Lookup("t", 1); ok {
			t.Fatalf("partition 1 has an offset it was never given")
		}
	}
	check(adm)
	s.Close()
	s = startNode(t, dir)
	defer s.Close()
	adm = kadm.NewClient(client(t, s))
	check(adm)
	groups, err := adm.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := groups["simple"]; !ok || g.State != "Empty" {
		t.Fatalf("list groups: %+v", groups)
	}
	del, err := adm.DeleteGroups(ctx, "simple")
	if err != nil || del["simple"].Err != nil {
		t.Fatalf("delete: %v %+v", err, del)
	}
	if del, _ = adm.DeleteGroups(ctx, "simple"); del["simple"].Err != kerr.GroupIDNotFound {
		t.Fatalf("second delete: %+v", del)
	}
	fetched, err := adm.FetchOffsets(ctx, "simple")
	if err != nil || len(fetched) != 0 {
		t.Fatalf("offsets after delete: %v %+v", err, fetched)
	}
}

// TestOversizedCommitRefused: a commit whose records exceed what one batch
// of __consumer_offsets may hold is refused whole with
// INVALID_COMMIT_OFFSET_SIZE, and the group's partition keeps serving.
func TestOversizedCommitRefused(t *testing.T) {
	s := startNode(t, t.TempDir())
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := kadm.NewClient(client(t, s))
	if _, err := adm.CreateTopic(ctx, 400, 1, nil, "wide"); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("m", 4000)
	var offs kadm.Offsets
	for p := int32(0); p < 400; p++ {
		offs.Add(kadm.Offset{Topic: "wide", Partition: p, At: 1, LeaderEpoch: -1, Metadata: big})
	}
	resp, err := adm.CommitOffsets(ctx, "g", offs)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(resp.Error(), kerr.InvalidCommitOffsetSize) {
		t.Fatalf("oversized commit: %v", resp.Error())
	}
	var small kadm.Offsets
	small.Add(kadm.Offset{Topic: "wide", Partition: 0, At: 9, LeaderEpoch: -1})
	if resp, err := adm.CommitOffsets(ctx, "g", small); err != nil || resp.Error() != nil {
		t.Fatalf("commit after the refused one: %v %v", err, resp.Error())
	}
	fetched, err := adm.FetchOffsets(ctx, "g")
	if o, _ := fetched.Lookup("wide", 0); err != nil || o.At != 9 || len(fetched["wide"]) != 1 {
		t.Fatalf("offsets: %v %+v", err, fetched)
	}
}
