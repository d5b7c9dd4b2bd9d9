package presence

import "fmt"

// Status is an agent's presence. Available, Away and Offline are set by the
// agent; Busy and AfterCallWork are derived by the hub from the agent's slots.
type Status uint8

// The statuses. Offline is the zero value.
const (
	Offline Status = iota
	Available
	Away
	Busy
	AfterCallWork
	numStatus
)

var statusNames = [numStatus]string{"offline", "available", "away", "busy", "after_call_work"}

// String returns the wire name of s.
func (s Status) String() string {
	if s < numStatus {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Settable reports whether an agent may set s themselves.
func (s Status) Settable() bool { return s == Offline || s == Available || s == Away }

// ParseStatus returns the status with wire name name.
func ParseStatus(name string) (Status, error) {
	for i, n := range statusNames {
		if n == name {
			return Status(i), nil
		}
	}
	return 0, fmt.Errorf("presence: unknown status %q", name)
}

// MarshalText encodes s by its wire name.
func (s Status) MarshalText() ([]byte, error) {
	if s >= numStatus {
		return nil, fmt.Errorf("presence: invalid status %d", uint8(s))
	}
	return []byte(statusNames[s]), nil
}

// UnmarshalText decodes a wire name.
func (s *Status) UnmarshalText(b []byte) error {
	v, err := ParseStatus(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Role is what an agent may do: handle interactions, or also supervise.
type Role string

// The roles.
const (
	RoleAgent      Role = "agent"
	RoleSupervisor Role = "supervisor"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAgent || r == RoleSupervisor }
