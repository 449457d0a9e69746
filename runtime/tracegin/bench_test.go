package tracegin_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/ext"
	"github.com/opentracing/opentracing-go/mocktracer"
)

// contribMiddleware stands in for ginhttp.Middleware of
// github.com/opentracing-contrib/go-gin, the middleware Gin users of
// OpenTracing reach for, which the module proxy available to this project does
// not serve. It does the same work in the same order, so the benchmark compares
// against what users run today: extract the caller's span context from the
// headers, start a span with ext.RPCServerOption named "HTTP <METHOD>", tag
// http.method, http.url (the whole URL, query included) and component=net/http,
// put the span in the request's context, run the rest of the chain, then tag
// error (its default error function always says false) and http.status_code
// and finish (not deferred: a panic leaves the span open). Like the original it
// does all of this with the no-op tracer too.
func contribMiddleware(tr opentracing.Tracer) gin.HandlerFunc {
	opName := func(r *http.Request) string { return "HTTP " + r.Method }
	isError := func(*http.Response) bool { return false }
	observe := func(opentracing.Span, *http.Request) {}
	return func(c *gin.Context) {
		remote, _ := tr.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(c.Request.Header))
		span := tr.StartSpan(opName(c.Request), ext.RPCServerOption(remote))
		ext.HTTPMethod.Set(span, c.Request.Method)
		ext.HTTPUrl.Set(span, c.Request.URL.String())
		observe(span, c.Request)
		ext.Component.Set(span, "net/http")
		c.Request = c.Request.WithContext(opentracing.ContextWithSpan(c.Request.Context(), span))

		c.Next()

		ext.Error.Set(span, isError(c.Request.Response))
		ext.HTTPStatusCode.Set(span, uint16(c.Writer.Status()))
		span.Finish()
	}
}

// bareUser is getUser without instrumentation.
func bareUser(c *gin.Context) {
	c.String(http.StatusOK, "user %s", c.Param("id"))
}

// engines builds, for each way of tracing a handler, an engine serving
// GET /user/:id.
var engines = []struct {
	name  string
	build func(tr opentracing.Tracer) *gin.Engine
}{
	{"bare", func(opentracing.Tracer) *gin.Engine {
		r := gin.New()
		r.GET("/user/:id", bareUser)
		return r
	}},
	{"annotated", func(opentracing.Tracer) *gin.Engine {
		r := gin.New()
		r.GET("/user/:id", getUser)
		return r
	}},
	// With ContextWithFallback, Start checks on every request that code
	// given c sees the span (without it, only until it has logged once).
	{"annotated-fallback", func(opentracing.Tracer) *gin.Engine {
		r := gin.New()
		r.ContextWithFallback = true
		r.GET("/user/:id", getUser)
		return r
	}},
	{"contrib", func(tr opentracing.Tracer) *gin.Engine {
		r := gin.New()
		r.Use(contribMiddleware(tr))
		r.GET("/user/:id", bareUser)
		return r
	}},
}

// BenchmarkGinRequest serves one request through httptest.NewRecorder and
// engine.ServeHTTP. With mocktracer the request carries a caller's span in its
// headers, as it would in a traced system.
func BenchmarkGinRequest(b *testing.B) {
	for _, tracer := range []string{"noop", "mocktracer"} {
		for _, e := range engines {
			b.Run("tracer="+tracer+"/handler="+e.name, func(b *testing.B) {
				var tr opentracing.Tracer = opentracing.NoopTracer{}
				var mock *mocktracer.MockTracer
				req := httptest.NewRequest(http.MethodGet, "/user/42", nil)
				if tracer == "mocktracer" {
					mock = mocktracer.New()
					tr = mock
					parent := mock.StartSpan("caller")
					if err := mock.Inject(parent.Context(), opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(req.Header)); err != nil {
						b.Fatal(err)
					}
				}
				prev := opentracing.GlobalTracer()
				opentracing.SetGlobalTracer(tr)
				defer opentracing.SetGlobalTracer(prev)
				engine := e.build(tr)

				b.ReportAllocs()
				i := 0
				b.ResetTimer()
				for range b.N {
					w := httptest.NewRecorder()
					engine.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Fatalf("status %d", w.Code)
					}
					// mocktracer keeps every finished span; drop them now and
					// then so memory stays flat.
					if i++; mock != nil && i%1024 == 0 {
						mock.Reset()
					}
				}
			})
		}
	}
}

// TestNoopRequestAddsNoAllocations is the benchmark's promise as a test: under
// the no-op tracer a whole request through the annotated handler allocates
// exactly as much as through the bare one.
func TestNoopRequestAddsNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts through Gin's sync.Pool are random under the race detector")
	}
	useTracer(t, opentracing.NoopTracer{})
	allocs := map[string]float64{}
	for _, e := range engines[:2] {
		engine := e.build(opentracing.NoopTracer{})
		req := httptest.NewRequest(http.MethodGet, "/user/42", nil)
		allocs[e.name] = testing.AllocsPerRun(200, func() {
			engine.ServeHTTP(httptest.NewRecorder(), req)
		})
	}
	if allocs["annotated"] != allocs["bare"] {
		t.Errorf("allocations per request: annotated %v, bare %v; want equal", allocs["annotated"], allocs["bare"])
	}
}
