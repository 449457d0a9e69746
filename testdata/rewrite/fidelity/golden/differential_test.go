package fidelity

import (
	"context"
	"fmt"
	"testing"

	"github.com/traceinject/traceinject/internal/difftest"
)

func TestSameBehaviour(t *testing.T) {
	difftest.Same(t, func(t *testing.T) map[string]string {
		ctx := context.Background()
		Commented(ctx)
		OnlyComment(ctx)
		Empty(ctx)
		Literal(ctx)()
		return map[string]string{
			"Lookup empty": fmt.Sprint(Lookup(ctx, "")),
			"Lookup x":     fmt.Sprint(Lookup(ctx, "x")),
			"Blank":        fmt.Sprint(Blank(ctx)),
			"unannotated":  fmt.Sprint(unannotated(3, 2)),
		}
	})
}
