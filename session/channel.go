package session

import "github.com/switchboardhq/switchboard/presence"

// Channel is how a session reaches the contact center: the CCAI session type.
type Channel string

// The channels. Web chat and web messaging start from the widget; the others
// are created over HTTP by the system that owns the channel.
const (
	VoiceInbound  Channel = "voice_inbound"
	VoiceOutbound Channel = "voice_outbound"
	VoiceCallback Channel = "voice_callback"
	WebChat       Channel = "web_chat"
	WebMessaging  Channel = "web_messaging"
	SMSInbound    Channel = "sms_inbound"
	SMSOutbound   Channel = "sms_outbound"
	WhatsApp      Channel = "whatsapp"
	Email         Channel = "email"
)

// Card icons.
const (
	IconCall  = "call"
	IconChat  = "chat"
	IconEmail = "email"
)

type channelInfo struct {
	title  string
	media  presence.Media
	widget bool
}

var channels = map[Channel]channelInfo{
	VoiceInbound:  {"Inbound Call", presence.Voice, false},
	VoiceOutbound: {"Outbound Call", presence.Voice, false},
	VoiceCallback: {"Callback", presence.Voice, false},
	WebChat:       {"Web Chat", presence.Chat, true},
	WebMessaging:  {"Web Messaging", presence.Chat, true},
	SMSInbound:    {"SMS", presence.Chat, false},
	SMSOutbound:   {"Outbound SMS", presence.Chat, false},
	WhatsApp:      {"WhatsApp", presence.Chat, false},
	Email:         {"Email", presence.Email, false},
}

// Channels returns every channel, in the order of the constants.
func Channels() []Channel {
	return []Channel{VoiceInbound, VoiceOutbound, VoiceCallback, WebChat,
		WebMessaging, SMSInbound, SMSOutbound, WhatsApp, Email}
}

// Valid reports whether c is one of the defined channels.
func (c Channel) Valid() bool {
	_, ok := channels[c]
	return ok
}

// Media returns the capacity c uses: voice for voice_*, email for email,
// chat for every other channel (unknown ones included).
func (c Channel) Media() presence.Media {
	if info, ok := channels[c]; ok {
		return info.media
	}
	return presence.Chat
}

// Title returns the readable name of c ("Web Chat", "Inbound Call", ...), or
// c itself when it is unknown.
func (c Channel) Title() string {
	if info, ok := channels[c]; ok {
		return info.title
	}
	return string(c)
}

// Icon returns the card icon of c: "call", "chat" or "email".
func (c Channel) Icon() string {
	switch c.Media() {
	case presence.Voice:
		return IconCall
	case presence.Email:
		return IconEmail
	default:
		return IconChat
	}
}

// Widget reports whether sessions of c start from the chat widget.
func (c Channel) Widget() bool { return channels[c].widget }
