package export

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Webhook request headers besides Content-Type: application/json.
const (
	HeaderWorkspace = "X-Switchboard-Workspace"
	HeaderSession   = "X-Switchboard-Session"
)

// DefaultWebhookTimeout bounds one webhook request when WebhookConfig.Client
// is nil.
const DefaultWebhookTimeout = 10 * time.Second

// WebhookConfig configures a WebhookSink. A zero field means the default
// documented on it.
type WebhookConfig struct {
	// URL receives the documents by POST; http or https. Required.
	URL string
	// Client sends the requests: nil means a client with a timeout of
	// DefaultWebhookTimeout that does not follow redirects (a redirect is a
	// permanent failure: configure the final address).
	Client *http.Client
	// Header is added to every request (e.g. Authorization): nil means
	// none.
	Header http.Header
}

// WebhookSink POSTs each document as JSON to a URL, with the headers
// HeaderWorkspace and HeaderSession. A 2xx answer is success. 408, 429 and
// 5xx answers and network errors are transient (the Exporter retries with
// backoff); other answers are permanent failures (*StatusError): the
// receiver refuses the request as sent, and retrying at once would not
// help; the Exporter holds the export for Config.MaxHold, so that fixing the
// receiver or its configuration still gets it delivered.
type WebhookSink struct {
	url    string
	client *http.Client
	header http.Header
}

// NewWebhookSink validates cfg and returns the sink.
func NewWebhookSink(cfg WebhookConfig) (*WebhookSink, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("export: webhook URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("export: webhook URL %q: want http(s)://host/...", cfg.URL)
	}
	c := cfg.Client
	if c == nil {
		c = &http.Client{Timeout: DefaultWebhookTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	return &WebhookSink{url: cfg.URL, client: c, header: cfg.Header.Clone()}, nil
}

// Name implements Sink: "webhook".
func (w *WebhookSink) Name() string { return "webhook" }

// StatusError is a webhook answer that is not 2xx.
type StatusError struct {
	Code int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("export: webhook answered %d %s", e.Code, http.StatusText(e.Code))
}

// Permanent reports whether retrying soon is pointless: every status but
// 408, 429 and 5xx.
func (e *StatusError) Permanent() bool {
	return e.Code != http.StatusRequestTimeout && e.Code != http.StatusTooManyRequests && e.Code < 500
}

// Send implements Sink.
func (w *WebhookSink) Send(ctx context.Context, workspace, sessionID string, doc []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(doc))
	if err != nil {
		return Permanent(fmt.Errorf("export: webhook request: %w", err))
	}
	for k, v := range w.header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderWorkspace, workspace)
	req.Header.Set(HeaderSession, sessionID)
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("export: webhook: %w", err)
	}
	// Drain a little so that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return &StatusError{Code: resp.StatusCode}
}
