package rewriter

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseDirective(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want *parsedDirective
	}{
		{"//trace:span", &parsedDirective{Kind: kindSpan}},
		{"//trace:span   ", &parsedDirective{Kind: kindSpan}},
		{"//trace:span get_user", &parsedDirective{Kind: kindSpan, Name: "get_user"}},
		{`//trace:span "GET user" follows`, &parsedDirective{Kind: kindSpan, Name: "GET user", Follows: true}},
		{"//trace:span follows", &parsedDirective{Kind: kindSpan, Follows: true}},
		{`//trace:span tag.id=id tag.user=req.UserID tag.k="a b"`, &parsedDirective{Kind: kindSpan, Tags: []spanTag{
			{Key: "id", Expr: "id", Offset: 20},
			{Key: "user", Expr: "req.UserID", Offset: 32},
			{Key: "k", Expr: `"a b"`, Offset: 49},
		}}},
		{`//trace:span tag.p=c.Param("id, x")`, &parsedDirective{Kind: kindSpan, Tags: []spanTag{{Key: "p", Expr: `c.Param("id, x")`, Offset: 19}}}},
		{`//trace:span tag.n=f(a, b)`, &parsedDirective{Kind: kindSpan, Tags: []spanTag{{Key: "n", Expr: "f(a, b)", Offset: 19}}}},
		{"//trace:ignore", &parsedDirective{Kind: kindIgnore}},
		{"//trace:ignore  hot path ", &parsedDirective{Kind: kindIgnore, Reason: "hot path"}},
		{"//trace:begin", nil},
		{"//trace:end", nil},
		{"// trace:span", nil},
		{"//go:generate x", nil},
		{"//trace:spanner", nil}, // not //trace:span; reported as unknown below
	}
	for _, tt := range tests {
		got, err := parseDirective(tt.in)
		if tt.in == "//trace:spanner" {
			if err == nil {
				t.Errorf("%q: want error for unknown directive", tt.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q:\n got %#v\nwant %#v", tt.in, got, tt.want)
		}
	}
}

func TestParseDirectiveErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{"//trace:span foo bar", 17, "unknown option"},
		{"//trace:span x=1", 13, "unknown option"},
		{"//trace:span follows follows", 21, "duplicate option"},
		{"//trace:span tag.x", 13, "want tag.KEY=EXPR"},
		{"//trace:span tag.=x", 13, "bad tag key"},
		{"//trace:span tag.x=", 19, "missing expression"},
		{"//trace:span tag.x=a+", 19, "bad expression"},
		{"//trace:span tag.x=a tag.x=b", 21, "duplicate tag"},
		{`//trace:span follows "name"`, 21, "must come first"},
		{`//trace:span ""`, 13, "empty operation name"},
		{`//trace:span "abc`, 13, "unterminated"},
		{`//trace:span tag.x=f(a`, 13, "unbalanced"},
		{`//trace:span tag.x=f)a`, 20, "unbalanced"},
		{"//trace:bogus x", 0, "unknown directive //trace:bogus"},
	}
	for _, tt := range tests {
		_, err := parseDirective(tt.in)
		de, ok := err.(*directiveError)
		if !ok {
			t.Errorf("%q: got %v, want a *DirectiveError", tt.in, err)
			continue
		}
		if de.Offset != tt.offset || !strings.Contains(de.Msg, tt.msg) {
			t.Errorf("%q: got offset %d %q, want offset %d containing %q", tt.in, de.Offset, de.Msg, tt.offset, tt.msg)
		}
	}
}

// FuzzParseDirective checks that the parser never panics, that error offsets
// lie within the input, and that a parsed directive formats back to text that
// parses to the same directive.
func FuzzParseDirective(f *testing.F) {
	for _, s := range []string{
		"//trace:span", "//trace:span name follows tag.a=b", `//trace:span "x y" tag.k="v"`,
		`//trace:span tag.p=c.Param("id")`, "//trace:ignore why", "//trace:span tag.x=f(a, [2]int{1, 2})",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDirective(s)
		if err != nil {
			de, ok := err.(*directiveError)
			if !ok || de.Offset < 0 || de.Offset > len(s) {
				t.Fatalf("%q: bad error %#v", s, err)
			}
			return
		}
		if d == nil {
			return
		}
		again, err := parseDirective(d.String())
		if err != nil {
			t.Fatalf("%q formats as %q, which does not parse: %v", s, d.String(), err)
		}
		strip := func(d *parsedDirective) *parsedDirective {
			c := *d
			c.Tags = nil
			for _, tg := range d.Tags {
				tg.Offset = 0
				c.Tags = append(c.Tags, tg)
			}
			return &c
		}
		if !reflect.DeepEqual(strip(d), strip(again)) {
			t.Fatalf("%q -> %q: %#v != %#v", s, d.String(), d, again)
		}
	})
}

func TestSpacedDirective(t *testing.T) {
	for text, want := range map[string]string{
		"// trace:span":          "//trace:span",
		"//  trace:span op":      "//trace:span",
		"//\ttrace:ignore why":   "//trace:ignore",
		"//trace:span":           "",
		"// trace:spanner":       "",
		"// trace:end":           "",
		"// see trace:span docs": "",
	} {
		if got := spacedDirective(text); got != want {
			t.Errorf("spacedDirective(%q) = %q, want %q", text, got, want)
		}
	}
}
