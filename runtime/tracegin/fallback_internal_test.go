package tracegin

import (
	"bytes"
	"context"
	stdlog "log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
)

// TestSpanReachesCodeGivenGinContext serves handlers that pass c itself on as
// a context.Context, as traceinject leaves it: with ContextWithFallback the
// callee sees the handler's span through c and nothing is logged; without it
// the callee cannot, and Start says so once per process.
func TestSpanReachesCodeGivenGinContext(t *testing.T) {
	gin.SetMode(gin.TestMode)
	tr := mocktracer.New()
	old := opentracing.GlobalTracer()
	opentracing.SetGlobalTracer(tr)
	t.Cleanup(func() { opentracing.SetGlobalTracer(old) })
	var logged bytes.Buffer
	out := stdlog.Writer()
	stdlog.SetOutput(&logged)
	t.Cleanup(func() { stdlog.SetOutput(out) })
	t.Cleanup(func() { unreachableLogged.Store(false) })
	unreachableLogged.Store(false)

	var seen opentracing.Span
	callee := func(ctx context.Context) { seen = opentracing.SpanFromContext(ctx) }
	serve := func(fallback bool) {
		r := gin.New()
		r.ContextWithFallback = fallback
		r.GET("/x", func(c *gin.Context) {
			span := Start(c, "")
			defer End(c, span, nil)
			callee(c)
		})
		seen = nil
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	}

	serve(true)
	if seen == nil {
		t.Error("with ContextWithFallback, code given c did not see the span")
	}
	if logged.Len() != 0 {
		t.Errorf("logged with ContextWithFallback: %s", logged.String())
	}
	serve(false)
	if seen != nil {
		t.Error("test setup: without ContextWithFallback gin's c.Value does not read the request's context")
	}
	serve(false)
	if got := logged.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "ContextWithFallback") {
		t.Errorf("want one line that names ContextWithFallback, logged:\n%s", got)
	}
}

// TestNoLogWithoutTracer: with the no-op tracer nothing is recorded, and
// nothing is logged.
func TestNoLogWithoutTracer(t *testing.T) {
	gin.SetMode(gin.TestMode)
	var logged bytes.Buffer
	out := stdlog.Writer()
	stdlog.SetOutput(&logged)
	t.Cleanup(func() { stdlog.SetOutput(out) })
	t.Cleanup(func() { unreachableLogged.Store(false) })
	unreachableLogged.Store(false)
	r := gin.New()
	r.GET("/x", func(c *gin.Context) {
		span := Start(c, "")
		defer End(c, span, nil)
	})
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	if logged.Len() != 0 {
		t.Errorf("logged with the no-op tracer: %s", logged.String())
	}
}
