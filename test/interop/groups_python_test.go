package interop

import (
	"os/exec"
	"testing"
)

// Consumer groups with the Python clients: confluent-kafka (librdkafka
// 2.0.2: classic protocol, cooperative-sticky, static membership; its
// KIP-848 support came in 2.4 and is not here) and kafka-python 2.0.2
// (eager assignors only, no static membership). Each member is a Python
// process running testdata/groups_*_member.py; a killed member is that
// process ended with SIGKILL.

func TestGroupsConfluentKafka(t *testing.T) {
	grpSuite(t, pyGroupClient(pyConfluent, "testdata/groups_confluent_member.py", true))
}

func TestGroupsKafkaPython(t *testing.T) {
	grpSuite(t, pyGroupClient(pyKafkaPython, "testdata/groups_kafka_python_member.py", false))
}

// pyGroupClient describes a Python client as a source of group members;
// librdkafka has cooperative-sticky and static membership, kafka-python
// has neither.
func pyGroupClient(c *pyClient, script string, librdkafka bool) *grpClient {
	return &grpClient{
		name:    c.name,
		require: c.require,
		command: func(t *testing.T, cfg grpMemberConfig) *exec.Cmd {
			return exec.Command(pyInterpreter, script, grpJSON(t, cfg))
		},
		assignEvents: true,
		revokeEvents: true,
		// kafka-python's close leaves the group without calling the
		// listener.
		revokeOnClose: librdkafka,
		cooperative:   librdkafka,
		static:        librdkafka,
	}
}
