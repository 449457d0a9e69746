// Package golangci registers the traceinject analyzer as a golangci-lint
// v2 module plugin. Build a custom golangci-lint that includes it with
// .custom-gcl.yml:
//
//	version: v2.15.0
//	plugins:
//	  - module: github.com/traceinject/traceinject
//	    import: github.com/traceinject/traceinject/analyzer/golangci
//	    version: vX.Y.Z
//
// and enable it in .golangci.yml:
//
//	linters:
//	  enable: [traceinject]
//	  settings:
//	    custom:
//	      traceinject:
//	        type: module
//	        settings:
//	          require: gin,grpc,ctx
package golangci

import (
	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"

	"github.com/traceinject/traceinject/analyzer"
	"github.com/traceinject/traceinject/internal/policy"
)

func init() { register.Plugin("traceinject", New) }

// Settings are the plugin's settings in .golangci.yml.
type Settings struct {
	Require string `json:"require"` // comma list of gin, grpc, ctx; default all three
}

// New is the plugin's constructor, called by golangci-lint with the
// settings.
func New(conf any) (register.LinterPlugin, error) {
	s, err := register.DecodeSettings[Settings](conf)
	if err != nil {
		return nil, err
	}
	kinds := policy.Kinds{Gin: true, GRPC: true, Ctx: true}
	if s.Require != "" {
		if kinds, err = policy.ParseKinds(s.Require); err != nil {
			return nil, err
		}
	}
	return &plugin{kinds: kinds}, nil
}

type plugin struct{ kinds policy.Kinds }

func (p *plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	return []*analysis.Analyzer{analyzer.New(p.kinds)}, nil
}

// GetLoadMode asks for types: the policy is decided by them.
func (p *plugin) GetLoadMode() string { return register.LoadModeTypesInfo }
