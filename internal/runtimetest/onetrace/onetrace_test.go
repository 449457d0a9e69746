package onetrace

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
	"github.com/uber/jaeger-client-go"
	"google.golang.org/grpc"

	"github.com/traceinject/traceinject/internal/behaviourtest"
	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracegin"
	"github.com/traceinject/traceinject/testdata/proto/echo"
)

// The handler and the service method are written in the shapes traceinject
// injects.

type service struct{ echo.UnimplementedEchoServer }

func (service) Unary(ctx context.Context, req *echo.Request) (_ *echo.Response, err error) {
	//trace:begin
	ctx, span := runtime.Start(ctx, "onetrace.service.Unary")
	defer span.End(&err)
	//trace:end
	return &echo.Response{Message: req.GetMessage()}, nil
}

func handler(client echo.EchoClient) gin.HandlerFunc {
	return func(c *gin.Context) {
		//trace:begin
		span := tracegin.Start(c, "onetrace.handler.func1")
		defer tracegin.End(c, span, nil)
		//trace:end
		resp, err := client.Unary(c.Request.Context(), &echo.Request{Message: c.Param("msg")})
		if err != nil {
			c.String(http.StatusBadGateway, err.Error())
			return
		}
		c.String(http.StatusOK, resp.GetMessage())
	}
}

// span is what the test reads of a finished span, whatever the tracer.
type span struct {
	name              string
	trace, id, parent string
}

// serve sends GET /echo/hi, without trace headers, through the gateway and
// the gRPC service.
func serve(t *testing.T) {
	t.Helper()
	gin.SetMode(gin.TestMode)
	conn := behaviourtest.Bufconn(t, func(srv *grpc.Server) {
		echo.RegisterEchoServer(srv, echo.NewTracedEchoServer(service{}))
	})
	r := gin.New()
	r.ContextWithFallback = true
	r.GET("/echo/:msg", handler(echo.NewTracedEchoClient(conn)))
	hs := httptest.NewServer(r)
	defer hs.Close()

	resp, err := http.Get(hs.URL + "/echo/hi")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "hi" {
		t.Fatalf("GET /echo/hi: %d %q", resp.StatusCode, body)
	}
}

// wantOneTrace checks the four spans of the request: one trace, whose root
// is the Gin span, with each span the child of the one before it.
func wantOneTrace(t *testing.T, spans []span) {
	t.Helper()
	chain := []string{"GET /echo/:msg", "/traceinject.test.echo.Echo/Unary", "/traceinject.test.echo.Echo/Unary", "onetrace.service.Unary"}
	if len(spans) != len(chain) {
		t.Fatalf("%d spans %+v, want %d", len(spans), spans, len(chain))
	}
	parent, root := span{}, span{}
	for i, name := range chain {
		var s *span
		for j := range spans {
			if spans[j].name == name && spans[j].parent == parent.id && (i == 0 || spans[j].id != parent.id) {
				s = &spans[j]
			}
		}
		if s == nil {
			t.Fatalf("no span %q whose parent is %q (%q); spans %+v", name, parent.id, parent.name, spans)
		}
		if i == 0 {
			root = *s
		}
		if s.trace != root.trace {
			t.Errorf("%q is in trace %s, the Gin span in %s: the trace split", s.name, s.trace, root.trace)
		}
		parent = *s
	}
}

func useTracer(t *testing.T, tr opentracing.Tracer) {
	old := opentracing.GlobalTracer()
	opentracing.SetGlobalTracer(tr)
	t.Cleanup(func() { opentracing.SetGlobalTracer(old) })
}

func TestOneTraceWithoutHeadersMocktracer(t *testing.T) {
	tr := mocktracer.New()
	useTracer(t, tr)
	serve(t)
	var spans []span
	for _, s := range tr.FinishedSpans() {
		sp := span{name: s.OperationName, trace: itoa(s.SpanContext.TraceID), id: itoa(s.SpanContext.SpanID)}
		if s.ParentID != 0 {
			sp.parent = itoa(s.ParentID)
		}
		if s.SpanContext.TraceID == 0 {
			t.Errorf("%q has trace ID 0", s.OperationName)
		}
		spans = append(spans, sp)
	}
	wantOneTrace(t, spans)
}

func TestOneTraceWithoutHeadersJaeger(t *testing.T) {
	reporter := jaeger.NewInMemoryReporter()
	tr, closer := jaeger.NewTracer("onetrace", jaeger.NewConstSampler(true), reporter)
	defer closer.Close()
	useTracer(t, tr)
	serve(t)
	var spans []span
	for _, s := range reporter.GetSpans() {
		js := s.(*jaeger.Span)
		sc := js.SpanContext()
		sp := span{name: js.OperationName(), trace: sc.TraceID().String(), id: sc.SpanID().String()}
		if sc.ParentID() != 0 {
			sp.parent = sc.ParentID().String()
		}
		spans = append(spans, sp)
	}
	wantOneTrace(t, spans)
}

func itoa(i int) string { return strconv.Itoa(i) }
