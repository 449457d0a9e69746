package neither

import (
	"context"

	"github.com/opentracing/opentracing-go"
)

// Global has only a third-party import group.
func Global() (opentracing.Tracer, int) { return opentracing.GlobalTracer(), fact(context.TODO(), 2) }
