package rewriter

import (
	"strings"
	"testing"

	"github.com/traceinject/traceinject/templates/inject"
)

// TestBeginMarkerVersion: the tool records its shape version in every begin
// marker it writes, reads markers written before versions were recorded, and
// refuses markers of a newer version.
func TestBeginMarkerVersion(t *testing.T) {
	line := beginLine(&funcEdit{results: "error", oneLine: true})
	if want := `//trace:begin v=1 results="error" body="oneline"`; inject.ShapeVersion == 1 && line != want {
		t.Errorf("beginLine = %s, want %s", line, want)
	}
	a, err := parseBegin(line)
	if err != nil || a.version != inject.ShapeVersion || a.results != "error" || !a.oneLine {
		t.Errorf("parseBegin(%s) = %+v, %v", line, a, err)
	}
	for _, text := range []string{`//trace:begin`, `//trace:begin results="error"`, `//trace:begin params="()" body="oneline"`} {
		a, err := parseBegin(text)
		if err != nil || a.version != 0 {
			t.Errorf("parseBegin(%s) (no version) = %+v, %v", text, a, err)
		}
	}
	for text, want := range map[string]string{
		`//trace:begin v=99 results="error"`: "written by a newer traceinject (shape version 99",
		`//trace:begin v=x`:                  "malformed marker",
		`//trace:begin v=0`:                  "malformed marker",
		`//trace:begin v= results="error"`:   "malformed marker",
	} {
		if _, err := parseBegin(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseBegin(%s) = %v, want an error containing %q", text, err, want)
		}
	}
}
