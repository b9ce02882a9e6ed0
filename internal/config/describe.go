package config

// ConfigEntry is one configuration of a DescribeConfigs answer, in plain Go
// form; the broker's handler copies it into kmsg. Handlers drop Synonyms
// when IncludeSynonyms is false and Documentation when
// IncludeDocumentation is false; Source is computed from the full synonym
// list either way, as Kafka does.
type ConfigEntry struct {
	Name          string
	Value         *string // nil: null, or hidden because Sensitive
	ReadOnly      bool
	Source        Source
	Sensitive     bool
	Synonyms      []ConfigSynonym
	Type          Type
	Documentation string
}

// ConfigSynonym is one place a value could come from, highest priority
// first.
type ConfigSynonym struct {
	Name   string
	Value  *string // nil: hidden because sensitive
	Source Source
}

func strPtr(s string) *string { return &s }

// defaultStrings are the DEFAULT_CONFIG values of Kafka's synonym lists:
// every broker key with a non-null default, rendered. Filled by init once
// the table is registered.
var defaultStrings map[string]string

func renderDefaults() map[string]string {
	out := map[string]string{}
	for name, k := range brokerKeys {
		if k.HasDefault() {
			out[name] = k.DefaultValue().String()
		}
	}
	return out
}

// synonymChain is Kafka's ConfigHelper.configSynonyms: for each source from
// highest to lowest priority (dynamic broker, dynamic default, static,
// default), each synonym name present in that source, in synonym order;
// then everything before the first entry named name is dropped (so a
// lower-priority synonym does not list the higher ones).
func (l layers) synonymChain(name string, synonyms []string, sensitive bool) []ConfigSynonym {
	sources := []struct {
		values map[string]string
		source Source
	}{
		{l.dynamicBroker, SourceDynamicBrokerConfig},
		{l.dynamicDefault, SourceDynamicDefaultBrokerConfig},
		{l.static, SourceStaticBrokerConfig},
		{defaultStrings, SourceDefaultConfig},
	}
	var chain []ConfigSynonym
	for _, src := range sources {
		for _, syn := range synonyms {
			v, ok := src.values[syn]
			if !ok {
				continue
			}
			s := ConfigSynonym{Name: syn, Source: src.source}
			if !sensitive {
				s.Value = strPtr(v)
			}
			chain = append(chain, s)
		}
	}
	for i, s := range chain {
		if s.Name == name {
			return chain[i:]
		}
	}
	return nil
}

// DescribeTopic answers DescribeConfigs for a topic with the given
// overrides on broker b (nil: Kafka's defaults): one entry per topic key,
// sorted by name. A key the topic overrides has source
// DYNAMIC_TOPIC_CONFIG; otherwise the source is that of the broker synonym
// it comes from, or DEFAULT_CONFIG.
//
// As in Kafka, the broker synonyms are listed from the topic key's first
// broker synonym on: when log.retention.ms is not set anywhere, the
// log.retention.minutes and log.retention.hours entries are dropped and
// retention.ms reports DEFAULT_CONFIG even if log.retention.hours was set
// in server.properties (its value is still the one in use).
func DescribeTopic(overrides map[string]string, b *Broker) ([]ConfigEntry, error) {
	values, err := topicValues(overrides, b)
	if err != nil {
		return nil, err
	}
	var l layers
	if b != nil {
		l = b.layers
	}
	entries := make([]ConfigEntry, 0, len(topicKeys))
	for _, k := range TopicKeys() {
		entries = append(entries, describeTopicKey(k, values[k.Name], overrides, l))
	}
	return entries, nil
}

func describeTopicKey(k *Key, v Value, overrides map[string]string, l layers) ConfigEntry {
	e := ConfigEntry{Name: k.Name, Type: k.Type, Sensitive: k.Sensitive(), Documentation: k.Doc}
	if !e.Sensitive && !v.IsNull() {
		e.Value = strPtr(v.String())
	}
	if _, ok := overrides[k.Name]; ok {
		e.Synonyms = append(e.Synonyms, ConfigSynonym{Name: k.Name, Value: e.Value, Source: SourceDynamicTopicConfig})
	}
	if len(k.Synonyms) > 0 {
		first := k.Synonyms[0].Name
		e.Synonyms = append(e.Synonyms, l.synonymChain(first, brokerSynonyms(first, true), e.Sensitive)...)
	}
	e.Source = SourceDefaultConfig
	if len(e.Synonyms) > 0 {
		e.Source = e.Synonyms[0].Source
	}
	return e
}

// DescribeBroker answers DescribeConfigs for this broker (resource name =
// its node id): every broker key, plus every listener override and unknown
// key present in the configuration, sorted by name. Known keys report their
// effective value; others their raw value, unknown ones hidden as
// sensitive (Kafka cannot type them).
func (b *Broker) DescribeBroker() []ConfigEntry {
	names := map[string]bool{}
	for name := range brokerKeys {
		names[name] = true
	}
	for name := range b.merged {
		names[name] = true
	}
	entries := make([]ConfigEntry, 0, len(names))
	for _, name := range sortedNames(names) {
		value, given := b.merged[name]
		entries = append(entries, b.describeBrokerKey(name, value, given, true))
	}
	return entries
}

// DescribeClusterDefaults answers DescribeConfigs for the cluster-wide
// default (empty resource name): only the keys set as dynamic defaults,
// with only DYNAMIC_DEFAULT_BROKER_CONFIG synonyms.
func (b *Broker) DescribeClusterDefaults() []ConfigEntry {
	entries := make([]ConfigEntry, 0, len(b.layers.dynamicDefault))
	for _, name := range sortedNames(b.layers.dynamicDefault) {
		entries = append(entries, b.describeBrokerKey(name, b.layers.dynamicDefault[name], true, false))
	}
	return entries
}

func (b *Broker) describeBrokerKey(name, raw string, given, perBroker bool) ConfigEntry {
	k, known := brokerKeyFor(name)
	e := ConfigEntry{Name: name, Sensitive: !known || k.Sensitive(), ReadOnly: true}
	if known {
		e.Type, e.Documentation = k.Type, k.Doc
		_, exact := brokerKeys[name]
		e.ReadOnly = !exact || k.Scope == ScopeReadOnly
	}
	valueName := name
	if listener, mech, base, ok := ListenerOverride(name); ok {
		valueName = overrideName(listener, mech, base.Name)
	}
	if !e.Sensitive {
		if v, ok := b.values[valueName]; ok && perBroker {
			if !v.IsNull() {
				e.Value = strPtr(v.String())
			}
		} else if given {
			e.Value = strPtr(raw)
		}
	}
	for _, s := range b.layers.synonymChain(name, brokerSynonyms(name, true), e.Sensitive) {
		if perBroker || s.Source == SourceDynamicDefaultBrokerConfig {
			e.Synonyms = append(e.Synonyms, s)
		}
	}
	e.Source = SourceDefaultConfig
	if len(e.Synonyms) > 0 {
		e.Source = e.Synonyms[0].Source
	}
	return e
}
