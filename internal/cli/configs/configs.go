// Package configs is `samsa configs` (kafka-configs.sh): describe and
// alter topic and broker configurations over the wire, with Kafka 4's
// flags, output and messages (ConfigCommand). Alterations use
// IncrementalAlterConfigs (SET and DELETE), as Kafka 4 does.
package configs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"samsa/internal/cli"
)

const description = "This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip, client-metrics or group"

// Timeout bounds one run against the cluster.
var Timeout = 60 * time.Second

// supportedTypes are the entity types Kafka accepts with --bootstrap-server,
// in the order its error message lists them. Samsa describes and alters
// topics and brokers.
var supportedTypes = []string{"topics", "clients", "users", "brokers", "ips", "broker-loggers", "client-metrics", "groups"}

// entityFlags map the shorthand options to their entity types, in Kafka's
// order; defaultFlags likewise for the --<type>-defaults flags.
var (
	entityFlags = [][2]string{{"topic", "topics"}, {"client", "clients"}, {"user", "users"}, {"broker", "brokers"},
		{"broker-logger", "broker-loggers"}, {"ip", "ips"}, {"client-metrics", "client-metrics"}, {"group", "groups"}}
	defaultFlags = [][2]string{{"client-defaults", "clients"}, {"user-defaults", "users"}, {"broker-defaults", "brokers"}, {"ip-defaults", "ips"}}
)

func newParser() *cli.Parser {
	p := cli.NewParser("kafka-configs", description, cli.JoptSimple)
	p.Add(
		cli.Option{Name: "bootstrap-server", Kind: cli.Single, Metavar: "server to connect to", Help: "The Kafka servers to connect to."},
		cli.Option{Name: "bootstrap-controller", Kind: cli.Single, Metavar: "controller to connect to", Help: "The Kafka controllers to connect to."},
		cli.Option{Name: "command-config", Kind: cli.Single, Metavar: "command config property file",
			Help: "Property file containing configs to be passed to Admin Client. This is used only with --bootstrap-server option for describing and altering broker configs."},
		cli.Option{Name: "alter", Kind: cli.Flag, Help: "Alter the configuration for the entity."},
		cli.Option{Name: "describe", Kind: cli.Flag, Help: "List configs for the given entity."},
		cli.Option{Name: "all", Kind: cli.Flag, Help: "List all configs for the given entity, including static configs if available."},
		cli.Option{Name: "entity-type", Kind: cli.Repeated, Help: "Type of entity (topics/clients/users/brokers/broker-loggers/ips/client-metrics/groups)"},
		cli.Option{Name: "entity-name", Kind: cli.Repeated, Help: "Name of entity (topic name/client id/user principal name/broker id/ip/client metrics/group id)"},
		cli.Option{Name: "entity-default", Kind: cli.Flag, Help: "Default entity name for clients/users/brokers/ips (applies to corresponding entity type)"},
		cli.Option{Name: "add-config", Kind: cli.Single,
			Help: "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'. Entity types 'users' and 'clients' may be specified together to update config for clients of a specific user."},
		cli.Option{Name: "add-config-file", Kind: cli.Single, Help: "Path to a properties file with configs to add. See add-config for a list of valid configurations."},
		cli.Option{Name: "delete-config", Kind: cli.Repeated, Help: "config keys to remove 'k1,k2'"},
		cli.Option{Name: "force", Kind: cli.Flag, Help: "Suppress console prompts"},
		cli.Option{Name: "topic", Kind: cli.Single, Help: "The topic's name."},
		cli.Option{Name: "client", Kind: cli.Single, Help: "The client's ID."},
		cli.Option{Name: "client-defaults", Kind: cli.Flag, Help: "The config defaults for all clients."},
		cli.Option{Name: "user", Kind: cli.Single, Help: "The user's principal name."},
		cli.Option{Name: "user-defaults", Kind: cli.Flag, Help: "The config defaults for all users."},
		cli.Option{Name: "broker", Kind: cli.Single, Help: "The broker's ID."},
		cli.Option{Name: "broker-defaults", Kind: cli.Flag, Help: "The config defaults for all brokers."},
		cli.Option{Name: "broker-logger", Kind: cli.Single, Help: "The broker's ID for its logger config."},
		cli.Option{Name: "ip-defaults", Kind: cli.Flag, Help: "The config defaults for all IPs."},
		cli.Option{Name: "ip", Kind: cli.Single, Help: "The IP address."},
		cli.Option{Name: "group", Kind: cli.Single, Help: "The group's ID."},
		cli.Option{Name: "client-metrics", Kind: cli.Single, Help: "The client metrics config resource name."},
	)
	return p
}

// entity is what the command line names: a type and, unless it covers all
// entities of the type, a name ("" for the default entity).
type entity struct {
	typ     string
	name    string
	hasName bool
}

func entityTypes(r *cli.Result) []string {
	types := r.Strings("entity-type")
	for _, f := range append(append([][2]string{}, entityFlags...), defaultFlags...) {
		if r.Has(f[0]) {
			types = append(types, f[1])
		}
	}
	return types
}

// entityNames lists --entity-name values, then "" for --entity-default,
// then the shorthand options' values.
func entityNames(r *cli.Result) []string {
	names := r.Strings("entity-name")
	if r.Has("entity-default") {
		names = append(names, "")
	}
	for _, f := range entityFlags {
		if r.Has(f[0]) {
			names = append(names, r.String(f[0]))
		}
	}
	for _, f := range defaultFlags {
		if r.Has(f[0]) {
			names = append(names, "")
		}
	}
	return names
}

// argumentError is Kafka's IllegalArgumentException from the checks: the
// message alone on stderr, exit 1.
type argumentError struct{ message string }

func (e *argumentError) Error() string { return e.message }

func argErrorf(format string, args ...any) error {
	return &argumentError{fmt.Sprintf(format, args...)}
}

// checkArgs makes ConfigCommandOptions.checkArgs's checks in its order; a
// usage error comes back as *usageError.
func checkArgs(r *cli.Result) error {
	n := 0
	for _, a := range []string{"alter", "describe"} {
		if r.Has(a) {
			n++
		}
	}
	if n != 1 {
		return &usageError{"Command must include exactly one action: --describe, --alter"}
	}
	if r.Has("describe") {
		for _, o := range []string{"add-config", "delete-config"} {
			if r.Has(o) {
				return &usageError{fmt.Sprintf(`Option "[describe]" can't be used with option "[%s]"`, o)}
			}
		}
	}
	types := entityTypes(r)
	var dups []string
	for i, t := range types {
		if slices.Contains(types[:i], t) && !slices.Contains(dups, t) {
			dups = append(dups, t)
		}
	}
	if len(dups) > 0 {
		return argErrorf("Duplicate entity type(s) specified: %s", strings.Join(dups, ","))
	}
	for _, t := range types {
		if !slices.Contains(supportedTypes, t) {
			return argErrorf("Invalid entity type %s, the entity type must be one of %s with a --bootstrap-server or --bootstrap-controller argument", t, strings.Join(supportedTypes, ", "))
		}
	}
	if len(types) == 0 {
		return argErrorf("At least one entity type must be specified")
	}
	if len(types) > 1 && !(len(types) == 2 && slices.Contains(types, "users") && slices.Contains(types, "clients")) {
		return argErrorf("Only 'users' and 'clients' entity types may be specified together")
	}
	if (r.Has("entity-name") || r.Has("entity-type") || r.Has("entity-default")) && hasShorthand(r) {
		return argErrorf("--entity-{type,name,default} should not be used in conjunction with specific entity flags")
	}
	names := entityNames(r)
	hasName := slices.ContainsFunc(names, func(s string) bool { return s != "" })
	hasDefault := slices.Contains(names, "")
	switch {
	case !r.Has("bootstrap-server") && !r.Has("bootstrap-controller"):
		return argErrorf("One of the required --bootstrap-server or --bootstrap-controller arguments must be specified")
	case r.Has("bootstrap-server") && r.Has("bootstrap-controller"):
		return argErrorf("Only one of --bootstrap-server or --bootstrap-controller can be specified")
	}
	if hasName && (slices.Contains(types, "brokers") || slices.Contains(types, "broker-loggers")) {
		for _, o := range []string{"entity-name", "broker", "broker-logger"} {
			if !r.Has(o) {
				continue
			}
			if _, err := strconv.ParseInt(r.String(o), 10, 32); err != nil {
				return argErrorf("The entity name for %s must be a valid integer broker id, but it is: %s", types[0], r.String(o))
			}
		}
	}
	if r.Has("describe") {
		if !slices.ContainsFunc(types, func(t string) bool { return t == "users" || t == "clients" || t == "brokers" || t == "ips" }) && r.Has("entity-default") {
			return argErrorf("--entity-default must not be specified with --describe of %s", strings.Join(types, ","))
		}
		if slices.Contains(types, "broker-loggers") && !hasName {
			return argErrorf("An entity name must be specified with --describe of %s", strings.Join(types, ","))
		}
	}
	if r.Has("alter") {
		return checkAlterArgs(r, types, hasName, hasDefault)
	}
	return nil
}

func checkAlterArgs(r *cli.Result, types []string, hasName, hasDefault bool) error {
	if slices.ContainsFunc(types, func(t string) bool { return t == "users" || t == "clients" || t == "brokers" || t == "ips" }) {
		if !hasName && !hasDefault {
			return argErrorf("An entity-name or default entity must be specified with --alter of users, clients, brokers or ips")
		}
	} else if !hasName {
		return argErrorf("An entity name must be specified with --alter of %s", strings.Join(types, ","))
	}
	add, file, del := r.Has("add-config"), r.Has("add-config-file"), r.Has("delete-config")
	if add && file {
		return argErrorf("Only one of --add-config or --add-config-file must be specified")
	}
	if !add && !file && !del {
		return argErrorf("At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter")
	}
	return nil
}

func hasShorthand(r *cli.Result) bool {
	for _, f := range append(append([][2]string{}, entityFlags...), defaultFlags...) {
		if r.Has(f[0]) {
			return true
		}
	}
	return false
}

// usageError prints the message and the usage.
type usageError struct{ message string }

func (e *usageError) Error() string { return e.message }

// Run runs `samsa configs`.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	p := newParser()
	r, err := p.Parse(args)
	if err != nil {
		return p.Handle(err, stdout, stderr)
	}
	if err := checkArgs(r); err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			return p.Fail(stderr, "%s", ue.message)
		}
		fmt.Fprintln(stderr, err)
		return 1
	}
	var props map[string]string
	if r.Has("command-config") {
		if props, err = cli.LoadProperties(r.String("command-config")); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	bootstrap := r.String("bootstrap-server")
	if bootstrap == "" {
		bootstrap = r.String("bootstrap-controller")
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	adm, err := cli.Connect(ctx, bootstrap, props)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer adm.Close()
	c := &command{adm: adm, r: r, stdout: stdout}
	if err = c.run(ctx); err == nil {
		return 0
	}
	var ae *argumentError
	if errors.As(err, &ae) {
		fmt.Fprintln(stderr, ae.message)
		return 1
	}
	fmt.Fprintf(stderr, "Error while executing config command with args '%s'\n", strings.Join(args, " "))
	fmt.Fprintln(stderr, exceptionLine(err))
	return 1
}
