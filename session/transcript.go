package session

import (
	"strings"
)

// FormatTranscript returns the plain-text transcript of s: a header (session
// id, channel, queue, contact, agents, start and end times in UTC) and a
// blank line, then one line per message, "[15:04:05] Name: text", in the
// order given. Continuation lines of a multi-line message are indented by
// four spaces. A sender with no name is shown by kind ("Visitor", "Agent",
// "System").
func FormatTranscript(s *Session, msgs []Message) string {
	var b strings.Builder
	writeHeader(&b, s)
	b.WriteByte('\n')
	for _, m := range msgs {
		writeMessage(&b, m)
	}
	return b.String()
}

func writeHeader(b *strings.Builder, s *Session) {
	line := func(k, v string) {
		if v != "" {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	line("Session", s.ID)
	line("Channel", s.Channel.Title()+" ("+string(s.Channel)+")")
	line("Queue", s.Queue.Name)
	line("Subject", s.Subject)
	line("Contact", contactLine(s.Contact))
	line("Agents", agentNames(s.agents()))
	line("Started", FormatTime(s.CreatedAt))
	line("Ended", endedLine(s))
}

func contactLine(c Contact) string {
	var parts []string
	for _, p := range []string{c.Name, c.Email, c.Phone} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

func agentNames(refs []Ref) string {
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.Name
		if names[i] == "" {
			names[i] = r.ID
		}
	}
	return strings.Join(names, ", ")
}

func endedLine(s *Session) string {
	if s.EndedAt.IsZero() {
		return ""
	}
	if s.EndedBy == "" {
		return FormatTime(s.EndedAt)
	}
	return FormatTime(s.EndedAt) + " (by " + string(s.EndedBy) + ")"
}

func writeMessage(b *strings.Builder, m Message) {
	b.WriteString("[" + m.At.UTC().Format("15:04:05") + "] " + senderName(m.From) + ": ")
	b.WriteString(strings.ReplaceAll(strings.TrimRight(m.Text, "\n"), "\n", "\n    "))
	b.WriteByte('\n')
}

func senderName(f Sender) string {
	if f.Name != "" {
		return f.Name
	}
	switch f.Kind {
	case KindAgent:
		return "Agent"
	case KindSystem:
		return "System"
	}
	return "Visitor"
}
