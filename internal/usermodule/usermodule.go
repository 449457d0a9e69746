// Package usermodule writes the go.mod of a user's module for tests that run
// the tools on one. It imports nothing of the runtime modules, so that the
// tests of the packages the golangci-lint plugin depends on do not either.
package usermodule

import (
	"os"
	"path/filepath"

	"golang.org/x/mod/modfile"
)

// GoMod returns a go.mod for a module example.com/m that uses the
// traceinject module at root through a replace directive, with root's
// requirements and replacements, so that root's go.sum covers its module
// graph and nothing needs the network: the module a user's program is in.
func GoMod(root string) ([]byte, error) {
	src, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, err
	}
	f, err := modfile.Parse("go.mod", src, nil)
	if err != nil {
		return nil, err
	}
	m := &modfile.File{}
	m.AddModuleStmt("example.com/m")
	m.AddGoStmt("1.26.0")
	for _, r := range f.Require {
		m.AddNewRequire(r.Mod.Path, r.Mod.Version, r.Indirect)
	}
	m.AddNewRequire("github.com/traceinject/traceinject", "v0.0.0", false)
	if err := m.AddReplace("github.com/traceinject/traceinject", "", root, ""); err != nil {
		return nil, err
	}
	// The repository's own replacements hold for the user's module too,
	// so both resolve the same module graph and go.sum covers it.
	for _, r := range f.Replace {
		dir := r.New.Path
		if r.New.Version == "" && !filepath.IsAbs(dir) {
			dir = filepath.Join(root, dir)
		}
		if err := m.AddReplace(r.Old.Path, r.Old.Version, dir, r.New.Version); err != nil {
			return nil, err
		}
	}
	return modfile.Format(m.Syntax), nil
}
