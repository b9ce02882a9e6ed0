package storage

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MetaPropertiesFile marks a formatted log directory: it names the cluster,
// the node and the directory, as Kafka's meta.properties (version 1) does.
const MetaPropertiesFile = "meta.properties"

// ErrNotFormatted reports a log directory without meta.properties.
var ErrNotFormatted = errors.New("log directory is not formatted")

// MetaProperties is the content of meta.properties.
type MetaProperties struct {
	ClusterID   string
	NodeID      int32
	DirectoryID string // base64 uuid
}

// ReadMetaProperties reads dir/meta.properties; ErrNotFormatted when it is
// missing.
func ReadMetaProperties(dir string) (MetaProperties, error) {
	path := filepath.Join(dir, MetaPropertiesFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return MetaProperties{}, fmt.Errorf("%s: %w", path, ErrNotFormatted)
	}
	if err != nil {
		return MetaProperties{}, fmt.Errorf("reading %s: %w", path, err)
	}
	props := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		props[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	if props["version"] != "1" {
		return MetaProperties{}, fmt.Errorf("%s: unsupported meta.properties version %q (want 1)", path, props["version"])
	}
	m := MetaProperties{ClusterID: props["cluster.id"], DirectoryID: props["directory.id"]}
	id, err := strconv.ParseInt(props["node.id"], 10, 32)
	if err != nil || m.ClusterID == "" {
		return MetaProperties{}, fmt.Errorf("%s: node.id and cluster.id are required", path)
	}
	m.NodeID = int32(id)
	return m, nil
}

// WriteMetaProperties writes dir/meta.properties atomically, creating dir.
func WriteMetaProperties(dir string, m MetaProperties) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	props := map[string]string{
		"version": "1", "cluster.id": m.ClusterID, "node.id": strconv.Itoa(int(m.NodeID)),
	}
	if m.DirectoryID != "" {
		props["directory.id"] = m.DirectoryID
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "#\n#%s\n", time.Now().UTC().Format("Mon Jan 02 15:04:05 MST 2006"))
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, props[k])
	}
	return writeFileAtomic(filepath.Join(dir, MetaPropertiesFile), []byte(b.String()))
}

// FormatResult describes one formatted directory, for the storage tool's
// "Formatting … with metadata.version …" lines.
type FormatResult struct {
	Dir      string
	Metadata bool // the metadata log directory
}

// FormatDirs writes meta.properties for node nodeID of cluster clusterID
// (a base64 uuid) into each directory, each with a new directory id. With
// ignoreFormatted, directories already formatted are skipped; otherwise
// one already formatted is an error naming the flag, as Kafka's.
func FormatDirs(dirs []string, metadataDir, clusterID string, nodeID int32, ignoreFormatted bool) ([]FormatResult, error) {
	return FormatDirsWithMetadataID(dirs, metadataDir, clusterID, nodeID, ignoreFormatted, [16]byte{})
}

// FormatDirsWithMetadataID is FormatDirs giving the metadata log directory
// the id metadataDirID (unless it is zero): the id a voter is known by in
// the quorum, from `kafka-storage format --initial-controllers`.
func FormatDirsWithMetadataID(dirs []string, metadataDir, clusterID string, nodeID int32, ignoreFormatted bool, metadataDirID [16]byte) ([]FormatResult, error) {
	if _, err := ParseUUID(clusterID); err != nil {
		return nil, fmt.Errorf("cluster id %q is not a valid uuid (use `samsa storage random-uuid`)", clusterID)
	}
	var out []FormatResult
	for _, dir := range dirs {
		_, err := ReadMetaProperties(dir)
		switch {
		case err == nil && ignoreFormatted:
			continue
		case err == nil:
			return out, fmt.Errorf("Log directory %s is already formatted. Use --ignore-formatted to ignore this directory and format the others.", dir)
		case !errors.Is(err, ErrNotFormatted):
			return out, err
		}
		id := newDirectoryID()
		if dir == metadataDir && metadataDirID != [16]byte{} {
			id = metadataDirID
		}
		m := MetaProperties{ClusterID: clusterID, NodeID: nodeID, DirectoryID: FormatUUID(id)}
		if err := WriteMetaProperties(dir, m); err != nil {
			return out, err
		}
		out = append(out, FormatResult{Dir: dir, Metadata: dir == metadataDir})
	}
	return out, nil
}

// newDirectoryID returns a random id that is not one of Kafka's reserved
// directory ids (the zero uuid and the small ones below 100).
func newDirectoryID() [16]byte {
	for {
		var id [16]byte
		if _, err := rand.Read(id[:]); err != nil {
			panic(fmt.Sprintf("storage: reading random bytes: %v", err))
		}
		reserved := true
		for _, b := range id[:15] {
			if b != 0 {
				reserved = false
				break
			}
		}
		if !reserved && FormatUUID(id)[0] != '-' {
			return id
		}
	}
}
