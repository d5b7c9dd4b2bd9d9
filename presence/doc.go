// Package presence models agents: the status they set (available, away,
// offline), the status the hub derives (busy, after_call_work), capacity slots
// per media, languages, expertise, socket connections with a disconnect grace
// deadline, and the "N missed offers in a row" rule.
//
// The package is pure: no I/O, no goroutines, no clock reads. Every method
// that depends on time takes it as a parameter. An Agent is not safe for
// concurrent use; it is owned by its workspace's hub loop (through the
// router). Illegal transitions return an error and leave the agent unchanged.
package presence
