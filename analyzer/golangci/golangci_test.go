package golangci

import (
	"testing"

	"github.com/golangci/plugin-module-register/register"
)

func TestPluginSettings(t *testing.T) {
	newPlugin, err := register.GetPlugin("traceinject")
	if err != nil {
		t.Fatal(err)
	}
	for conf, want := range map[string]string{"": "gin,grpc,ctx", "gin": "gin", "ctx,grpc": "grpc,ctx"} {
		var settings any
		if conf != "" {
			settings = map[string]any{"require": conf}
		}
		p, err := newPlugin(settings)
		if err != nil {
			t.Fatalf("%q: %v", conf, err)
		}
		as, err := p.BuildAnalyzers()
		if err != nil || len(as) != 1 || as[0].Name != "traceinject" {
			t.Fatalf("%q: %v %v", conf, as, err)
		}
		if got := as[0].Flags.Lookup("require").Value.String(); got != want {
			t.Errorf("require %q: analyzer checks %q, want %q", conf, got, want)
		}
		if p.GetLoadMode() != register.LoadModeTypesInfo {
			t.Errorf("load mode %q", p.GetLoadMode())
		}
	}
	if _, err := newPlugin(map[string]any{"require": "http"}); err == nil {
		t.Error("require: http accepted")
	}
}
