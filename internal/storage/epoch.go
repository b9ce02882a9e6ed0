package storage

import (
	"fmt"
	"strconv"
	"strings"
)

// LeaderEpochCheckpointFile is the name of the leader-epoch checkpoint in a
// partition directory.
const LeaderEpochCheckpointFile = "leader-epoch-checkpoint"

// epochCache is Kafka's LeaderEpochFileCache without the locking (the Log
// guards it): the first offset of each leader epoch, in increasing epoch
// and offset order.
type epochCache struct {
	entries []EpochEntry
}

func (c *epochCache) latest() (EpochEntry, bool) {
	if len(c.entries) == 0 {
		return EpochEntry{}, false
	}
	return c.entries[len(c.entries)-1], true
}

// needsAssign is the cheap check done on every append: a new epoch, or an
// earlier start for the latest one.
func (c *epochCache) needsAssign(epoch int32, startOffset int64) bool {
	if epoch < 0 || startOffset < 0 {
		return false
	}
	last, ok := c.latest()
	return !ok || epoch != last.Epoch || startOffset < last.StartOffset
}

// assign records that epoch starts at startOffset. Entries that would break
// monotonicity (an epoch or start offset at or above the new ones) are
// dropped first, as Kafka does. It reports whether the cache changed.
func (c *epochCache) assign(epoch int32, startOffset int64) bool {
	if !c.needsAssign(epoch, startOffset) {
		return false
	}
	n := len(c.entries)
	for n > 0 && (c.entries[n-1].Epoch >= epoch || c.entries[n-1].StartOffset >= startOffset) {
		n--
	}
	c.entries = append(c.entries[:n:n], EpochEntry{Epoch: epoch, StartOffset: startOffset})
	return true
}

// truncateFromEnd removes the epochs that start at or after endOffset.
func (c *epochCache) truncateFromEnd(endOffset int64) bool {
	n := len(c.entries)
	for n > 0 && c.entries[n-1].StartOffset >= endOffset {
		n--
	}
	if n == len(c.entries) {
		return false
	}
	c.entries = c.entries[:n:n]
	return true
}

// truncateFromStart drops the epochs wholly below startOffset and moves the
// start of the one containing it up to startOffset.
func (c *epochCache) truncateFromStart(startOffset int64) bool {
	i := 0
	for i < len(c.entries) && c.entries[i].StartOffset <= startOffset {
		i++
	}
	if i == 0 || (i == 1 && c.entries[0].StartOffset == startOffset) {
		return false
	}
	first := EpochEntry{Epoch: c.entries[i-1].Epoch, StartOffset: startOffset}
	rest := c.entries[i:]
	c.entries = append([]EpochEntry{first}, rest...)
	return true
}

// endOffsetFor answers OffsetForLeaderEpoch as Kafka's endOffsetFor does.
func (c *epochCache) endOffsetFor(epoch int32, logEndOffset int64) (int32, int64) {
	if epoch < 0 {
		return -1, -1
	}
	last, ok := c.latest()
	if ok && last.Epoch == epoch {
		return epoch, logEndOffset
	}
	// higher: the first entry with a larger epoch; floor: the last entry
	// with an epoch <= the requested one.
	higher := -1
	for i, e := range c.entries {
		if e.Epoch > epoch {
			higher = i
			break
		}
	}
	if higher < 0 {
		return -1, -1
	}
	if higher == 0 {
		// Older than anything kept: the follower truncates to where the
		// known history starts.
		return epoch, c.entries[0].StartOffset
	}
	return c.entries[higher-1].Epoch, c.entries[higher].StartOffset
}

func (c *epochCache) clone() []EpochEntry {
	return append([]EpochEntry(nil), c.entries...)
}

// encodeEpochCheckpoint renders Kafka's checkpoint text: the version (0),
// the count, then "epoch startOffset" lines.
func encodeEpochCheckpoint(entries []EpochEntry) []byte {
	b := make([]byte, 0, 8+24*len(entries))
	b = append(b, "0\n"...)
	b = strconv.AppendInt(b, int64(len(entries)), 10)
	b = append(b, '\n')
	for _, e := range entries {
		b = strconv.AppendInt(b, int64(e.Epoch), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, e.StartOffset, 10)
		b = append(b, '\n')
	}
	return b
}

// parseEpochCheckpoint parses the checkpoint text and checks that the
// entries increase.
func parseEpochCheckpoint(data []byte) ([]EpochEntry, error) {
	lines, err := checkpointLines(data)
	if err != nil {
		return nil, err
	}
	entries := make([]EpochEntry, 0, len(lines))
	for _, line := range lines {
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("malformed line %q", line)
		}
		epoch, err1 := strconv.ParseInt(fields[0], 10, 32)
		start, err2 := strconv.ParseInt(fields[1], 10, 64)
		if err1 != nil || err2 != nil || epoch < 0 || start < 0 {
			return nil, fmt.Errorf("malformed line %q", line)
		}
		e := EpochEntry{Epoch: int32(epoch), StartOffset: start}
		if n := len(entries); n > 0 && (e.Epoch <= entries[n-1].Epoch || e.StartOffset < entries[n-1].StartOffset) {
			return nil, fmt.Errorf("entry %q does not follow %d %d", line, entries[n-1].Epoch, entries[n-1].StartOffset)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// checkpointLines checks the version line (0) and the count line of a
// Kafka checkpoint file and returns the entry lines.
func checkpointLines(data []byte) ([]string, error) {
	text := strings.TrimRight(string(data), "\n")
	if text == "" {
		return nil, fmt.Errorf("empty checkpoint")
	}
	lines := strings.Split(text, "\n")
	if len(lines) < 2 {
		return nil, fmt.Errorf("checkpoint has %d lines, want at least 2", len(lines))
	}
	version, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || version != 0 {
		return nil, fmt.Errorf("unrecognised checkpoint version %q", lines[0])
	}
	count, err := strconv.Atoi(strings.TrimSpace(lines[1]))
	if err != nil || count < 0 {
		return nil, fmt.Errorf("malformed checkpoint count %q", lines[1])
	}
	if count != len(lines)-2 {
		return nil, fmt.Errorf("checkpoint says %d entries but has %d", count, len(lines)-2)
	}
	return lines[2:], nil
}
