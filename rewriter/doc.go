// Package rewriter is the engine of traceinject (cmd/traceinject is its
// user): it loads packages, strips the code it injected before, finds the
// //trace:span directives, plans what each annotated function and the
// callers of a function that gets a context parameter need, and splices
// the edits into the user's bytes.
//
// What the tool does is documented for its users in the repository's
// README.md: the directives, the shapes of injected code, functions without
// a context, the markers, what changes in a file and how files are
// written. Its section "Architecture" names the stages of a run and the
// file that owns each.
package rewriter
