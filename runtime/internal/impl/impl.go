// Package impl holds what the traceinject runtime's packages share and users
// never see: the contents of runtime.Options and runtime.Span, and the
// OpenTracing helpers the subpackages need. It is internal, as protobuf's
// internal/impl is behind protoimpl, so that the runtime's public surface is
// only what generated and injected code calls and what programs configure.
//
// runtime.Options and runtime.Span are declared as `type Options
// impl.Options` and `type Span impl.Span`: the same memory, none of the
// methods. Packages of the runtime convert between the two (a conversion
// costs nothing) and reach the contents through the methods here, which a
// program cannot call because it cannot name these types.
package impl

import (
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/ext"
	"github.com/opentracing/opentracing-go/log"

	"github.com/traceinject/traceinject/runtime/internal/backend"
)

// Options is what the Option values given to a generated constructor (or to
// tracehttp.NewTransport) chose.
type Options struct {
	tracer         opentracing.Tracer // nil: opentracing's global tracer when each span starts
	skip           func(string) bool  // nil: every operation gets a span
	client, server Codes              // the status codes recorded as errors
}

// Codes is a set of status codes (gRPC's, from 0 to 16) chosen by an
// option; the zero Codes is no choice, and the reader's default applies.
type Codes struct {
	chosen bool
	set    uint64 // bit n: code n (codes of 64 or more are never in a set)
}

// NewCodes returns the set of codes cs.
func NewCodes[C ~uint32](cs ...C) Codes {
	s := Codes{chosen: true}
	for _, c := range cs {
		if c < 64 {
			s.set |= 1 << c
		}
	}
	return s
}

// AllCodes returns the set of every code (below 64).
func AllCodes() Codes { return Codes{chosen: true, set: ^uint64(0)} }

// Contains reports whether c is in s, or, when s was not chosen, in def.
func (s Codes) Contains(c uint32, def Codes) bool {
	if !s.chosen {
		s = def
	}
	return c < 64 && s.set&(1<<c) != 0
}

// SetTracer makes spans start on t.
func (o *Options) SetTracer(t opentracing.Tracer) { o.tracer = t }

// AddSkip adds skip to the operations that get no span.
func (o *Options) AddSkip(skip func(operation string) bool) {
	if prev := o.skip; prev != nil {
		o.skip = func(op string) bool { return prev(op) || skip(op) }
		return
	}
	o.skip = skip
}

// SetClientCodes and SetServerCodes choose the codes recorded as errors.
func (o *Options) SetClientCodes(s Codes) { o.client = s }
func (o *Options) SetServerCodes(s Codes) { o.server = s }

// ClientCodes and ServerCodes return what SetClientCodes and SetServerCodes
// chose (the zero Codes when nothing was).
func (o *Options) ClientCodes() Codes { return o.client }
func (o *Options) ServerCodes() Codes { return o.server }

// ActiveTracer returns the tracer a span for operation starts on now, or nil
// when the span is to be skipped or the tracer is the no-op tracer. When
// traceotel.Use chose another API and no tracer was set, it returns
// backend.Tracer{}, which the subpackages' Start functions recognise.
func (o *Options) ActiveTracer(operation string) opentracing.Tracer {
	if o.skip != nil && o.skip(operation) {
		return nil
	}
	if o.tracer != nil {
		return Recording(o.tracer)
	}
	if backend.Current() != nil {
		return backend.Tracer{}
	}
	return GlobalTracer()
}

// GlobalTracer returns opentracing.GlobalTracer(), or nil when it is the no-op
// tracer.
func GlobalTracer() opentracing.Tracer {
	return Recording(opentracing.GlobalTracer())
}

// Recording returns t, or nil when t is the no-op tracer.
func Recording(t opentracing.Tracer) opentracing.Tracer {
	if _, noop := t.(opentracing.NoopTracer); noop {
		return nil
	}
	return t
}

// Span is a started span: an OpenTracing span, a span of the backend
// traceotel.Use installed, or neither (the zero Span) when nothing records.
type Span struct {
	ot opentracing.Span
	x  backend.Span

	// parent is, for the span of a Gin function started under a span
	// started at the same step of the handler chain, tracegin's record of
	// that span: tracegin.End makes it active again. nil otherwise.
	parent any
}

// OpenTracingSpan returns the Span for s; s may be nil.
func OpenTracingSpan(s opentracing.Span) Span { return Span{ot: s} }

// BackendSpan returns the Span for a span of the installed backend.
func BackendSpan(s backend.Span) Span { return Span{x: s} }

// WithParent returns s with parent, tracegin's record of the span a Gin
// function's span was started under, for tracegin.End to make active again.
func (s Span) WithParent(parent any) Span {
	s.parent = parent
	return s
}

// Parent returns what WithParent set, or nil.
func (s *Span) Parent() any { return s.parent }

// OpenTracing returns the OpenTracing span, or nil. (A pointer receiver:
// (*impl.Span)(&s).OpenTracing() reads the field without copying s.)
func (s *Span) OpenTracing() opentracing.Span { return s.ot }

// Backend returns the backend's span, or the zero backend.Span.
func (s *Span) Backend() backend.Span { return s.x }

// RecordPanic marks span as failed by the panic value r.
func RecordPanic(span opentracing.Span, r any) {
	ext.Error.Set(span, true)
	if err, ok := r.(error); ok {
		span.LogFields(log.Event("error"), log.Error(err))
		return
	}
	span.LogFields(log.Event("error"), log.Object("error.object", r), log.String("message", "panic"))
}
