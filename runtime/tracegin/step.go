package tracegin

import (
	"context"
	"reflect"

	"github.com/gin-gonic/gin"

	"github.com/traceinject/traceinject/runtime/internal/backend"
)

// A Gin function's span gives its parent back to the request's context when
// it ends (End) only when that parent was started at the same step of the
// handler chain: the function is then a helper called, directly or not, from
// the function that started the parent, and the next helper that function
// calls must be a sibling, not a child. A handler of the chain run by gin
// after the one that started the parent (the next step) keeps its span
// active, so the handlers after it are its children, as the README's
// Shapes section says.

// stepKey keys, in the request's context, the *started of the span a Gin
// function made active there last. It is not in c.Keys, which users see.
type stepKey struct{}

// started is a span Start made active in the request's context, with the
// step of the chain it was started at.
type started struct {
	span any             // an opentracing.Span, or the value of b's span
	b    backend.Backend // nil for an opentracing.Span
	step int64
}

// indexField is the field index of gin.Context's unexported index, the
// position in the handler chain of the handler gin is running (gin does not
// export it); -1 when this gin has no such integer field, and then no span
// gives its parent back: each Gin function's span nests under the one before,
// as before parents were given back.
var indexField = func() int {
	f, ok := reflect.TypeFor[gin.Context]().FieldByName("index")
	if !ok || len(f.Index) != 1 {
		return -1
	}
	switch f.Type.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return f.Index[0]
	}
	return -1
}()

// handlerStep returns the position in the chain of the handler c is running,
// and false when it cannot be read (see indexField).
func handlerStep(c *gin.Context) (int64, bool) {
	if indexField < 0 {
		return 0, false
	}
	return reflect.ValueOf(c).Elem().Field(indexField).Int(), true
}

// stepParent returns the *started ctx carries if it is of backend b (nil for
// OpenTracing) and was started at step, for the caller to check that its span
// is the one active in ctx: a span started now under it gives it back when it
// ends. nil otherwise.
func stepParent(ctx context.Context, b backend.Backend, step int64, ok bool) *started {
	if !ok {
		return nil
	}
	p, _ := ctx.Value(stepKey{}).(*started)
	if p == nil || p.step != step || p.b != b {
		return nil
	}
	return p
}
