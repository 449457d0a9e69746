module go.opentelemetry.io/otel/bridge/opentracing

go 1.23.0

require (
	github.com/opentracing/opentracing-go v1.2.0
	go.opentelemetry.io/otel v1.36.0
	go.opentelemetry.io/otel/trace v1.36.0
)
