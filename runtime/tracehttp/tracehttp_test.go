package tracehttp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/ext"
	"github.com/opentracing/opentracing-go/mocktracer"

	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracehttp"
)

// Most tests pass their tracer with runtime.WithTracer and run in parallel;
// the one that sets the global tracer does not.

// roundTripFunc is a base RoundTripper that needs no network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func respond(status int, body string) roundTripFunc {
	return func(r *http.Request) (*http.Response, error) {
		return &http.Response{
			StatusCode: status,
			Header:     http.Header{},
			Body:       io.NopCloser(strings.NewReader(body)),
			Request:    r,
		}, nil
	}
}

// tracedServer starts a loopback server that joins the trace of each request
// with a server span named "server" on tr.
func tracedServer(t *testing.T, tr opentracing.Tracer, status int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		remote, err := tr.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(r.Header))
		if err != nil {
			http.Error(w, "no span context: "+err.Error(), http.StatusBadRequest)
			return
		}
		span := tr.StartSpan("server", ext.RPCServerOption(remote))
		defer span.Finish()
		w.WriteHeader(status)
		fmt.Fprint(w, "hello")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func spanNamed(t *testing.T, tr *mocktracer.MockTracer, operation string) *mocktracer.MockSpan {
	t.Helper()
	var found []*mocktracer.MockSpan
	for _, s := range tr.FinishedSpans() {
		if s.OperationName == operation {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("finished spans named %q: %d, want 1", operation, len(found))
	}
	return found[0]
}

func wantTag(t *testing.T, s *mocktracer.MockSpan, key string, want any) {
	t.Helper()
	if got, ok := s.Tags()[key]; !ok || got != want {
		t.Errorf("span %q: tag %s = %#v (set: %v), want %#v", s.OperationName, key, got, ok, want)
	}
}

func wantChildOf(t *testing.T, child, parent *mocktracer.MockSpan) {
	t.Helper()
	pc := parent.Context().(mocktracer.MockSpanContext)
	cc := child.Context().(mocktracer.MockSpanContext)
	if child.ParentID != pc.SpanID || cc.TraceID != pc.TraceID {
		t.Errorf("span %q: parent %d trace %d, want parent %q (%d) trace %d",
			child.OperationName, child.ParentID, cc.TraceID, parent.OperationName, pc.SpanID, pc.TraceID)
	}
}

func TestClientAndServerSpansJoin(t *testing.T) {
	t.Parallel()
	tr := mocktracer.New()
	srv := tracedServer(t, tr, http.StatusOK)
	client := &http.Client{Transport: tracehttp.NewTransport(nil, runtime.WithTracer(tr))}

	caller := tr.StartSpan("caller")
	ctx := opentracing.ContextWithSpan(context.Background(), caller)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/stock/42?token=secret", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Caller", "kept")
	headers := req.Header.Clone()

	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || string(body) != "hello" {
		t.Fatalf("response %d %q %v, want 200 \"hello\"", resp.StatusCode, body, err)
	}
	caller.Finish()
	srv.Close() // waits for the handler, so its span is finished

	client1 := spanNamed(t, tr, "HTTP GET")
	server := spanNamed(t, tr, "server")
	wantChildOf(t, client1, caller.(*mocktracer.MockSpan))
	wantChildOf(t, server, client1)
	wantTag(t, client1, string(ext.SpanKind), ext.SpanKindRPCClientEnum)
	wantTag(t, client1, string(ext.Component), "net/http")
	wantTag(t, client1, string(ext.HTTPMethod), "GET")
	wantTag(t, client1, string(ext.HTTPUrl), srv.URL+"/stock/42")
	wantTag(t, client1, string(ext.HTTPStatusCode), uint16(http.StatusOK))
	if _, ok := client1.Tags()[string(ext.Error)]; ok {
		t.Error("error tag set on a 200")
	}
	if !maps.EqualFunc(req.Header, headers, func(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }) {
		t.Errorf("caller's headers changed: %v, were %v", req.Header, headers)
	}
	if opentracing.SpanFromContext(req.Context()) != caller {
		t.Error("caller's request context changed")
	}
}

func TestRootSpanWithoutParent(t *testing.T) {
	t.Parallel()
	tr := mocktracer.New()
	srv := tracedServer(t, tr, http.StatusOK)
	client := &http.Client{Transport: tracehttp.NewTransport(http.DefaultTransport, runtime.WithTracer(tr))}

	resp, err := client.Post(srv.URL+"/orders", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	srv.Close()
	c := spanNamed(t, tr, "HTTP POST")
	if c.ParentID != 0 {
		t.Errorf("ParentID = %d, want a root span", c.ParentID)
	}
	wantChildOf(t, spanNamed(t, tr, "server"), c)
}

func TestServerErrorStatus(t *testing.T) {
	t.Parallel()
	tr := mocktracer.New()
	srv := tracedServer(t, tr, http.StatusServiceUnavailable)
	client := &http.Client{Transport: tracehttp.NewTransport(nil, runtime.WithTracer(tr))}

	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s := spanNamed(t, tr, "HTTP GET")
	wantTag(t, s, string(ext.HTTPStatusCode), uint16(http.StatusServiceUnavailable))
	wantTag(t, s, string(ext.Error), true)
}

func TestTransportError(t *testing.T) {
	t.Parallel()
	tr := mocktracer.New()
	refused := errors.New("connection refused")
	base := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, refused })
	client := &http.Client{Transport: tracehttp.NewTransport(base, runtime.WithTracer(tr))}

	if _, err := client.Get("http://example.invalid/x"); !errors.Is(err, refused) {
		t.Fatalf("error %v, want %v", err, refused)
	}
	s := spanNamed(t, tr, "HTTP GET")
	wantTag(t, s, string(ext.Error), true)
	if len(s.Logs()) != 1 || s.Logs()[0].Fields[0].ValueString != "error" {
		t.Errorf("logs = %v, want one event=error", s.Logs())
	}
	if _, ok := s.Tags()[string(ext.HTTPStatusCode)]; ok {
		t.Error("status code set without a response")
	}
}

func TestSpanEndsOnceAtEOFOrClose(t *testing.T) {
	t.Parallel()
	tr := mocktracer.New()
	rt := tracehttp.NewTransport(respond(http.StatusOK, "some body"), runtime.WithTracer(tr))

	// Read to the end: finished at EOF, before Close.
	resp, err := rt.RoundTrip(httptest.NewRequest(http.MethodGet, "http://example.com/a", nil))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tr.FinishedSpans()); n != 0 {
		t.Fatalf("%d spans finished before the body was read, want 0", n)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != "some body" {
		t.Fatalf("body %q", b)
	}
	if n := len(tr.FinishedSpans()); n != 1 {
		t.Fatalf("%d spans finished at EOF, want 1", n)
	}
	resp.Body.Close()
	resp.Body.Close()
	if n := len(tr.FinishedSpans()); n != 1 {
		t.Fatalf("%d spans finished after Close, want still 1", n)
	}

	// Closed without reading.
	tr.Reset()
	resp, err = rt.RoundTrip(httptest.NewRequest(http.MethodGet, "http://example.com/b", nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	io.ReadAll(resp.Body)
	if n := len(tr.FinishedSpans()); n != 1 {
		t.Fatalf("%d spans finished after Close, want 1", n)
	}
}

type failingBody struct{ err error }

func (b failingBody) Read([]byte) (int, error) { return 0, b.err }
func (b failingBody) Close() error             { return nil }

func TestBodyReadError(t *testing.T) {
	t.Parallel()
	tr := mocktracer.New()
	reset := errors.New("connection reset")
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Body: failingBody{reset}, Request: r}, nil
	})
	resp, err := tracehttp.NewTransport(base, runtime.WithTracer(tr)).RoundTrip(httptest.NewRequest(http.MethodGet, "http://example.com/", nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); err != reset {
		t.Fatalf("read error %v, want it passed through unwrapped", err)
	}
	resp.Body.Close()
	s := spanNamed(t, tr, "HTTP GET")
	wantTag(t, s, string(ext.Error), true)
}

func TestResponseWithoutBody(t *testing.T) {
	t.Parallel()
	tr := mocktracer.New()
	srv := tracedServer(t, tr, http.StatusOK)
	client := &http.Client{Transport: tracehttp.NewTransport(nil, runtime.WithTracer(tr))}

	resp, err := client.Head(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	// Finished although the caller never touches the (empty) body.
	s := spanNamed(t, tr, "HTTP HEAD")
	wantTag(t, s, string(ext.HTTPStatusCode), uint16(http.StatusOK))
	resp.Body.Close()
	srv.Close()
	if n := len(tr.FinishedSpans()); n != 2 {
		t.Errorf("%d finished spans, want 2", n)
	}
}

func TestCredentialsNotRecorded(t *testing.T) {
	t.Parallel()
	tr := mocktracer.New()
	rt := tracehttp.NewTransport(respond(http.StatusOK, ""), runtime.WithTracer(tr))

	req := httptest.NewRequest(http.MethodGet, "https://ada:secret-pw@example.com/a%2Fb?token=secret-token#frag", nil)
	req.Header.Set("Authorization", "Bearer secret-bearer")
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s := spanNamed(t, tr, "HTTP GET")
	wantTag(t, s, string(ext.HTTPUrl), "https://example.com/a%2Fb")
	for k, v := range s.Tags() {
		if strings.Contains(fmt.Sprint(v), "secret") {
			t.Errorf("tag %s = %v records a secret", k, v)
		}
	}
}

func TestSkip(t *testing.T) {
	t.Parallel()
	tr := mocktracer.New()
	var sent *http.Request
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = r
		return respond(http.StatusOK, "")(r)
	})
	rt := tracehttp.NewTransport(base, runtime.WithTracer(tr),
		runtime.WithSkip(func(op string) bool { return op == "HTTP DELETE" }))

	req := httptest.NewRequest(http.MethodDelete, "http://example.com/", nil)
	if _, err := rt.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if sent != req || len(tr.FinishedSpans()) != 0 {
		t.Errorf("skipped request was traced (same request: %v, spans: %d)", sent == req, len(tr.FinishedSpans()))
	}
	resp, err := rt.RoundTrip(httptest.NewRequest("PURGE", "http://example.com/", nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	spanNamed(t, tr, "HTTP PURGE")
}

func TestUpgradedBodyStaysWritable(t *testing.T) {
	t.Parallel()
	tr := mocktracer.New()
	var written strings.Builder
	conn := struct {
		io.Reader
		io.Writer
		io.Closer
	}{strings.NewReader("from server"), &written, io.NopCloser(nil)}
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusSwitchingProtocols, Body: conn, Request: r}, nil
	})
	resp, err := tracehttp.NewTransport(base, runtime.WithTracer(tr)).RoundTrip(httptest.NewRequest(http.MethodGet, "http://example.com/ws", nil))
	if err != nil {
		t.Fatal(err)
	}
	w, ok := resp.Body.(io.Writer)
	if !ok {
		t.Fatal("101 response body is not writable")
	}
	fmt.Fprint(w, "from client")
	if written.String() != "from client" {
		t.Errorf("written %q", written.String())
	}
	resp.Body.Close()
	spanNamed(t, tr, "HTTP GET")
}

func TestGlobalTracerAndNoop(t *testing.T) {
	// Not parallel: it sets opentracing's global tracer.
	prev := opentracing.GlobalTracer()
	t.Cleanup(func() { opentracing.SetGlobalTracer(prev) })

	var sent *http.Request
	ok := &http.Response{StatusCode: http.StatusOK, Body: http.NoBody} // shared, so the base allocates nothing
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = r
		return ok, nil
	})
	rt := tracehttp.NewTransport(base) // the global tracer, read per request

	opentracing.SetGlobalTracer(opentracing.NoopTracer{})
	req := httptest.NewRequest(http.MethodGet, "http://example.com/", nil)
	if _, err := rt.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if sent != req {
		t.Error("the no-op tracer did not pass the request through untouched")
	}
	if allocs := testing.AllocsPerRun(100, func() { rt.RoundTrip(req) }); allocs != 0 {
		t.Errorf("RoundTrip allocates %v times under the no-op tracer, want 0", allocs)
	}

	tr := mocktracer.New()
	opentracing.SetGlobalTracer(tr)
	if _, err := rt.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if sent == req || sent.Header.Get("Mockpfx-Ids-Traceid") == "" {
		t.Errorf("the global tracer's span was not injected into a clone (headers %v)", sent.Header)
	}
	if len(req.Header) != 0 {
		t.Errorf("caller's headers changed: %v", req.Header)
	}
	spanNamed(t, tr, "HTTP GET")
}
