package otelbehaviour

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceinject/traceinject/internal/behaviourtest"
	"github.com/traceinject/traceinject/runtime/tracehttp"
)

// Outgoing requests through tracehttp to the traced Gin engine: the client
// span is injected into the headers and the server span joins it.
func TestHTTPClient(t *testing.T) {
	r := behaviourtest.Record(t)
	hs := httptest.NewServer(engine())
	defer hs.Close()
	u, _ := url.Parse(hs.URL)
	host, port, _ := net.SplitHostPort(u.Host)
	portN, _ := strconv.Atoi(port)
	client := &http.Client{Transport: tracehttp.NewTransport(nil)}

	ctx, parent := r.Parent(t)
	for _, tc := range []struct {
		path   string
		status int
		failed bool
	}{
		{"/user/1", 200, false},
		{"/user/missing", 404, true},
		{"/user/broken", 500, true},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r.Reset()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, hs.URL+tc.path+"?token=secret", nil)
			req.URL.User = url.UserPassword("me", "pw")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if req.Header.Get("traceparent") != "" {
				t.Error("the caller's request was modified")
			}
			c := r.SpanOfKind(t, "GET", trace.SpanKindClient)
			behaviourtest.WantParent(t, c, parent.SpanContext())
			want := []attribute.KeyValue{
				attribute.String("http.request.method", "GET"),
				attribute.String("url.full", hs.URL+tc.path),
				attribute.String("server.address", host),
				attribute.Int("server.port", portN),
				attribute.Int("http.response.status_code", tc.status),
			}
			if tc.failed {
				want = append(want, attribute.String("error.type", strconv.Itoa(tc.status)))
				behaviourtest.WantStatus(t, c, codes.Error, "")
			} else {
				behaviourtest.WantStatus(t, c, codes.Unset, "")
			}
			behaviourtest.WantAttrs(t, c, want...)
			behaviourtest.WantParent(t, r.SpanOfKind(t, "GET /user/:id", trace.SpanKindServer), c.SpanContext())
		})
	}
}

type failing struct{}

func (failing) RoundTrip(*http.Request) (*http.Response, error) { return nil, errors.New("no route") }

func TestHTTPClientTransportError(t *testing.T) {
	r := behaviourtest.Record(t)
	client := &http.Client{Transport: tracehttp.NewTransport(failing{})}
	ctx, _ := r.Parent(t)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://example.invalid/x", nil)
	if _, err := client.Do(req); err == nil {
		t.Fatal("no error")
	}
	c := r.SpanOfKind(t, "POST", trace.SpanKindClient)
	behaviourtest.WantStatus(t, c, codes.Error, "no route")
	if ex := behaviourtest.Exceptions(c); len(ex) != 1 || ex[0] != "no route" {
		t.Errorf("exceptions %q", ex)
	}
}
