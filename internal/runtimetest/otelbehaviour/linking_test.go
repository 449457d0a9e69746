package otelbehaviour

import (
	"os/exec"
	"strings"
	"testing"
)

// A program that traces with OpenTracing links no OpenTelemetry, and
// traceotel links neither Gin nor gRPC.
func TestLinking(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const module = "github.com/traceinject/traceinject/runtime"
	for _, c := range []struct {
		pkg       string
		forbidden []string
	}{
		{module, []string{"go.opentelemetry.io/"}},
		{module + "/tracegin", []string{"go.opentelemetry.io/"}},
		{module + "/tracegrpc", []string{"go.opentelemetry.io/"}},
		{module + "/tracehttp", []string{"go.opentelemetry.io/"}},
		{module + "/traceotel", []string{"github.com/gin-gonic/", "google.golang.org/grpc"}},
	} {
		out, err := exec.Command("go", "list", "-deps", c.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", c.pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range c.forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s links %s", c.pkg, dep)
				}
			}
		}
	}
}
