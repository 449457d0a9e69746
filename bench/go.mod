module github.com/traceinject/traceinject/bench

go 1.26.0

require (
	github.com/traceinject/traceinject v0.0.0-00010101000000-000000000000
	github.com/traceinject/traceinject/runtime v0.0.0-00010101000000-000000000000
	github.com/traceinject/traceinject/runtime/tracegrpc v0.0.0-00010101000000-000000000000 // indirect
)

require (
	github.com/grpc-ecosystem/go-grpc-middleware v1.4.0
	github.com/opentracing-contrib/go-grpc v0.1.4
	github.com/opentracing/opentracing-go v1.2.0
	github.com/uber/jaeger-client-go v2.30.0+incompatible
	google.golang.org/grpc v1.85.0
)

require (
	github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect
	github.com/uber/jaeger-lib v2.4.1+incompatible // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/net v0.61.0 // indirect
	golang.org/x/perf v0.0.0-20260908200009-22c9c6c9d4da // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260928230214-8a89bd6388cc // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace (
	github.com/traceinject/traceinject => ../
	github.com/traceinject/traceinject/runtime => ../runtime
	github.com/traceinject/traceinject/runtime/tracegin => ../runtime/tracegin
	github.com/traceinject/traceinject/runtime/tracegrpc => ../runtime/tracegrpc
	github.com/traceinject/traceinject/runtime/traceotel => ../runtime/traceotel
)

tool golang.org/x/perf/cmd/benchstat
