package tracegin

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
)

// TestHandlerStepReadsGinIndex: the field read through reflect is the
// position gin reports for the running handler, and it moves with the chain.
func TestHandlerStepReadsGinIndex(t *testing.T) {
	if indexField < 0 {
		t.Fatal("gin.Context has no integer field index: spans would never give their parent back")
	}
	gin.SetMode(gin.TestMode)
	var steps []int64
	record := func(c *gin.Context) {
		s, ok := handlerStep(c)
		if !ok {
			t.Error("handlerStep: not ok")
		}
		steps = append(steps, s)
	}
	r := gin.New()
	r.GET("/x", func(c *gin.Context) { record(c); c.Next(); record(c) }, record, record)
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	// After c.Next() gin's index is past the end of the chain.
	if want := []int64{0, 1, 2, 3}; !slices.Equal(steps, want) {
		t.Errorf("steps %v, want %v", steps, want)
	}
}

// TestNoIndexFieldNests: with a gin whose Context has no index field, no
// span gives its parent back: helpers nest, each under the one before.
func TestNoIndexFieldNests(t *testing.T) {
	gin.SetMode(gin.TestMode)
	tr := mocktracer.New()
	old := opentracing.GlobalTracer()
	opentracing.SetGlobalTracer(tr)
	t.Cleanup(func() { opentracing.SetGlobalTracer(old) })
	saved := indexField
	indexField = -1
	t.Cleanup(func() { indexField = saved })

	helper := func(c *gin.Context, name string) {
		span := Start(c, name)
		defer End(c, span, nil)
	}
	r := gin.New()
	r.GET("/x", func(c *gin.Context) {
		span := Start(c, "")
		defer End(c, span, nil)
		helper(c, "one")
		helper(c, "two")
	})
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	ids := map[string]*mocktracer.MockSpan{}
	for _, s := range tr.FinishedSpans() {
		ids[s.OperationName] = s
	}
	if ids["one"] == nil || ids["two"] == nil || ids["GET /x"] == nil {
		t.Fatalf("spans %v", tr.FinishedSpans())
	}
	if ids["one"].ParentID != ids["GET /x"].SpanContext.SpanID || ids["two"].ParentID != ids["one"].SpanContext.SpanID {
		t.Errorf("one's parent %d, two's parent %d; want the handler's %d and one's %d",
			ids["one"].ParentID, ids["two"].ParentID, ids["GET /x"].SpanContext.SpanID, ids["one"].SpanContext.SpanID)
	}
}
