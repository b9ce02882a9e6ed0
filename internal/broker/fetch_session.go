package broker

// Incremental fetch sessions (KIP-227). A consumer that fetches the same
// partitions over and over sends them once; later requests carry only what
// changed, and responses only the partitions that have news (records, or a
// moved high watermark, last stable offset or log start offset, or an
// error). Sessions live in a bounded cache
// (max.incremental.fetch.session.cache.slots) and the least recently used
// one is evicted when it is full.

import (
	"container/list"
	"math/rand/v2"
	"sync"

	"samsa/internal/metadata"
)

// Session epochs with special meaning.
const (
	initialSessionEpoch = 0  // create a session (a full fetch)
	finalSessionEpoch   = -1 // no session, or close the named one
)

// sessionPartitionKey names a partition inside a session: by topic id for
// v13+ requests, by name before.
type sessionPartitionKey struct {
	topic     string
	topicID   metadata.Uuid
	partition int32
}

// sessionPartition is what the session remembers of one partition: the
// fetch position the client last sent, and what the last response told it,
// so an incremental response can leave it out when nothing changed.
type sessionPartition struct {
	fetchOffset        int64
	maxBytes           int32
	currentLeaderEpoch int32
	lastFetchedEpoch   int32

	sentHighWatermark    int64
	sentLastStableOffset int64
	sentLogStartOffset   int64
}

// fetchSession is one client's session. Its fields are guarded by
// fetchSessions.mu; a session is used by one fetch at a time because a
// client never has two fetches of one session in flight.
type fetchSession struct {
	id    int32
	epoch int32 // the epoch the next request must carry
	// order keeps partitions in the order they were added, which is the
	// order responses list them in.
	order []sessionPartitionKey
	parts map[sessionPartitionKey]*sessionPartition
	elem  *list.Element
}

type fetchSessions struct {
	mu       sync.Mutex
	max      int
	sessions map[int32]*fetchSession
	lru      *list.List // front: most recently used
}

func newFetchSessions(max int) *fetchSessions {
	return &fetchSessions{max: max, sessions: map[int32]*fetchSession{}, lru: list.New()}
}

// create starts a session, evicting the least recently used one when the
// cache is full. It returns nil when max is 0 (sessions disabled).
func (fs *fetchSessions) create() *fetchSession {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.max == 0 {
		return nil
	}
	if len(fs.sessions) >= fs.max {
		oldest := fs.lru.Back().Value.(*fetchSession)
		fs.removeLocked(oldest.id)
	}
	var id int32
	for id == 0 || fs.sessions[id] != nil {
		id = rand.Int32()
	}
	s := &fetchSession{id: id, epoch: 1, parts: map[sessionPartitionKey]*sessionPartition{}}
	s.elem = fs.lru.PushFront(s)
	fs.sessions[id] = s
	return s
}

// get returns the session with id if epoch is the one it expects, and marks
// it used. The error codes are Kafka's: FETCH_SESSION_ID_NOT_FOUND and
// INVALID_FETCH_SESSION_EPOCH.
func (fs *fetchSessions) get(id, epoch int32) (*fetchSession, bool, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	s, ok := fs.sessions[id]
	if !ok {
		return nil, false, false
	}
	if s.epoch != epoch {
		return nil, true, false
	}
	fs.lru.MoveToFront(s.elem)
	return s, true, true
}

func (fs *fetchSessions) remove(id int32) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.removeLocked(id)
}

func (fs *fetchSessions) removeLocked(id int32) {
	if s, ok := fs.sessions[id]; ok {
		fs.lru.Remove(s.elem)
		delete(fs.sessions, id)
	}
}

// upsert adds or updates a partition of the session.
func (s *fetchSession) upsert(k sessionPartitionKey, p sessionPartition) {
	if cur, ok := s.parts[k]; ok {
		cur.fetchOffset, cur.maxBytes = p.fetchOffset, p.maxBytes
		cur.currentLeaderEpoch, cur.lastFetchedEpoch = p.currentLeaderEpoch, p.lastFetchedEpoch
		return
	}
	p.sentHighWatermark, p.sentLastStableOffset, p.sentLogStartOffset = -1, -1, -1
	s.parts[k] = &p
	s.order = append(s.order, k)
}

// forget removes a partition from the session.
func (s *fetchSession) forget(k sessionPartitionKey) {
	if _, ok := s.parts[k]; !ok {
		return
	}
	delete(s.parts, k)
	for i, o := range s.order {
		if o == k {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
}
