package session

import (
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// Metadata is the CCAI session metadata document, exported after the end and
// again after wrap-up or CSAT. Times are FormatTime strings, left out when
// the moment has not happened; durations are seconds rounded to
// milliseconds. Fields after Outcome are Switchboard additions.
type Metadata struct {
	Lang         string            `json:"lang"` // the contact's language
	ID           string            `json:"id"`
	Type         Channel           `json:"type"`
	Status       State             `json:"status"`
	Created      string            `json:"created"`
	Queued       string            `json:"queued,omitempty"`
	Assigned     string            `json:"assigned,omitempty"`
	Connected    string            `json:"connected,omitempty"`
	Ended        string            `json:"ended,omitempty"`
	Scheduled    string            `json:"scheduled,omitempty"`
	Updated      string            `json:"updated"`
	HandleTime   float64           `json:"handle_time"`
	HoldTime     float64           `json:"hold_time"`
	AnswerType   string            `json:"answer_type,omitempty"`
	Queue        MetaQueue         `json:"queue"`
	CSAT         *MetaCSAT         `json:"csat,omitempty"`
	Agent        *Ref              `json:"agent,omitempty"` // the assignee, or the last agent who took part
	Transfers    []MetaTransfer    `json:"transfers"`
	Deflection   *MetaDeflection   `json:"deflection,omitempty"`
	Disposition  *MetaDisposition  `json:"disposition,omitempty"`
	Outcome      Outcome           `json:"outcome,omitempty"`
	Participants []MetaParticipant `json:"participants"`

	Workspace    string         `json:"workspace"`
	StatusName   string         `json:"status_name"`
	Media        presence.Media `json:"media"`
	WrappedUp    string         `json:"wrapped_up,omitempty"`
	WaitTime     float64        `json:"wait_time"`
	EndedBy      Party          `json:"ended_by,omitempty"`
	MessageCount int            `json:"message_count"`
	Offers       []MetaOffer    `json:"offers"`
	// Expertise is what the session itself required of its agent, as it
	// ended (the queue's own requirement is the queue's); left out when
	// none.
	Expertise []string `json:"expertise,omitempty"`
}

// MetaQueue is the queue of a metadata document.
type MetaQueue struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Priority int    `json:"priority"`
}

// MetaCSAT is the satisfaction rating of a metadata document.
type MetaCSAT struct {
	Rating  int    `json:"rating"`
	Comment string `json:"comment,omitempty"`
}

// MetaTransfer is a transfer in a metadata document.
type MetaTransfer struct {
	At      string `json:"at"`
	From    *Ref   `json:"from,omitempty"`
	ToQueue *Ref   `json:"to_queue,omitempty"`
	ToAgent *Ref   `json:"to_agent,omitempty"`
	Note    string `json:"note,omitempty"`
	Result  string `json:"result,omitempty"`
}

// MetaDeflection is the deflection of a metadata document.
type MetaDeflection struct {
	Reason  string `json:"reason"`
	Channel string `json:"channel,omitempty"`
}

// MetaDisposition is the wrap-up of a metadata document.
type MetaDisposition struct {
	Code  string `json:"code"`
	Notes string `json:"notes,omitempty"`
}

// MetaParticipant is a participant record in a metadata document.
type MetaParticipant struct {
	Kind     Kind   `json:"kind"`
	ID       string `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	Role     string `json:"role"`
	JoinedAt string `json:"joined_at"`
	LeftAt   string `json:"left_at,omitempty"`
}

// Metadata returns the session's metadata document at now (now counts
// toward handle and hold time until wrap-up).
func (s *Session) Metadata(now time.Time) Metadata {
	return Metadata{
		Lang: s.Contact.Language, ID: s.ID, Type: s.Channel, Status: s.State,
		Created: FormatTime(s.CreatedAt), Queued: FormatTime(s.QueuedAt),
		Assigned: FormatTime(s.AssignedAt), Connected: FormatTime(s.ConnectedAt),
		Ended: FormatTime(s.EndedAt), Scheduled: FormatTime(s.ScheduledAt),
		Updated:    FormatTime(s.UpdatedAt),
		HandleTime: round3(s.HandleSeconds(now)), HoldTime: round3(s.HoldTotal(now)),
		AnswerType: s.AnswerType,
		Queue:      MetaQueue{ID: s.Queue.ID, Name: s.Queue.Name, Priority: s.Priority},
		CSAT:       s.metaCSAT(), Agent: refPtr(s.lastAgent()), Transfers: s.metaTransfers(),
		Deflection: s.metaDeflection(), Disposition: s.metaDisposition(),
		Outcome: s.Outcome, Participants: s.metaParticipants(),
		Workspace: s.Workspace, StatusName: s.State.Name(), Media: s.Media,
		WrappedUp: FormatTime(s.WrappedAt), WaitTime: round3(s.WaitSeconds(now)),
		EndedBy: s.EndedBy, MessageCount: s.MessageCount, Offers: s.metaOffers(),
		Expertise: s.Expertise,
	}
}

func (s *Session) metaCSAT() *MetaCSAT {
	if s.CSAT == 0 {
		return nil
	}
	return &MetaCSAT{Rating: s.CSAT, Comment: s.CSATComment}
}

func (s *Session) metaDeflection() *MetaDeflection {
	if s.Deflection.Reason == "" {
		return nil
	}
	return &MetaDeflection{Reason: s.Deflection.Reason, Channel: s.Deflection.Channel}
}

func (s *Session) metaDisposition() *MetaDisposition {
	if s.WrapupCode == "" {
		return nil
	}
	return &MetaDisposition{Code: s.WrapupCode, Notes: s.WrapupNotes}
}

func (s *Session) metaTransfers() []MetaTransfer {
	out := make([]MetaTransfer, len(s.Transfers))
	for i, t := range s.Transfers {
		out[i] = MetaTransfer{At: FormatTime(t.At), From: refPtr(t.From), ToQueue: refPtr(t.ToQueue),
			ToAgent: refPtr(t.ToAgent), Note: t.Note, Result: t.Result}
	}
	return out
}

func (s *Session) metaParticipants() []MetaParticipant {
	out := make([]MetaParticipant, len(s.Participants))
	for i, p := range s.Participants {
		out[i] = MetaParticipant{Kind: p.Kind, ID: p.ID, Name: p.Name, Role: p.Role,
			JoinedAt: FormatTime(p.JoinedAt), LeftAt: FormatTime(p.LeftAt)}
	}
	return out
}
