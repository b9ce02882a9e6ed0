package metadata

import "fmt"

// Kafka's metadata.version levels that Samsa knows by name: the KRaft
// production levels from 3.3-IV3 on.
var metadataVersionNames = map[int16]string{
	7: "3.3-IV3", 8: "3.4-IV0", 9: "3.5-IV0", 10: "3.5-IV1", 11: "3.5-IV2",
	12: "3.6-IV0", 13: "3.6-IV1", 14: "3.6-IV2", 15: "3.7-IV0", 16: "3.7-IV1",
	17: "3.7-IV2", 18: "3.7-IV3", 19: "3.7-IV4", 20: "3.8-IV0", 21: "3.9-IV0",
	22: "4.0-IV0", 23: "4.0-IV1", 24: "4.0-IV2", 25: "4.0-IV3",
}

// Feature levels Samsa supports and finalizes on a new cluster.
const (
	MetadataVersionMin    int16 = 7  // 3.3-IV3
	MetadataVersionLatest int16 = 25 // 4.0-IV3
)

// MetadataVersionName returns Kafka's name of a metadata.version level, as
// the tools print it ("4.0-IV3").
func MetadataVersionName(level int16) string {
	if n, ok := metadataVersionNames[level]; ok {
		return n
	}
	return fmt.Sprintf("level %d", level)
}
