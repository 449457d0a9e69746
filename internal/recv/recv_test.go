package recv

import (
	"go/parser"
	"testing"
)

func TestTypeName(t *testing.T) {
	for src, want := range map[string]string{
		"T":        "T",
		"*T":       "T",
		"(*T)":     "T",
		"T[P]":     "T",
		"*T[K, V]": "T",
		"pkg.T":    "?",
		"[]T":      "?",
	} {
		x, err := parser.ParseExpr(src)
		if err != nil {
			t.Fatal(err)
		}
		if got := TypeName(x); got != want {
			t.Errorf("TypeName(%s) = %q, want %q", src, got, want)
		}
	}
}
