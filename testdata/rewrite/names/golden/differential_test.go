package names

import (
	"context"
	"fmt"
	"testing"

	"github.com/traceinject/traceinject/internal/difftest"
)

func observe(t *testing.T) map[string]string {
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	out := map[string]string{}
	for _, s := range []string{"12", "x"} {
		n, err := NestedErr(ctx, s)
		out["NestedErr "+s] = fmt.Sprint(n, err)
	}
	n, err := NestedErr(cancelled, "12")
	out["NestedErr cancelled"] = fmt.Sprint(n, err)
	out["PackageErr"] = fmt.Sprint(PackageErr(ctx))
	out["Enclosed"] = fmt.Sprint(Enclosed()(ctx))
	s, err := TopLevelErr(ctx)
	out["TopLevelErr"] = fmt.Sprint(s, err)
	out["Locals"] = fmt.Sprint(Locals(ctx))
	n, err = Shadowed(ctx, "four")
	out["Shadowed"] = fmt.Sprint(n, err)
	out["Procs"] = fmt.Sprint(Procs(ctx) > 0)
	return out
}

func TestSameBehaviour(t *testing.T) {
	got := difftest.Same(t, observe)
	if got["PackageErr"] != "package-level err" || got["TopLevelErr"] != "package-level spanboom" {
		t.Errorf("unexpected results: %v", got)
	}
}
