package tracegrpc

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/traceinject/traceinject/runtime"
)

// FuzzMetadataCarrier: whatever a tracer sets comes back from ForeachKey
// under the lower-cased key with the same value, binary values included.
func FuzzMetadataCarrier(f *testing.F) {
	f.Add("Uber-Trace-Id", "abc:def:0:1")
	f.Add("ot-tracer-spanid", "0a1b")
	f.Add("X-Span-Bin", "\x00\xff\x10")
	f.Fuzz(func(t *testing.T, key, value string) {
		md := metadata.MD{}
		c := metadataCarrier(md)
		c.Set(key, value)
		c.Set(key, value)
		n := 0
		err := c.ForeachKey(func(k, v string) error {
			n++
			if k != strings.ToLower(key) || v != value {
				t.Errorf("ForeachKey gave %q=%q, want %q=%q", k, v, strings.ToLower(key), value)
			}
			return nil
		})
		if err != nil || n != 2 {
			t.Errorf("ForeachKey: %d pairs, %v", n, err)
		}
	})
}

func TestErrorCodes(t *testing.T) {
	def := runtime.NewOptions()
	serverErrors := map[codes.Code]bool{codes.Unknown: true, codes.DeadlineExceeded: true, codes.Unimplemented: true,
		codes.Internal: true, codes.Unavailable: true, codes.DataLoss: true}
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		if got := isServerError(def, c); got != serverErrors[c] {
			t.Errorf("server: %v is an error: %v", c, got)
		}
		if got := isClientError(def, c); got != (c != codes.OK) {
			t.Errorf("client: %v is an error: %v", c, got)
		}
	}
	chosen := runtime.NewOptions(WithServerErrorCodes(codes.Canceled), WithClientErrorCodes())
	if !isServerError(chosen, codes.Canceled) || isServerError(chosen, codes.Internal) {
		t.Error("WithServerErrorCodes(Canceled) not applied")
	}
	if isClientError(chosen, codes.Internal) {
		t.Error("WithClientErrorCodes() should make no code an error")
	}
	if isServerError(runtime.NewOptions(WithServerErrorCodes()), codes.Internal) {
		t.Error("WithServerErrorCodes() should make no code an error")
	}
	// A code gRPC does not define is still not OK.
	if !isClientError(def, codes.Code(20)) {
		t.Error("client: code 20 is not an error by default")
	}
	// The last option wins.
	last := runtime.NewOptions(WithServerErrorCodes(codes.Canceled), WithServerErrorCodes(codes.NotFound))
	if isServerError(last, codes.Canceled) || !isServerError(last, codes.NotFound) {
		t.Error("a second WithServerErrorCodes did not replace the first")
	}
}
