// Package runtimetest keeps in the tool's module graph what the rewriter's
// golden cases (testdata/rewrite/*.txtar, extracted into packages of this
// module) import but no package of the tool does: Gin, golang.org/x/sync and
// the runtime packages the injected code calls. Its subpackages test the runtime through
// generated code, which the runtime's own modules must not depend on.
package runtimetest

import (
	_ "github.com/gin-gonic/gin"
	_ "github.com/go-playground/validator/v10"
	_ "golang.org/x/sync/errgroup"

	_ "github.com/traceinject/traceinject/runtime"
	_ "github.com/traceinject/traceinject/runtime/tracegin"
	_ "github.com/traceinject/traceinject/runtime/tracehttp"
)
