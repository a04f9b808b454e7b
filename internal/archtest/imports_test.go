// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package archtest

import (
	"go/build"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/clouddc-community/terraform-provider-clouddc"

// rules are the import rules of ARCHITECTURE.md, for the code that ships
// (not for tests: a test may use whatever proves its point, the emulator and
// httptest included). Each package named here must not import the packages
// in noImport itself, and must not depend on those in noDepend at all,
// through any chain of this module's packages.
var rules = []struct {
	pkg      string
	noImport []string // direct imports
	noDepend []string // this module's packages, at any depth
}{
	// The client knows nothing of who uses it.
	{pkg: "internal/clouddc", noDepend: []string{"internal/lifecycle", "internal/provider", "internal/emulator"}},
	// The engine sees the API through its interfaces, never HTTP.
	{pkg: "internal/lifecycle", noImport: []string{"net/http", "net/url"}, noDepend: []string{"internal/provider", "internal/emulator"}},
	// The provider never talks HTTP itself and never reaches the emulator.
	{pkg: "internal/provider", noImport: []string{"net/http"}, noDepend: []string{"internal/emulator"}},
	// The emulator is an independent implementation of the API.
	{pkg: "internal/emulator", noDepend: []string{"internal/clouddc", "internal/lifecycle", "internal/provider"}},
	{pkg: "internal/emulator/emulatortest", noDepend: []string{"internal/clouddc", "internal/lifecycle", "internal/provider"}},
	{pkg: "cmd/clouddc-emulator", noDepend: []string{"internal/clouddc", "internal/lifecycle", "internal/provider"}},
	// Plan-time validators depend on nothing of ours.
	{pkg: "internal/validate", noDepend: []string{"internal/clouddc", "internal/lifecycle", "internal/provider", "internal/emulator"}},
	// The outside-in harness and the benchmark observe only over the wire.
	{pkg: "internal/e2e", noDepend: []string{"internal/clouddc", "internal/lifecycle", "internal/provider", "internal/emulator"}},
	{pkg: "internal/bench", noDepend: []string{"internal/clouddc", "internal/lifecycle", "internal/provider", "internal/emulator"}},
}

// graph holds the non-test imports of this module's packages, read from
// their source as the go command would build them.
type graph struct {
	root    string
	imports map[string][]string // package (relative to the module) -> its imports
}

func (g *graph) load(t *testing.T, pkg string) []string {
	t.Helper()
	if imps, ok := g.imports[pkg]; ok {
		return imps
	}
	p, err := build.Default.ImportDir(filepath.Join(g.root, filepath.FromSlash(pkg)), 0)
	if err != nil {
		t.Fatalf("read package %s: %v", pkg, err)
	}
	g.imports[pkg] = p.Imports
	return p.Imports
}

// path returns a chain of this module's packages from pkg to target, or nil.
func (g *graph) path(t *testing.T, pkg, target string, seen map[string]bool) []string {
	t.Helper()
	if pkg == target {
		return []string{pkg}
	}
	if seen[pkg] {
		return nil
	}
	seen[pkg] = true
	for _, imp := range g.load(t, pkg) {
		rel, ok := strings.CutPrefix(imp, module+"/")
		if !ok {
			continue
		}
		if chain := g.path(t, rel, target, seen); chain != nil {
			return append([]string{pkg}, chain...)
		}
	}
	return nil
}

func TestImportDirection(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	g := &graph{root: root, imports: map[string][]string{}}
	for _, r := range rules {
		imports := g.load(t, r.pkg)
		for _, bad := range r.noImport {
			if slices.Contains(imports, bad) {
				t.Errorf("%s imports %s (see ARCHITECTURE.md)", r.pkg, bad)
			}
		}
		for _, bad := range r.noDepend {
			if chain := g.path(t, r.pkg, bad, map[string]bool{}); chain != nil {
				t.Errorf("%s depends on %s: %s (see ARCHITECTURE.md)", r.pkg, bad, strings.Join(chain, " → "))
			}
		}
	}
	// The rules are about packages that exist: a moved package must take
	// its rule along.
	if imps := g.load(t, "internal/provider"); !slices.Contains(imps, module+"/internal/lifecycle") {
		t.Error("internal/provider does not import internal/lifecycle: is the table above still about this code?")
	}
}
