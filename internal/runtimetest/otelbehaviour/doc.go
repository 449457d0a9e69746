// Package otelbehaviour holds the behaviour tests of the traceinject runtime
// under OpenTelemetry (runtime/traceotel): the injected code shapes, real Gin
// over httptest and the generated gRPC stubs over bufconn, recorded by the
// OpenTelemetry SDK's in-memory span recorder. They live in the main module
// so that their requirements (the SDK, Gin, gRPC) never reach the runtime's
// users.
package otelbehaviour
