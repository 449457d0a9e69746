// Package otel compares the traceinject runtime under OpenTelemetry
// (runtime/traceotel) with OpenTelemetry's own instrumentation: a hand-written
// tracer.Start, otelgin's middleware and otelgrpc's stats handlers, and with
// the OpenTracing bridge. It is a module of its own so that the peers'
// requirements never reach the runtime's users or the main module.
//
//	cd bench/otel && go test -run '^$' -bench . -benchmem -count 6 | tee otel.txt
package otel
