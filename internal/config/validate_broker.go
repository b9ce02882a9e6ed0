package config

import (
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Validate checks the rules between keys that Kafka's KafkaConfig checks at
// start (the ZooKeeper-era rules aside), each with Kafka's message, and
// returns every broken rule joined into one error.
func (b *Broker) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(b.checkIDs())
	add(b.checkLogTimes())
	add(b.checkRoleListeners())
	add(b.checkBrokerListeners())
	add(b.checkAdvertisedRoutable())
	add(b.checkReplicaFetch())
	add(b.checkSocketLimits())
	add(b.checkInterBrokerSASL())
	add(b.checkGroupTimeouts())
	add(b.checkCleaner())
	return errors.Join(errs...)
}

func (b *Broker) checkIDs() error {
	r := reader(b.values)
	if r.i32("broker.id") != r.i32("node.id") {
		return ruleErrorf("You must set `node.id` to the same value as `broker.id`.")
	}
	return nil
}

func (b *Broker) checkLogTimes() error {
	var errs []error
	if b.LogDefaults.SegmentMaxAge < Millis(1) {
		errs = append(errs, ruleErrorf("log.roll.ms must be greater than or equal to 1"))
	}
	if b.LogDefaults.SegmentJitter < 0 {
		errs = append(errs, ruleErrorf("log.roll.jitter.ms must be greater than or equal to 0"))
	}
	if b.LogDefaults.Retention == 0 {
		errs = append(errs, ruleErrorf("log.retention.ms must be unlimited (-1) or, greater than or equal to 1"))
	}
	if len(b.LogDirs) == 0 {
		errs = append(errs, ruleErrorf("At least one log directory must be defined via log.dirs or log.dir."))
	}
	return errors.Join(errs...)
}

// checkRoleListeners are KafkaConfig's per-role rules on the quorum and the
// controller listeners.
func (b *Broker) checkRoleListeners() error {
	var errs []error
	add := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, ruleErrorf(format, args...))
		}
	}
	add(len(b.QuorumVoters) > 0 || len(b.QuorumBootstrapServers) > 0,
		"If using process.roles, either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers or controller.quorum.voters must contain a parseable set of controllers.")
	voterIDs := b.voterIDs()
	switch {
	case b.ProcessRoles.Broker && !b.ProcessRoles.Controller:
		add(!slices.Contains(voterIDs, b.NodeID),
			"If process.roles contains just the 'broker' role, the node id %d must not be included in the set of voters controller.quorum.voters=%s", b.NodeID, idSet(voterIDs))
		add(len(b.ControllerListenerNames) > 0,
			"controller.listener.names must contain at least one value when running KRaft with just the broker role")
		add(len(b.controllerListeners()) == 0,
			"controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role")
		for _, n := range b.ControllerListenerNames {
			_, ok := b.SecurityProtocolMap[n]
			add(ok, "Controller listener with name %s defined in controller.listener.names not found in listener.security.protocol.map  (an explicit security mapping for each controller listener is required if listener.security.protocol.map is non-empty, or if there are security protocols other than PLAINTEXT in use)", n)
		}
	case b.ProcessRoles.Controller:
		if !b.ProcessRoles.Broker {
			add(len(b.AdvertisedControllerListeners) == len(b.Listeners),
				"The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller")
		}
		add(len(voterIDs) == 0 || slices.Contains(voterIDs, b.NodeID),
			"If process.roles contains the 'controller' role, the node id %d must be included in the set of voters controller.quorum.voters=%s", b.NodeID, idSet(voterIDs))
		add(len(b.AdvertisedControllerListeners) > 0,
			"controller.listener.names must contain at least one value appearing in the 'listeners' configuration when running the KRaft controller role")
		add(b.controllerNamesInListeners(),
			"controller.listener.names must only contain values appearing in the 'listeners' configuration when running the KRaft controller role")
	}
	return errors.Join(errs...)
}

// checkBrokerListeners are the rules for nodes with the broker role.
func (b *Broker) checkBrokerListeners() error {
	if !b.ProcessRoles.Broker {
		return nil
	}
	names := b.advertisedBrokerNames()
	if len(names) == 0 {
		return ruleErrorf("There must be at least one broker advertised listener. Perhaps all listeners appear in controller.listener.names?")
	}
	if !slices.Contains(names, b.InterBrokerListenerName) {
		return ruleErrorf("inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are %s", strings.Join(names, ","))
	}
	var listening []string
	for _, l := range b.Listeners {
		listening = append(listening, l.Name)
	}
	for _, n := range names {
		if !slices.Contains(listening, n) {
			return ruleErrorf("advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found %s. The valid options based on the current configuration are %s", strings.Join(names, ","), strings.Join(listening, ","))
		}
	}
	return nil
}

func (b *Broker) checkAdvertisedRoutable() error {
	for _, l := range append(append([]Listener(nil), b.AdvertisedListeners...), b.AdvertisedControllerListeners...) {
		if l.Host == "0.0.0.0" {
			return ruleErrorf("advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.")
		}
	}
	for _, v := range b.QuorumVoters {
		if v.Host == "0.0.0.0" {
			return ruleErrorf("Host string (0.0.0.0) is not routeable")
		}
	}
	return nil
}

func (b *Broker) checkReplicaFetch() error {
	rep := b.Replication
	if rep.FetchWaitMax > rep.SocketTimeout {
		return ruleErrorf("replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to prevent unnecessary socket timeouts")
	}
	if rep.FetchWaitMax > rep.LagTimeMax {
		return ruleErrorf("replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms to prevent frequent changes in ISR")
	}
	return nil
}

func (b *Broker) checkSocketLimits() error {
	n := b.Network
	var errs []error
	if n.QueuedMaxRequestBytes > 0 && n.QueuedMaxRequestBytes < int64(n.SocketRequestMaxBytes) {
		errs = append(errs, ruleErrorf("queued.max.request.bytes must be larger or equal to socket.request.max.bytes"))
	}
	if n.MaxConnectionsPerIP == 0 && len(n.MaxConnectionsPerIPOverrides) == 0 {
		errs = append(errs, ruleErrorf("max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set."))
	}
	if n.ConnectionsMaxIdle >= 0 && n.FailedAuthenticationDelay >= n.ConnectionsMaxIdle {
		errs = append(errs, ruleErrorf("connection.failed.authentication.delay.ms=%d should always be less than connections.max.idle.ms=%d to prevent failed authentication responses from timing out",
			n.FailedAuthenticationDelay.Milliseconds(), n.ConnectionsMaxIdle.Milliseconds()))
	}
	return errors.Join(errs...)
}

// checkInterBrokerSASL: with SASL between brokers, the mechanism must be
// enabled on the inter-broker listener.
func (b *Broker) checkInterBrokerSASL() error {
	if !b.InterBrokerSecurityProtocol.UsesSASL() {
		return nil
	}
	enabled := b.ForListener(b.InterBrokerListenerName, "", "sasl.enabled.mechanisms").List()
	if !slices.Contains(enabled, b.Security.SASLMechanismInterBroker) {
		return ruleErrorf("sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms when SASL is used for inter-broker communication")
	}
	return nil
}

func (b *Broker) checkGroupTimeouts() error {
	g := b.Groups
	var errs []error
	add := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, ruleErrorf(format, args...))
		}
	}
	add(slices.Contains(g.RebalanceProtocols, "classic"), "Disabling the 'classic' protocol is not supported.")
	add(g.ConsumerMaxHeartbeatInterval >= g.ConsumerMinHeartbeatInterval, "group.consumer.max.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms")
	add(g.ConsumerHeartbeatInterval >= g.ConsumerMinHeartbeatInterval, "group.consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms")
	add(g.ConsumerHeartbeatInterval <= g.ConsumerMaxHeartbeatInterval, "group.consumer.heartbeat.interval.ms must be less than or equal to group.consumer.max.heartbeat.interval.ms")
	add(g.ConsumerMaxSessionTimeout >= g.ConsumerMinSessionTimeout, "group.consumer.max.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms")
	add(g.ConsumerSessionTimeout >= g.ConsumerMinSessionTimeout, "group.consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms")
	add(g.ConsumerSessionTimeout <= g.ConsumerMaxSessionTimeout, "group.consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms")
	add(g.ConsumerHeartbeatInterval < g.ConsumerSessionTimeout, "group.consumer.heartbeat.interval.ms must be less than group.consumer.session.timeout.ms")
	return errors.Join(errs...)
}

func (b *Broker) checkCleaner() error {
	ret := b.Retention
	if ret.CleanerThreads > 0 && ret.CleanerDedupeBufferBytes/int64(ret.CleanerThreads) <= 1<<20 {
		return ruleErrorf("log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.")
	}
	return nil
}

func (b *Broker) voterIDs() []int32 {
	ids := make([]int32, 0, len(b.QuorumVoters))
	for _, v := range b.QuorumVoters {
		ids = append(ids, v.ID)
	}
	return ids
}

// idSet renders voter ids as Kafka's message does (a Scala Set).
func idSet(ids []int32) string {
	sorted := append([]int32(nil), ids...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	parts := make([]string, len(sorted))
	for i, id := range sorted {
		parts[i] = strconv.FormatInt(int64(id), 10)
	}
	return "Set(" + strings.Join(parts, ", ") + ")"
}

func (b *Broker) controllerListeners() []Listener {
	var out []Listener
	for _, l := range b.Listeners {
		if slices.Contains(b.ControllerListenerNames, l.Name) {
			out = append(out, l)
		}
	}
	return out
}

func (b *Broker) controllerNamesInListeners() bool {
	for _, n := range b.ControllerListenerNames {
		if _, ok := findListener(b.Listeners, n); !ok {
			return false
		}
	}
	return true
}

func (b *Broker) advertisedBrokerNames() []string {
	var names []string
	for _, l := range b.AdvertisedListeners {
		names = append(names, l.Name)
	}
	return names
}
