package config

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Listener is one NAME://host:port entry of listeners or
// advertised.listeners.
type Listener struct {
	Name     string // upper-case, as Kafka normalises listener names
	Host     string // without brackets; "" binds all interfaces
	Port     int
	Protocol SecurityProtocol
}

// Addr returns host:port for net.Listen or a client, bracketing IPv6.
func (l Listener) Addr() string { return net.JoinHostPort(l.Host, strconv.Itoa(l.Port)) }

// String returns NAME://host:port.
func (l Listener) String() string { return l.Name + "://" + l.Addr() }

// listenerEntry is Kafka's SocketServerConfigs URI_PARSE_REGEXP, anchored as
// Matcher.matches() anchors it.
var listenerEntry = regexp.MustCompile(`^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$`)

// csvList is Kafka's Csv.parseCsvList: split on commas with surrounding
// whitespace, dropping empty entries.
func csvList(s string) []string {
	s = javaTrim(s)
	if s == "" {
		return nil
	}
	var out []string
	for _, e := range listSplit.Split(s, -1) {
		if e != "" {
			out = append(out, e)
		}
	}
	return out
}

// ParseListeners parses a listeners or advertised.listeners value. protocols
// gives each listener name its security protocol. Duplicate ports are
// refused when distinctPorts is set (listeners), as Kafka does, except for
// port 0 and for one IPv4 plus one IPv6 listener on the same port.
func ParseListeners(value string, protocols map[string]SecurityProtocol, distinctPorts bool) ([]Listener, error) {
	var out []Listener
	for _, entry := range csvList(value) {
		l, err := parseListener(entry, protocols)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if err := checkListenerNames(out, value); err != nil {
		return nil, err
	}
	if distinctPorts {
		if err := checkListenerPorts(out, value); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parseListener(entry string, protocols map[string]SecurityProtocol) (Listener, error) {
	m := listenerEntry.FindStringSubmatch(entry)
	if m == nil {
		return Listener{}, ruleErrorf("Unable to parse %s to a broker endpoint", entry)
	}
	port, err := strconv.Atoi(m[3])
	if err != nil || port < 0 || port > 65535 {
		return Listener{}, ruleErrorf("Unable to parse %s to a broker endpoint: port %s is not between 0 and 65535", entry, m[3])
	}
	name := strings.ToUpper(m[1])
	proto, ok := protocols[name]
	if !ok {
		return Listener{}, ruleErrorf("No security protocol defined for listener %s", name)
	}
	return Listener{Name: name, Host: m[2], Port: port, Protocol: proto}, nil
}

func checkListenerNames(ls []Listener, value string) error {
	seen := map[string]bool{}
	for _, l := range ls {
		if seen[l.Name] {
			return ruleErrorf("Each listener must have a different name, listeners: %s", value)
		}
		seen[l.Name] = true
	}
	return nil
}

// checkListenerPorts follows Kafka's CoreUtils rule: listeners on one port
// are allowed only as exactly one IPv4 and one IPv6 literal address.
func checkListenerPorts(ls []Listener, value string) error {
	byPort := map[int][]Listener{}
	for _, l := range ls {
		if l.Port != 0 {
			byPort[l.Port] = append(byPort[l.Port], l)
		}
	}
	ports := make([]int, 0, len(byPort))
	for p := range byPort {
		ports = append(ports, p)
	}
	sort.Ints(ports)
	for _, port := range ports {
		same := byPort[port]
		if len(same) < 2 {
			continue
		}
		if len(same) > 2 {
			return ruleErrorf("Each listener must have a different port unless exactly one listener has an IPv4 address and the other IPv6 address, listeners: %s, port: %d", value, port)
		}
		a, errA := netip.ParseAddr(same[0].Host)
		b, errB := netip.ParseAddr(same[1].Host)
		if errA != nil || errB != nil {
			return ruleErrorf("Each listener must have a different port, listeners: %s", value)
		}
		if a.Is4() == b.Is4() {
			return ruleErrorf("If you have two listeners on the same port then one needs to be IPv4 and the other IPv6, listeners: %s, port: %d", value, port)
		}
	}
	return nil
}

const protocolMapKey = "listener.security.protocol.map"

// ParseProtocolMap parses listener.security.protocol.map (Kafka's
// Csv.parseCsvMap): NAME:PROTOCOL pairs split at the last colon.
func ParseProtocolMap(value string) (map[string]SecurityProtocol, error) {
	out := map[string]SecurityProtocol{}
	if value == "" {
		return out, nil
	}
	for _, entry := range listSplit.Split(value, -1) {
		i := strings.LastIndexByte(entry, ':')
		if i < 0 {
			return nil, ruleErrorf("Error parsing configuration property '%s': entry %q is not NAME:PROTOCOL", protocolMapKey, entry)
		}
		name, protoName := javaTrim(entry[:i]), javaTrim(entry[i+1:])
		proto, ok := ParseSecurityProtocol(protoName)
		if !ok {
			return nil, ruleErrorf("Invalid security protocol `%s` defined in %s", protoName, protocolMapKey)
		}
		out[strings.ToUpper(name)] = proto
	}
	return out, nil
}

// effectiveProtocolMap adds Kafka 4's implicit CONTROLLER:PLAINTEXT: when
// the map was not set explicitly and nothing in controller.listener.names or
// listeners is named SSL or SASL_*, every controller listener name gets
// PLAINTEXT.
func effectiveProtocolMap(m map[string]SecurityProtocol, explicit bool, controllerNames []string, listeners string) map[string]SecurityProtocol {
	if explicit {
		return m
	}
	secure := func(name string) bool { return name == "SSL" || name == "SASL_SSL" || name == "SASL_PLAINTEXT" }
	// controllerNames are upper-case already.
	for _, n := range controllerNames {
		if secure(n) {
			return m
		}
	}
	for _, entry := range csvList(listeners) {
		if name, _, found := strings.Cut(entry, ":"); found && secure(strings.ToUpper(name)) {
			return m
		}
	}
	out := make(map[string]SecurityProtocol, len(m)+len(controllerNames))
	for k, v := range m {
		out[k] = v
	}
	for _, n := range controllerNames {
		if n != "PLAINTEXT" {
			out[n] = Plaintext
		}
	}
	return out
}

// wildcardListeners rewrites every host to 0.0.0.0, as the apache/kafka
// image derives listeners from advertised listeners.
func wildcardListeners(advertised string) (string, error) {
	var out []string
	for _, entry := range csvList(advertised) {
		m := listenerEntry.FindStringSubmatch(entry)
		if m == nil {
			return "", fmt.Errorf("deriving listeners from advertised listeners: %w", ruleErrorf("Unable to parse %s to a broker endpoint", entry))
		}
		out = append(out, m[1]+"://0.0.0.0:"+m[3])
	}
	return strings.Join(out, ","), nil
}
