package broker

// ApiVersions: v0-v4.
//
// The response lists exactly the versions registered by the handler files,
// so no client is told about a version Samsa cannot serve, with one
// exception Kafka 4 makes too (KAFKA-18659): Produce is listed from v0
// although only v3+ takes records; see 00_produce.go.
//
// An unknown (newer) request version is answered in v0 with
// UNSUPPORTED_VERSION and the same list, so the client can retry with a
// version it shares (KIP-511).
//
// v3+ carries the supported and finalized features.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/metadata"
	"samsa/internal/network"
)

func init() { regKey(kmsg.ApiVersions, 0, 4, (*Broker).handleAPIVersions) }

// KRaftVersionLatest is the kraft.version Samsa supports: static voters.
const KRaftVersionLatest = 0

func (b *Broker) handleAPIVersions(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.ApiVersionsRequest)
	resp := req.ResponseKind().(*kmsg.ApiVersionsResponse)
	b.fillAPIVersions(r, resp)
	return ready(resp)
}

func (b *Broker) fillAPIVersions(r *request, resp *kmsg.ApiVersionsResponse) {
	for _, key := range supportedKeys() {
		e := apis[key]
		resp.ApiKeys = append(resp.ApiKeys, kmsg.ApiVersionsResponseApiKey{ApiKey: key, MinVersion: e.min, MaxVersion: e.max})
	}
	resp.SupportedFeatures = []kmsg.ApiVersionsResponseSupportedFeature{
		{Name: "metadata.version", MinVersion: metadata.MetadataVersionMin, MaxVersion: metadata.MetadataVersionLatest},
		{Name: "kraft.version", MinVersion: 0, MaxVersion: KRaftVersionLatest},
	}
	if r == nil || r.image == nil {
		return
	}
	resp.FinalizedFeaturesEpoch = r.image.Offset()
	for name, level := range r.image.Features() {
		resp.FinalizedFeatures = append(resp.FinalizedFeatures, kmsg.ApiVersionsResponseFinalizedFeature{
			Name: name, MinVersionLevel: level, MaxVersionLevel: level,
		})
	}
}

// apiVersionsUnsupported answers an ApiVersions request of a version newer
// than Samsa knows.
func (b *Broker) apiVersionsUnsupported() *kmsg.ApiVersionsResponse {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(0)
	resp.ErrorCode = kerr.UnsupportedVersion.Code
	b.fillAPIVersions(nil, resp)
	return resp
}
