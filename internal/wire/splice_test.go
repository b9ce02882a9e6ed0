package wire

import (
	"bytes"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestSpliceFrameMatchesCopiedEncoding checks that a spliced fetch response
// is byte for byte the response kmsg encodes with the batches inside it, in
// a non-flexible and a flexible version.
func TestSpliceFrameMatchesCopiedEncoding(t *testing.T) {
	batches := [][]byte{bytes.Repeat([]byte{7}, 300), bytes.Repeat([]byte{9}, 200)}
	for _, version := range []int16{11, 12, 17} {
		build := func(records [2][]byte) *kmsg.FetchResponse {
			resp := kmsg.NewPtrFetchResponse()
			resp.SetVersion(version)
			topic := kmsg.NewFetchResponseTopic()
			topic.Topic = "t"
			for i, r := range records {
				p := kmsg.NewFetchResponseTopicPartition()
				p.Partition = int32(i)
				p.RecordBatches = r
				topic.Partitions = append(topic.Partitions, p)
			}
			resp.Topics = append(resp.Topics, topic)
			return resp
		}
		want := AppendResponse(nil, 42, version >= 12, build([2][]byte{batches[0], batches[1]}))
		ph := [2][]byte{NewPlaceholder(0), NewPlaceholder(1)}
		frame := AppendResponse(nil, 42, version >= 12, build(ph))
		pieces, err := SpliceFrame(frame, []Splice{
			{Placeholder: ph[0], Data: [][]byte{batches[0][:100], batches[0][100:]}, Compact: version >= 12},
			{Placeholder: ph[1], Data: [][]byte{batches[1]}, Compact: version >= 12},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Join(pieces, nil); !bytes.Equal(got, want) {
			t.Fatalf("v%d: spliced frame differs from the copied encoding", version)
		}
	}
}

func TestSpliceFrameRejectsMissingPlaceholder(t *testing.T) {
	frame := AppendResponse(nil, 1, false, kmsg.NewPtrFetchResponse())
	if _, err := SpliceFrame(frame, []Splice{{Placeholder: NewPlaceholder(0)}}); err == nil {
		t.Fatal("spliced a frame without its placeholder")
	}
}
