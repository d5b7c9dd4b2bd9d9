package presence

import "fmt"

// Media is the kind of capacity an interaction uses: voice, chat or email.
// Its zero value is not a valid media.
type Media uint8

// The media, in the order of an agent's capacity array.
const (
	Voice Media = iota
	Chat
	Email
	// NumMedia is the number of media; arrays indexed by Media have this length.
	NumMedia
)

var mediaNames = [NumMedia]string{"voice", "chat", "email"}

// String returns the wire name of m ("voice", "chat", "email").
func (m Media) String() string {
	if m < NumMedia {
		return mediaNames[m]
	}
	return fmt.Sprintf("media(%d)", uint8(m))
}

// ParseMedia returns the media with wire name s.
func ParseMedia(s string) (Media, error) {
	for i, n := range mediaNames {
		if n == s {
			return Media(i), nil
		}
	}
	return 0, fmt.Errorf("presence: unknown media %q", s)
}

// Valid reports whether m is one of the defined media.
func (m Media) Valid() bool { return m < NumMedia }

// MarshalText encodes m by its wire name.
func (m Media) MarshalText() ([]byte, error) {
	if !m.Valid() {
		return nil, fmt.Errorf("presence: invalid media %d", uint8(m))
	}
	return []byte(mediaNames[m]), nil
}

// UnmarshalText decodes a wire name.
func (m *Media) UnmarshalText(b []byte) error {
	v, err := ParseMedia(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
