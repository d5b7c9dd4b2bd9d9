package server

import (
	"encoding/json"
	"net/http"
)

// problem is an RFC 9457 problem document with the PROTOCOL.md error code.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail,omitempty"`
}

var codeStatus = map[string]int{
	"bad_request": http.StatusBadRequest, "unauthorized": http.StatusUnauthorized,
	"forbidden": http.StatusForbidden, "not_found": http.StatusNotFound,
	"conflict": http.StatusConflict, "rate_limited": http.StatusTooManyRequests,
	"too_large": http.StatusRequestEntityTooLarge, "unavailable": http.StatusServiceUnavailable,
	"internal": http.StatusInternalServerError,
}

// writeProblem answers with a problem document for code.
func writeProblem(w http.ResponseWriter, code, detail string) {
	status, ok := codeStatus[code]
	if !ok {
		code, status = "internal", http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{Type: "about:blank", Title: http.StatusText(status),
		Status: status, Code: code, Detail: detail})
}

// writeJSON answers 200 (or status) with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
