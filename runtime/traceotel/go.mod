module github.com/traceinject/traceinject/runtime/traceotel

go 1.22

require (
	github.com/traceinject/traceinject/runtime v0.0.0-00010101000000-000000000000
	go.opentelemetry.io/otel v1.0.0
	go.opentelemetry.io/otel/trace v1.0.0
)

require github.com/opentracing/opentracing-go v1.2.0 // indirect

replace github.com/traceinject/traceinject/runtime => ../
