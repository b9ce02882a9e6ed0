package server

import (
	"errors"
	"fmt"
	"log/slog"

	"samsa/internal/config"
	"samsa/internal/metadata"
	"samsa/internal/storage"
)

// DefaultClusterID is the cluster id of an automatically formatted node
// when CLUSTER_ID does not name one: the id the apache/kafka image uses,
// so a node started by a tutorial's docker command and by `samsa server`
// look alike.
const DefaultClusterID = "5L6g3nShT-eMCtK--X86sw"

// standalone reports whether a node is its own whole quorum: a combined
// node whose voters are itself alone (or who names no voters, the dynamic
// quorum of `kafka-storage format --standalone`). Such a node may format
// itself, as the apache/kafka image does.
func standalone(cfg *config.Broker) bool {
	if !cfg.ProcessRoles.Controller {
		return false
	}
	switch len(cfg.QuorumVoters) {
	case 0:
		return true
	case 1:
		return cfg.QuorumVoters[0].ID == cfg.NodeID
	}
	return false
}

// Format writes meta.properties into every data directory of cfg; see
// storage.FormatDirs.
func Format(cfg *config.Broker, clusterID string, ignoreFormatted bool) ([]storage.FormatResult, error) {
	return storage.FormatDirs(cfg.DataDirs(), cfg.MetadataLogDir, clusterID, cfg.NodeID, ignoreFormatted)
}

// ensureFormatted checks that every data directory is formatted for this
// node and cluster, formatting a standalone node's directories on first
// start. It returns the cluster id and the log directories' ids.
func ensureFormatted(cfg *config.Broker, envClusterID string, log *slog.Logger) (string, []metadata.Uuid, error) {
	dirs := cfg.DataDirs()
	metas := map[string]storage.MetaProperties{}
	var missing []string
	for _, dir := range dirs {
		m, err := storage.ReadMetaProperties(dir)
		switch {
		case errors.Is(err, storage.ErrNotFormatted):
			missing = append(missing, dir)
		case err != nil:
			return "", nil, err
		default:
			metas[dir] = m
		}
	}
	if len(missing) == len(dirs) {
		if !standalone(cfg) {
			return "", nil, fmt.Errorf("No `meta.properties` found in %s (have you run `samsa storage format` (kafka-storage.sh format) to format the directory?)", missing[0])
		}
		clusterID := envClusterID
		if clusterID == "" {
			clusterID = DefaultClusterID
		}
		formatted, err := Format(cfg, clusterID, false)
		if err != nil {
			return "", nil, err
		}
		for _, f := range formatted {
			log.Info("formatted data directory", "dir", f.Dir, "cluster.id", clusterID)
		}
		return ensureFormatted(cfg, envClusterID, log)
	}
	if len(missing) > 0 {
		return "", nil, fmt.Errorf("No `meta.properties` found in %s while other directories are formatted (run `samsa storage format --ignore-formatted`)", missing[0])
	}
	var clusterID string
	var ids []metadata.Uuid
	for _, dir := range dirs {
		m := metas[dir]
		if clusterID == "" {
			clusterID = m.ClusterID
		}
		if m.ClusterID != clusterID {
			return "", nil, fmt.Errorf("Invalid cluster.id in: %s. Expected %s, but read %s.", dir, clusterID, m.ClusterID)
		}
		if envClusterID != "" && m.ClusterID != envClusterID {
			return "", nil, fmt.Errorf("Invalid cluster.id in: %s. Expected %s, but read %s.", dir, envClusterID, m.ClusterID)
		}
		if m.NodeID != cfg.NodeID {
			return "", nil, fmt.Errorf("Stored node id %d in %s doesn't match the configured node.id %d.", m.NodeID, dir, cfg.NodeID)
		}
	}
	for _, dir := range cfg.LogDirs {
		if id, err := metadata.ParseUuid(metas[dir].DirectoryID); err == nil {
			ids = append(ids, id)
		}
	}
	return clusterID, ids, nil
}
