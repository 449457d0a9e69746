package tracegin_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/ext"
	"github.com/opentracing/opentracing-go/mocktracer"

	"github.com/traceinject/traceinject/runtime/tracegin"
	"github.com/traceinject/traceinject/runtime/tracehttp"
)

// TestRoundTripperJoinsGinServer sends requests over real loopback
// connections: caller → /front (annotated Gin handler) → /back (another), the
// front handler calling the back one through tracehttp with the request
// context, which carries the handler's span. All spans
// must form one trace.
func TestRoundTripperJoinsGinServer(t *testing.T) {
	tr := useMockTracer(t)
	client := &http.Client{Transport: tracehttp.NewTransport(nil)}

	r := gin.New()
	srv := httptest.NewServer(r)
	defer srv.Close()
	r.GET("/back/:id", getUser)
	r.GET("/front/:id", func(c *gin.Context) {
		//trace:begin
		span := tracegin.Start(c, "")
		defer tracegin.End(c, span, nil)
		//trace:end
		req, err := http.NewRequestWithContext(c.Request.Context(), http.MethodGet, srv.URL+"/back/"+c.Param("id")+"?token=secret", nil)
		if err != nil {
			_ = c.AbortWithError(http.StatusInternalServerError, err)
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			_ = c.AbortWithError(http.StatusBadGateway, err)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		c.String(resp.StatusCode, "front: %s", body)
	})

	caller := tr.StartSpan("caller").(*mocktracer.MockSpan)
	req, err := http.NewRequestWithContext(opentracing.ContextWithSpan(context.Background(), caller), http.MethodGet, srv.URL+"/front/9", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Request-Id", "abc")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "front: user 9" {
		t.Fatalf("response %d %q, want 200 \"front: user 9\"", resp.StatusCode, body)
	}
	if len(req.Header) != 1 || req.Header.Get("X-Request-Id") != "abc" {
		t.Errorf("caller's headers changed: %v", req.Header)
	}
	caller.Finish()
	srv.Close() // waits for the handlers, so their spans are finished

	var clients []*mocktracer.MockSpan
	for _, s := range tr.FinishedSpans() {
		if s.OperationName == "HTTP GET" {
			clients = append(clients, s)
		}
	}
	if len(clients) != 2 {
		t.Fatalf("%d client spans, want 2", len(clients))
	}
	front := spanNamed(t, tr, "GET /front/:id")
	back := spanNamed(t, tr, "GET /back/:id")
	// The inner client span ends first (its body is read to EOF first).
	inner, outer := clients[0], clients[1]
	wantChildOf(t, outer, caller)
	wantChildOf(t, front, outer)
	wantChildOf(t, inner, front)
	wantChildOf(t, back, inner)
	wantServerSpan(t, front, "GET", "/front/9", http.StatusOK)
	wantServerSpan(t, back, "GET", "/back/9", http.StatusOK)
	wantTag(t, inner, string(ext.SpanKind), ext.SpanKindRPCClientEnum)
	wantTag(t, inner, string(ext.HTTPUrl), srv.URL+"/back/9")
	wantTag(t, outer, string(ext.HTTPUrl), srv.URL+"/front/9")
}
