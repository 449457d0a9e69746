package tracehttp_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"

	"github.com/traceinject/traceinject/runtime/tracehttp"
)

// A client whose requests join the caller's trace. The server here stands for
// any traced service; it checks that the caller's span arrived in the headers.
func ExampleNewTransport() {
	// A program sets its tracer (Jaeger's, or OpenTelemetry's bridge) once, in
	// main; mocktracer stands in for it here.
	tracer := mocktracer.New()
	opentracing.SetGlobalTracer(tracer)
	defer opentracing.SetGlobalTracer(opentracing.NoopTracer{})

	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := tracer.Extract(opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(r.Header))
		fmt.Fprintln(w, "trace joined:", err == nil)
	}))
	defer backend.Close()

	client := &http.Client{Transport: tracehttp.NewTransport(http.DefaultTransport)}

	// In a function annotated with //trace:span, ctx already carries its span.
	span := tracer.StartSpan("checkout")
	ctx := opentracing.ContextWithSpan(context.Background(), span)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, backend.URL+"/stock?item=42", nil)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body) // the client span ends here, at EOF
	resp.Body.Close()
	if err != nil {
		log.Fatal(err)
	}
	span.Finish()

	fmt.Print(string(body))
	for _, s := range tracer.FinishedSpans() {
		fmt.Println(s.OperationName, s.Tag("span.kind"), s.Tag("http.status_code"))
	}
	// Output:
	// trace joined: true
	// HTTP GET client 200
	// checkout <nil> <nil>
}
