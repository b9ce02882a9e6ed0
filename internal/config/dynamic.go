package config

import (
	"errors"
	"fmt"
)

// dynamicSecurityKeys are the TLS keys Kafka lets one change at run time
// only per listener (listener.name.<listener>.<key>), never bare.
var dynamicSecurityKeys = []string{
	"ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.password", "ssl.key.password",
	"ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.password",
	"ssl.keystore.certificate.chain", "ssl.keystore.key", "ssl.truststore.certificates",
}

// ValidateDynamic checks dynamic broker configuration as Kafka's
// DynamicBrokerConfig.validateConfigs does for AlterConfigs and
// IncrementalAlterConfigs on a BROKER resource: perBroker is true for a
// node's own configuration (resource name = node id) and false for the
// cluster-wide default (empty resource name). It refuses read-only keys,
// bare dynamic TLS keys, per-broker keys at cluster level and values that
// do not parse. Keys the table does not know are accepted, as Kafka
// accepts them for plug-ins.
func ValidateDynamic(props map[string]string, perBroker bool) error {
	var readOnly, bareTLS, brokerOnly []string
	for _, name := range sortedNames(props) {
		if k, ok := brokerKeys[name]; ok {
			switch {
			case k.Scope == ScopeReadOnly:
				readOnly = append(readOnly, name)
			case isDynamicSecurityKey(name):
				bareTLS = append(bareTLS, name)
			case k.Scope == ScopePerBroker && !perBroker:
				brokerOnly = append(brokerOnly, name)
			}
			continue
		}
		if _, _, base, ok := ListenerOverride(name); ok && !perBroker && base.Scope != ScopeClusterWide {
			brokerOnly = append(brokerOnly, name)
		}
	}
	var errs []error
	if len(readOnly) > 0 {
		errs = append(errs, ruleErrorf("Cannot update these configs dynamically: %s", keyList(readOnly)))
	}
	if len(bareTLS) > 0 {
		errs = append(errs, ruleErrorf("These security configs can be dynamically updated only per-listener using the listener prefix: %s", keyList(bareTLS)))
	}
	if len(brokerOnly) > 0 {
		errs = append(errs, ruleErrorf("Cannot update these configs at default cluster level, broker id must be specified: %s", keyList(brokerOnly)))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return typeDynamic(props)
}

func isDynamicSecurityKey(name string) bool {
	for _, k := range dynamicSecurityKeys {
		if k == name {
			return true
		}
	}
	return false
}

// typeDynamic parses every known key's value and runs its validator.
func typeDynamic(props map[string]string) error {
	var errs []error
	for _, name := range sortedNames(props) {
		if k, ok := brokerKeyFor(name); ok {
			if _, err := typeValue(k, name, props); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// WithDynamic returns the broker configuration with dynamic configuration
// applied: clusterDefault (DYNAMIC_DEFAULT_BROKER_CONFIG) over the static
// configuration, then perBroker (DYNAMIC_BROKER_CONFIG) over both. Both
// replace what a previous call applied. The result is not yet validated
// against the rules between keys; call Validate on it.
func (b *Broker) WithDynamic(clusterDefault, perBroker map[string]string) (*Broker, error) {
	if err := ValidateDynamic(clusterDefault, false); err != nil {
		return nil, fmt.Errorf("cluster-wide dynamic broker configuration: %w", err)
	}
	if err := ValidateDynamic(perBroker, true); err != nil {
		return nil, fmt.Errorf("dynamic configuration of broker %d: %w", b.NodeID, err)
	}
	return newBroker(layers{static: b.layers.static, dynamicDefault: copyMap(clusterDefault), dynamicBroker: copyMap(perBroker)})
}
