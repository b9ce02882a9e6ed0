package metadata

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// Uuid is Kafka's 128-bit identifier (topic IDs, cluster IDs, directory IDs,
// incarnation IDs). Its text form is unpadded URL-safe base64, 22 characters,
// as Kafka prints it.
type Uuid [16]byte

// ZeroUuid is the "no id" value; Kafka also reserves MetadataTopicId
// (…1) for the metadata log, which Samsa never assigns to a topic.
var ZeroUuid Uuid

// MetadataTopicID is Kafka's reserved id of the __cluster_metadata topic.
var MetadataTopicID = Uuid{15: 1}

// NewUuid returns a random id that is neither zero nor reserved and whose
// text form does not start with '-' (Kafka avoids those so ids can be passed
// as command-line arguments).
func NewUuid() Uuid {
	for {
		var u Uuid
		if _, err := rand.Read(u[:]); err != nil {
			panic(fmt.Sprintf("metadata: reading random bytes: %v", err))
		}
		if u != ZeroUuid && u != MetadataTopicID && u.String()[0] != '-' {
			return u
		}
	}
}

// ParseUuid decodes the 22-character text form.
func ParseUuid(s string) (Uuid, error) {
	var u Uuid
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != len(u) {
		return u, fmt.Errorf("invalid uuid %q: want 22 characters of URL-safe base64", s)
	}
	copy(u[:], b)
	return u, nil
}

func (u Uuid) String() string { return base64.RawURLEncoding.EncodeToString(u[:]) }

// MarshalText implements encoding.TextMarshaler.
func (u Uuid) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (u *Uuid) UnmarshalText(b []byte) error {
	v, err := ParseUuid(string(b))
	if err != nil {
		return err
	}
	*u = v
	return nil
}
