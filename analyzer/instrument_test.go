package analyzer

import (
	"bytes"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// textEdits splits a change into one edit per changed run of lines, and
// the edits rebuild the new content exactly. (Source lines repeat, "}" and
// "return nil", but the anchored diff anchors on the unique ones.)
func TestTextEdits(t *testing.T) {
	var old strings.Builder
	for i := range 40 {
		old.WriteString("line " + strconv.Itoa(i) + "\n")
	}
	o := []byte(old.String())
	n := bytes.Replace(o, []byte("line 2\n"), []byte("line 2\n\tinserted\n"), 1)
	n = bytes.Replace(n, []byte("line 20\nline 21\n"), []byte("line changed\n"), 1)
	n = append(n, "tail\n"...)
	for _, tc := range []struct {
		name     string
		old, new []byte
		edits    int
	}{
		{"three places", o, n, 3},
		{"no final newline", o, bytes.TrimSuffix(n, []byte("\n")), 1},
		{"insertion at the start", o, append([]byte("head\n"), o...), 1},
	} {
		fset := token.NewFileSet()
		tf := fset.AddFile("f.go", -1, len(tc.old))
		edits := textEdits(tf, tc.old, tc.new)
		if len(edits) != tc.edits {
			t.Errorf("%s: %d edits, want %d", tc.name, len(edits), tc.edits)
		}
		var b bytes.Buffer
		at := 0
		for _, e := range edits {
			b.Write(tc.old[at:tf.Offset(e.Pos)])
			b.Write(e.NewText)
			at = tf.Offset(e.End)
		}
		b.Write(tc.old[at:])
		if !bytes.Equal(b.Bytes(), tc.new) {
			t.Errorf("%s: the edits do not rebuild the new content:\n%s", tc.name, b.Bytes())
		}
	}
}
