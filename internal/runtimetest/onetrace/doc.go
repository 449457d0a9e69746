// Package onetrace checks, end to end, that a request without trace headers
// gives one trace: real Gin over httptest, an annotated handler calling the
// generated traced gRPC client over bufconn, the traced server and an
// annotated service method, under mocktracer and under Jaeger's client. It
// lives in the main module so that its requirements (Jaeger, gRPC) never
// reach the runtime's users.
package onetrace
