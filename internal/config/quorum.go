package config

import (
	"net"
	"regexp"
	"strconv"
	"strings"
)

// Voter is one entry of controller.quorum.voters.
type Voter struct {
	ID   int32
	Host string // without brackets for IPv6
	Port int
	// DirectoryID is the voter's metadata log directory id (KIP-853), when
	// the entry is given as id@host:port:directoryId; empty otherwise.
	DirectoryID string
}

// Addr returns host:port, bracketing an IPv6 host.
func (v Voter) Addr() string { return net.JoinHostPort(v.Host, strconv.Itoa(v.Port)) }

// HostPort is one entry of controller.quorum.bootstrap.servers.
type HostPort struct {
	Host string
	Port int
}

// Addr returns host:port, bracketing an IPv6 host.
func (h HostPort) Addr() string { return net.JoinHostPort(h.Host, strconv.Itoa(h.Port)) }

const (
	votersKey    = "controller.quorum.voters"
	bootstrapKey = "controller.quorum.bootstrap.servers"
	voterForm    = "Each entry should be in the form `{id}@{host}:{port}`."
)

// validHost is Kafka's VALID_HOST_CHARACTERS.
var validHost = regexp.MustCompile(`^[0-9a-zA-Z\-%._:]*$`)

// directoryID is a Kafka Uuid in its base64url form.
var directoryID = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

// ParseVoters parses controller.quorum.voters entries. Messages are
// Kafka's QuorumConfig messages.
func ParseVoters(entries []string) ([]Voter, error) {
	voters := make([]Voter, 0, len(entries))
	seen := map[int32]bool{}
	for _, entry := range entries {
		v, err := parseVoter(entry)
		if err != nil {
			return nil, err
		}
		if seen[v.ID] {
			return nil, ruleErrorf("Duplicate voter id %d in %s", v.ID, votersKey)
		}
		seen[v.ID] = true
		voters = append(voters, v)
	}
	return voters, nil
}

func parseVoter(entry string) (Voter, error) {
	idPart, addr, found := strings.Cut(entry, "@")
	if !found || strings.Contains(addr, "@") {
		return Voter{}, ruleErrorf("Invalid configuration value for %s. %s", votersKey, voterForm)
	}
	id, err := strconv.ParseInt(idPart, 10, 32)
	if err != nil {
		return Voter{}, ruleErrorf("Failed to parse voter ID as an integer from %s", idPart)
	}
	host, port, dir, problem := splitVoterAddress(addr)
	switch problem {
	case "host":
		return Voter{}, ruleErrorf("Failed to parse host name from entry %s for the configuration %s. %s", entry, votersKey, voterForm)
	case "port":
		return Voter{}, ruleErrorf("Failed to parse host port from entry %s for the configuration %s. %s", entry, votersKey, voterForm)
	case "directory":
		return Voter{}, ruleErrorf("Failed to parse directory id from entry %s for the configuration %s: it should be a 22-character base64url Uuid", entry, votersKey)
	}
	return Voter{ID: int32(id), Host: host, Port: port, DirectoryID: dir}, nil
}

// splitVoterAddress splits host:port[:directoryId] ([ipv6]:port too). The
// problem is "host", "port" or "directory" when that part is bad.
func splitVoterAddress(addr string) (host string, port int, dir, problem string) {
	hostPort := addr
	if last := strings.LastIndexByte(addr, ':'); last >= 0 && hasDirectoryID(addr, last) {
		hostPort, dir = addr[:last], addr[last+1:]
		if !directoryID.MatchString(dir) {
			return "", 0, "", "directory"
		}
	}
	host, port, problem = splitHostPort(hostPort)
	return host, port, dir, problem
}

// hasDirectoryID reports whether the part after the last colon is a
// directory id rather than the port: for [ipv6]:port:dir there are two
// colons after the bracket; otherwise the tail is not a number and a
// host:port precedes it.
func hasDirectoryID(addr string, last int) bool {
	if strings.HasPrefix(addr, "[") {
		end := strings.IndexByte(addr, ']')
		return end >= 0 && strings.Count(addr[end:], ":") == 2
	}
	return !isDigits(addr[last+1:]) && strings.Contains(addr[:last], ":")
}

// splitHostPort accepts what Kafka's HOST_PORT_PATTERN accepts: host:port,
// [ipv6]:port, and an unbracketed IPv6 host whose last colon starts the
// port.
func splitHostPort(s string) (host string, port int, problem string) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 || !isDigits(s[i+1:]) {
		if i < 0 || s[:i] == "" && s[i+1:] == "" {
			return "", 0, "host"
		}
		return "", 0, "port"
	}
	host = s[:i]
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if !validHost.MatchString(host) {
		return "", 0, "host"
	}
	p, err := strconv.Atoi(s[i+1:])
	if err != nil || p > 65535 {
		return "", 0, "port"
	}
	return host, p, ""
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseBootstrapServers parses controller.quorum.bootstrap.servers.
func ParseBootstrapServers(entries []string) ([]HostPort, error) {
	out := make([]HostPort, 0, len(entries))
	for _, e := range entries {
		host, port, problem := splitHostPort(e)
		switch problem {
		case "host":
			return nil, ruleErrorf("Failed to parse host name from %s for the configuration %s. Each entry should be in the form \"{host}:{port}\"", e, bootstrapKey)
		case "port":
			return nil, ruleErrorf("Failed to parse host port from %s for the configuration %s. Each entry should be in the form \"{host}:{port}\"", e, bootstrapKey)
		}
		out = append(out, HostPort{Host: host, Port: port})
	}
	return out, nil
}

var votersValidator = Check{
	Describe: "non-empty list",
	Func: func(_ string, v Value) error {
		_, err := ParseVoters(v.List())
		return err
	},
}

var bootstrapValidator = Check{
	Describe: "non-empty list",
	Func: func(_ string, v Value) error {
		_, err := ParseBootstrapServers(v.List())
		return err
	},
}
