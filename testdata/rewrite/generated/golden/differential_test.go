package generated

import (
	"context"
	"testing"

	"github.com/traceinject/traceinject/internal/difftest"
)

// The generated file is never instrumented; the plain one is, and neither
// does anything but return.
func TestSameBehaviour(t *testing.T) {
	difftest.Same(t, func(t *testing.T) string {
		ctx := context.Background()
		Plain(ctx)
		Generated(ctx)
		return "returned"
	})
}
