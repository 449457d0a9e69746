package neither

import (
	"github.com/opentracing/opentracing-go"
)

// Global has only a third-party import group.
func Global() (opentracing.Tracer, int) { return opentracing.GlobalTracer(), fact(2) }
