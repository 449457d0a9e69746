package tracegrpc

import (
	"strings"

	"google.golang.org/grpc/metadata"
)

// metadataCarrier lets a tracer inject span contexts into, and extract them
// from, gRPC metadata (opentracing.TextMap or HTTPHeaders format). It is an
// OpenTelemetry propagation.TextMapCarrier too.
//
// Keys are lower-cased, as HTTP/2 requires. Values of keys ending in "-bin"
// are binary: they are stored as they are, and gRPC base64-encodes them on
// the wire and decodes them on arrival, so they round-trip byte for byte.
// Values of other keys must be printable ASCII, as gRPC requires.
type metadataCarrier metadata.MD

// Set implements opentracing.TextMapWriter.
func (c metadataCarrier) Set(key, value string) {
	key = strings.ToLower(key)
	c[key] = append(c[key], value)
}

// Get returns the first value of key (lower-cased), or "".
func (c metadataCarrier) Get(key string) string {
	if vs := c[strings.ToLower(key)]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Keys returns the keys present.
func (c metadataCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// ForeachKey implements opentracing.TextMapReader. It stops at, and returns,
// the first error handler returns.
func (c metadataCarrier) ForeachKey(handler func(key, value string) error) error {
	for k, vs := range c {
		for _, v := range vs {
			if err := handler(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendCarrier collects injected pairs for metadata.AppendToOutgoingContext,
// which lower-cases keys and leaves the caller's MD alone. The pairs of the
// common tracers (three or four keys) fit in buf: one allocation in all.
type appendCarrier struct {
	kv  []string
	buf [8]string
}

func (c *appendCarrier) Set(key, value string) {
	if c.kv == nil {
		c.kv = c.buf[:0]
	}
	c.kv = append(c.kv, key, value)
}

// Get and Keys make appendCarrier a write-only backend.Carrier.
func (c *appendCarrier) Get(string) string { return "" }
func (c *appendCarrier) Keys() []string    { return nil }
