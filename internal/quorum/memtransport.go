package quorum

import (
	"context"
	"sync"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// memoryLinkQueue bounds the messages queued on one direction of a link;
// past it messages are dropped, as a congested network drops them.
const memoryLinkQueue = 1024

// MemoryNetwork connects the nodes of one process, for tests: every
// ordered pair of nodes has a link with a bounded queue and a goroutine
// that delivers its messages in order through Node.Step. Messages are
// marshalled on send and unmarshalled on delivery, so nodes share no
// memory, as over a real network. Nodes can be detached (stopped) and
// disconnected (partitioned). Close stops every link goroutine.
type MemoryNetwork struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu struct {
		sync.Mutex
		nodes  map[uint64]*Node // by raft ID
		down   map[uint64]bool  // disconnected raft IDs
		links  map[[2]uint64]chan memoryMessage
		closed bool
	}
}

type memoryMessage struct {
	data     []byte
	to       uint64
	snapshot bool
}

// NewMemoryNetwork returns an empty network.
func NewMemoryNetwork() *MemoryNetwork {
	net := &MemoryNetwork{}
	net.ctx, net.cancel = context.WithCancel(context.Background())
	net.mu.nodes = make(map[uint64]*Node)
	net.mu.down = make(map[uint64]bool)
	net.mu.links = make(map[[2]uint64]chan memoryMessage)
	return net
}

// Transport returns the transport for the node with this node.id, to put in
// its Config.
func (net *MemoryNetwork) Transport(nodeID int32) Transport {
	return memoryTransport{net: net, from: RaftID(nodeID)}
}

// Attach makes n reachable, replacing an earlier node with its ID.
func (net *MemoryNetwork) Attach(n *Node) {
	net.mu.Lock()
	defer net.mu.Unlock()
	net.mu.nodes[n.raftID] = n
}

// Detach makes the node with this node.id unreachable, as when it stops.
func (net *MemoryNetwork) Detach(nodeID int32) {
	net.mu.Lock()
	defer net.mu.Unlock()
	delete(net.mu.nodes, RaftID(nodeID))
}

// Disconnect drops every message to and from the node until Reconnect.
func (net *MemoryNetwork) Disconnect(nodeID int32) {
	net.mu.Lock()
	defer net.mu.Unlock()
	net.mu.down[RaftID(nodeID)] = true
}

// Reconnect undoes Disconnect.
func (net *MemoryNetwork) Reconnect(nodeID int32) {
	net.mu.Lock()
	defer net.mu.Unlock()
	delete(net.mu.down, RaftID(nodeID))
}

// Close stops the link goroutines and waits for them.
func (net *MemoryNetwork) Close() {
	net.mu.Lock()
	net.mu.closed = true
	net.mu.Unlock()
	net.cancel()
	net.wg.Wait()
}

type memoryTransport struct {
	net  *MemoryNetwork
	from uint64
}

func (t memoryTransport) Send(msgs []*raftpb.Message) {
	for _, m := range msgs {
		t.net.send(t.from, m)
	}
}

// send runs on the sending node's quorum goroutine, so it never blocks;
// a failure is reported from another goroutine, since a snapshot report
// waits for that very goroutine to take it.
func (net *MemoryNetwork) send(from uint64, m *raftpb.Message) {
	msg := memoryMessage{to: m.GetTo(), snapshot: m.GetType() == raftpb.MsgSnap}
	data, err := proto.Marshal(m)
	link := net.link(from, m.GetTo())
	if link == nil {
		return
	}
	if err == nil {
		msg.data = data
		select {
		case link <- msg:
			return
		default:
		}
	}
	net.spawn(func() { net.failed(from, msg.to, msg.snapshot) })
}

// spawn runs f on a goroutine that Close waits for, unless closed.
func (net *MemoryNetwork) spawn(f func()) {
	net.mu.Lock()
	defer net.mu.Unlock()
	if net.mu.closed {
		return
	}
	net.wg.Add(1)
	go func() {
		defer net.wg.Done()
		f()
	}()
}

// link returns the queue from one node to another, starting its goroutine
// the first time; nil once the network is closed.
func (net *MemoryNetwork) link(from, to uint64) chan memoryMessage {
	net.mu.Lock()
	defer net.mu.Unlock()
	if net.mu.closed {
		return nil
	}
	key := [2]uint64{from, to}
	if q, ok := net.mu.links[key]; ok {
		return q
	}
	q := make(chan memoryMessage, memoryLinkQueue)
	net.mu.links[key] = q
	net.wg.Add(1)
	go func() {
		defer net.wg.Done()
		net.deliver(from, q)
	}()
	return q
}

// deliver is a link's goroutine.
func (net *MemoryNetwork) deliver(from uint64, q chan memoryMessage) {
	for {
		select {
		case <-net.ctx.Done():
			return
		case msg := <-q:
			net.deliverOne(from, msg)
		}
	}
}

func (net *MemoryNetwork) deliverOne(from uint64, msg memoryMessage) {
	target := net.reachable(from, msg.to)
	if target == nil {
		net.failed(from, msg.to, msg.snapshot)
		return
	}
	m := &raftpb.Message{}
	if err := proto.Unmarshal(msg.data, m); err != nil {
		net.failed(from, msg.to, msg.snapshot)
		return
	}
	if err := target.Step(net.ctx, m); err != nil {
		net.failed(from, msg.to, msg.snapshot)
		return
	}
	if msg.snapshot {
		if sender := net.node(from); sender != nil {
			sender.ReportSnapshot(msg.to, true)
		}
	}
}

// reachable returns the node to, if both ends are up.
func (net *MemoryNetwork) reachable(from, to uint64) *Node {
	net.mu.Lock()
	defer net.mu.Unlock()
	if net.mu.down[from] || net.mu.down[to] {
		return nil
	}
	return net.mu.nodes[to]
}

func (net *MemoryNetwork) node(id uint64) *Node {
	net.mu.Lock()
	defer net.mu.Unlock()
	return net.mu.nodes[id]
}

// failed tells the sender that a message did not arrive.
func (net *MemoryNetwork) failed(from, to uint64, snapshot bool) {
	sender := net.node(from)
	if sender == nil {
		return
	}
	sender.ReportUnreachable(to)
	if snapshot {
		sender.ReportSnapshot(to, false)
	}
}
