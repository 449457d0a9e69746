package imports

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/traceinject/traceinject/internal/difftest"
)

func TestSameBehaviour(t *testing.T) {
	difftest.Same(t, func(t *testing.T) map[string]string {
		ctx := context.Background()
		Single(ctx)
		// Groups reports whether its context carries a span, which is the
		// point of tracing; the rest of its answer must not change.
		groups := strings.Fields(Groups(ctx))
		return map[string]string{
			"Groups":     strings.Join(groups[1:], " "),
			"GroupStart": fmt.Sprint(GroupStart(ctx)),
			"StdOnly":    StdOnly(ctx, "abc"),
		}
	})
}
