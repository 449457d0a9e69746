package v2dep

import (
	"context"
	"fmt"
	"testing"

	"github.com/traceinject/traceinject/internal/difftest"
)

type user struct {
	Name string `validate:"required"`
}

func TestSameBehaviour(t *testing.T) {
	difftest.Same(t, func(t *testing.T) map[string]string {
		ctx := context.Background()
		return map[string]string{
			"valid":   fmt.Sprint(Check(ctx, user{Name: "ada"})),
			"invalid": fmt.Sprint(Check(ctx, user{})),
		}
	})
}
