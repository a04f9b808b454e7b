// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

// Every example in examples/ is documentation (tfplugindocs puts it in docs/),
// so every one must be formatted and valid against the provider as built:
// terraform fmt -check and terraform validate through dev_overrides. Action
// blocks and list blocks (.tfquery.hcl) need Terraform 1.14, import blocks by
// identity 1.12; with an older terraform, or an OpenTofu without them, those
// examples are still checked against the provider's schemas, in-process (they
// always are).

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
)

// examplesDir is examples/ seen from this package.
const examplesDir = "../../examples"

func TestAccExamples(t *testing.T) {
	testAccPreCheck(t)
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")

	dirs := exampleDirs(t)
	if len(dirs) == 0 {
		t.Fatal("examples/ holds no Terraform configuration")
	}

	// fmt first: it needs no provider.
	out, err := runTerraform(t.Context(), tf, examplesDir, nil, "fmt", "-check", "-diff", "-recursive", "-no-color")
	if err != nil {
		t.Errorf("examples/ is not terraform fmt clean (run `make generate` or `terraform fmt -recursive examples`):\n%s", out)
	}

	cli := testAccCLI(t)
	env := devOverridesEnv(t, buildProvider(t))
	providerUse := providerUseBlock(t)
	for _, dir := range dirs {
		rel, _ := filepath.Rel(examplesDir, dir)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			hasActions := containsBlock(t, dir, "action")
			if ok, why := cli.Supports(e2e.FeatureActions); hasActions && !ok {
				t.Logf("%s; checking the action blocks against the action schemas in-process instead", why)
				validateActionExamples(t, dir)
				return
			}
			opts := validateOptions{}
			if len(exampleFiles(t, dir, ".tfquery.hcl")) > 0 {
				validateListExamples(t, dir)
				var why string
				if opts.query, why = cli.Supports(e2e.FeatureQuery); !opts.query {
					t.Logf("%s; the list blocks were checked against the list resource schemas in-process only", why)
				}
			}
			if identityImportFiles(t, dir) != nil {
				checkIdentityImports(t, dir)
				ok, why := cli.Supports(e2e.FeatureIdentity)
				if opts.dropIdentityImports = !ok; opts.dropIdentityImports {
					t.Logf("%s; the import blocks by identity were checked against the identity schemas in-process only", why)
				}
			}
			validateExample(t, tf, env, dir, providerUse, opts)
			if hasActions {
				validateActionExamples(t, dir)
			}
		})
	}
}

// exampleDirs returns every directory under examples/ that holds .tf or
// .tfquery.hcl files.
func exampleDirs(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(examplesDir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".terraform" || strings.HasPrefix(d.Name(), ".")) && path != examplesDir {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".tf") || strings.HasSuffix(path, ".tfquery.hcl")) {
			seen[filepath.Dir(path)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking examples/: %v", err)
	}
	dirs := make([]string, 0, len(seen))
	for dir := range seen {
		dirs = append(dirs, dir)
	}
	slices.Sort(dirs)
	return dirs
}

// buildProvider builds the provider binary into a temp dir and returns the dir.
func buildProvider(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH: %v", err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", filepath.Join(dir, "terraform-provider-clouddc"), "../..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	return dir
}

// devOverridesEnv is the environment for terraform to use the provider in
// binDir through dev_overrides, with nothing from the registry.
func devOverridesEnv(t *testing.T, binDir string) []string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "terraformrc")
	body := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n",
		"clouddc-community/clouddc", binDir)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"TF_CLI_CONFIG_FILE=" + cfg, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1"}
}

// providerUseBlock returns a data block of a clouddc data source that needs
// no arguments. terraform validate checks a provider block only when
// something in the configuration uses the provider, so provider-only
// examples get this block added.
func providerUseBlock(t *testing.T) string {
	t.Helper()
	s := newActionServer(t, nil, 0)
	names := make([]string, 0, len(s.schemas.DataSourceSchemas))
	for name := range s.schemas.DataSourceSchemas {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		block := s.schemas.DataSourceSchemas[name].Block
		required := slices.ContainsFunc(block.Attributes, func(a *tfprotov6.SchemaAttribute) bool { return a.Required }) ||
			slices.ContainsFunc(block.BlockTypes, func(b *tfprotov6.SchemaNestedBlock) bool { return b.MinItems > 0 })
		if !required {
			return fmt.Sprintf("data %q \"zz_test_provider_use\" {}\n", name)
		}
	}
	t.Fatal("no clouddc data source without required arguments: cannot make terraform validate check provider-only examples")
	return ""
}

// validateOptions say what the terraform at hand can validate.
type validateOptions struct {
	query               bool // validate .tfquery.hcl files too (terraform validate -query)
	dropIdentityImports bool // leave out the files with import blocks by identity
}

// validateExample copies dir to a scratch dir (examples/ stays clean), adds
// the required_providers block that resource and data source snippets leave
// out (and a use of the provider when nothing uses it), and runs terraform
// validate there.
func validateExample(t *testing.T, tf string, env []string, dir, providerUse string, opts validateOptions) {
	t.Helper()
	work := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	dropped := identityImportFiles(t, dir)
	declaresProvider := false
	usesProvider := false
	hasModules := false
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if opts.query && strings.HasSuffix(e.Name(), ".tfquery.hcl") {
			src, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(work, e.Name()), src, 0o600); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if !strings.HasSuffix(e.Name(), ".tf") || (opts.dropIdentityImports && slices.Contains(dropped, e.Name())) {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		declaresProvider = declaresProvider || bytes.Contains(src, []byte("required_providers"))
		hasModules = hasModules || regexp.MustCompile(`(?m)^\s*module\s+"`).Match(src)
		usesProvider = usesProvider || regexp.MustCompile(`(?m)^\s*(resource|data|action)\s+"clouddc_`).Match(src)
		if err := os.WriteFile(filepath.Join(work, e.Name()), src, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if !declaresProvider {
		wrapper := "terraform {\n  required_providers {\n    clouddc = {\n      source = \"clouddc-community/clouddc\"\n    }\n  }\n}\n"
		if err := os.WriteFile(filepath.Join(work, "zz_test_providers.tf"), []byte(wrapper), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if !usesProvider {
		if err := os.WriteFile(filepath.Join(work, "zz_test_provider_use.tf"), []byte(providerUse), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if hasModules {
		t.Fatalf("%s calls modules; validating those needs terraform init (not supported by this test yet)", dir)
	}
	args := []string{"validate", "-no-color"}
	if opts.query {
		args = append(args, "-query")
	}
	out, err := runTerraform(t.Context(), tf, work, env, args...)
	if err != nil {
		t.Errorf("terraform validate %s failed:\n%s", dir, out)
	}
}

func runTerraform(ctx context.Context, tf, dir string, env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tf, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// exampleFiles returns the paths of the files of dir whose names end in suffix.
func exampleFiles(t *testing.T, dir, suffix string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*"+suffix))
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

// parseExampleFiles parses every .tf file of dir with HCL's native syntax.
func parseExampleFiles(t *testing.T, dir string) []*hclsyntax.Body {
	t.Helper()
	return parseFiles(t, exampleFiles(t, dir, ".tf"))
}

// parseFiles parses files with HCL's native syntax.
func parseFiles(t *testing.T, paths []string) []*hclsyntax.Body {
	t.Helper()
	var bodies []*hclsyntax.Body
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", p, diags.Error())
		}
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			t.Fatalf("%s: unexpected body type %T", p, f.Body)
		}
		bodies = append(bodies, body)
	}
	return bodies
}

func containsBlock(t *testing.T, dir, blockType string) bool {
	t.Helper()
	for _, body := range parseExampleFiles(t, dir) {
		for _, b := range body.Blocks {
			if b.Type == blockType {
				return true
			}
		}
	}
	return false
}

// validateActionExamples sends the config of every clouddc action block of
// dir through ValidateActionConfig, as Terraform would. Attributes that are
// expressions rather than literals are sent as unknown, as during plan.
func validateActionExamples(t *testing.T, dir string) {
	t.Helper()
	s := newActionServer(t, nil, 0)
	checked := 0
	for _, body := range parseExampleFiles(t, dir) {
		for _, b := range body.Blocks {
			if b.Type != "action" || len(b.Labels) != 2 || !strings.HasPrefix(b.Labels[0], "clouddc_") {
				continue
			}
			typeName := b.Labels[0]
			as, ok := s.schemas.ActionSchemas[typeName]
			if !ok {
				t.Errorf("%s: action %q is not served by the provider", dir, typeName)
				continue
			}
			objType, ok := as.Schema.ValueType().(tftypes.Object)
			if !ok {
				t.Fatalf("action %s schema is not an object", typeName)
			}
			vals := map[string]tftypes.Value{}
			for _, cfg := range b.Body.Blocks {
				if cfg.Type != "config" {
					continue
				}
				for name, attr := range cfg.Body.Attributes {
					at, ok := objType.AttributeTypes[name]
					if !ok {
						t.Errorf("%s: action %s.%s sets unknown attribute %q", dir, typeName, b.Labels[1], name)
						continue
					}
					v, err := ctyToTF(attr.Expr, at)
					if err != nil {
						t.Errorf("%s: action %s.%s attribute %s: %v", dir, typeName, b.Labels[1], name, err)
						continue
					}
					vals[name] = v
				}
			}
			for name := range objType.AttributeTypes {
				if _, set := vals[name]; !set && requiredActionAttribute(s, typeName, name) {
					t.Errorf("%s: action %s.%s leaves required attribute %q unset", dir, typeName, b.Labels[1], name)
				}
			}
			if got := errorText(s.validate(typeName, vals)); got != "" {
				t.Errorf("%s: action %s.%s is invalid: %s", dir, typeName, b.Labels[1], got)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Errorf("%s has action blocks but none of a clouddc action", dir)
	}
}

func requiredActionAttribute(s *actionServer, typeName, name string) bool {
	for _, a := range s.schemas.ActionSchemas[typeName].Schema.Block.Attributes {
		if a.Name == name {
			return a.Required
		}
	}
	return false
}

// ctyToTF evaluates a literal expression (no variables or references; those
// become unknown) and converts it to a value of type typ.
func ctyToTF(expr hclsyntax.Expression, typ tftypes.Type) (tftypes.Value, error) {
	if len(expr.Variables()) > 0 {
		return tftypes.NewValue(typ, tftypes.UnknownValue), nil
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		return tftypes.Value{}, fmt.Errorf("%s", diags.Error())
	}
	return convertCty(v, typ)
}

func convertCty(v cty.Value, typ tftypes.Type) (tftypes.Value, error) {
	if v.IsNull() {
		return tftypes.NewValue(typ, nil), nil
	}
	switch {
	case typ.Is(tftypes.String):
		if v.Type() != cty.String {
			return tftypes.Value{}, fmt.Errorf("want a string, got %s", v.Type().FriendlyName())
		}
		return tftypes.NewValue(typ, v.AsString()), nil
	case typ.Is(tftypes.Bool):
		if v.Type() != cty.Bool {
			return tftypes.Value{}, fmt.Errorf("want a bool, got %s", v.Type().FriendlyName())
		}
		return tftypes.NewValue(typ, v.True()), nil
	case typ.Is(tftypes.Number):
		if v.Type() != cty.Number {
			return tftypes.Value{}, fmt.Errorf("want a number, got %s", v.Type().FriendlyName())
		}
		return tftypes.NewValue(typ, v.AsBigFloat()), nil
	case typ.Is(tftypes.Set{}), typ.Is(tftypes.List{}):
		if !v.CanIterateElements() || v.Type().IsMapType() || v.Type().IsObjectType() {
			return tftypes.Value{}, fmt.Errorf("want a collection, got %s", v.Type().FriendlyName())
		}
		var elemType tftypes.Type
		if s, ok := typ.(tftypes.Set); ok {
			elemType = s.ElementType
		} else if l, ok := typ.(tftypes.List); ok {
			elemType = l.ElementType
		}
		var elems []tftypes.Value
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			e, err := convertCty(ev, elemType)
			if err != nil {
				return tftypes.Value{}, err
			}
			elems = append(elems, e)
		}
		return tftypes.NewValue(typ, elems), nil
	}
	return tftypes.Value{}, fmt.Errorf("type %s is not supported by this test", typ)
}

// identityImportFiles returns the names of the .tf files of dir that hold an
// import block by identity (nil when none does).
func identityImportFiles(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	for _, p := range exampleFiles(t, dir, ".tf") {
		for _, body := range parseFiles(t, []string{p}) {
			if slices.ContainsFunc(body.Blocks, func(b *hclsyntax.Block) bool {
				_, ok := b.Body.Attributes["identity"]
				return b.Type == "import" && ok
			}) {
				names = append(names, filepath.Base(p))
			}
		}
	}
	return names
}

// checkIdentityImports checks every import block by identity of dir against
// the identity schema its target's type serves: known attributes only, the
// required ones set, each a literal string.
func checkIdentityImports(t *testing.T, dir string) {
	t.Helper()
	s := newActionServer(t, nil, 0)
	resp, err := s.server.GetResourceIdentitySchemas(t.Context(), &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		t.Fatalf("GetResourceIdentitySchemas: %v", err)
	}
	for _, body := range parseExampleFiles(t, dir) {
		for _, b := range body.Blocks {
			identity, ok := b.Body.Attributes["identity"]
			if b.Type != "import" || !ok {
				continue
			}
			to, ok := b.Body.Attributes["to"]
			if !ok {
				t.Errorf("%s: import block without to", dir)
				continue
			}
			traversal, diags := hcl.AbsTraversalForExpr(to.Expr)
			if diags.HasErrors() {
				t.Errorf("%s: import block to is not a resource address: %s", dir, diags.Error())
				continue
			}
			typeName, target := traversal.RootName(), to.Expr.Range().String()
			schema, ok := resp.IdentitySchemas[typeName]
			if !ok {
				t.Errorf("%s: import of %s by identity, but %s has no identity", dir, target, typeName)
				continue
			}
			v, diags := identity.Expr.Value(nil)
			if diags.HasErrors() || !v.Type().IsObjectType() {
				t.Errorf("%s: identity of %s is not an object literal: %s", dir, target, diags.Error())
				continue
			}
			given := v.AsValueMap()
			for name, val := range given {
				i := slices.IndexFunc(schema.IdentityAttributes, func(a *tfprotov6.ResourceIdentitySchemaAttribute) bool { return a.Name == name })
				if i < 0 {
					t.Errorf("%s: identity of %s sets unknown attribute %q", dir, target, name)
				} else if val.Type() != cty.String {
					t.Errorf("%s: identity of %s: %s is not a string", dir, target, name)
				}
			}
			for _, a := range schema.IdentityAttributes {
				if _, set := given[a.Name]; a.RequiredForImport && !set {
					t.Errorf("%s: identity of %s leaves required attribute %q unset", dir, target, a.Name)
				}
			}
		}
	}
}

// validateListExamples sends the config block of every clouddc list block of
// dir's .tfquery.hcl files through ValidateListResourceConfig, as Terraform
// would.
func validateListExamples(t *testing.T, dir string) {
	t.Helper()
	s := newActionServer(t, nil, 0)
	lists, ok := any(s.server).(tfprotov6.ListResourceServer)
	if !ok {
		t.Fatalf("provider server %T does not serve list resources", s.server)
	}
	checked := 0
	for _, body := range parseFiles(t, exampleFiles(t, dir, ".tfquery.hcl")) {
		for _, b := range body.Blocks {
			if b.Type != "list" || len(b.Labels) != 2 || !strings.HasPrefix(b.Labels[0], "clouddc_") {
				continue
			}
			typeName := b.Labels[0]
			ls, ok := s.schemas.ListResourceSchemas[typeName]
			if !ok {
				t.Errorf("%s: list resource %q is not served by the provider", dir, typeName)
				continue
			}
			objType, ok := ls.ValueType().(tftypes.Object)
			if !ok {
				t.Fatalf("list resource %s schema is not an object", typeName)
			}
			vals := map[string]tftypes.Value{}
			for name, typ := range objType.AttributeTypes {
				vals[name] = tftypes.NewValue(typ, nil)
			}
			for _, cfg := range b.Body.Blocks {
				if cfg.Type != "config" {
					continue
				}
				for name, attr := range cfg.Body.Attributes {
					at, ok := objType.AttributeTypes[name]
					if !ok {
						t.Errorf("%s: list %s.%s sets unknown attribute %q", dir, typeName, b.Labels[1], name)
						continue
					}
					v, err := ctyToTF(attr.Expr, at)
					if err != nil {
						t.Errorf("%s: list %s.%s attribute %s: %v", dir, typeName, b.Labels[1], name, err)
						continue
					}
					vals[name] = v
				}
			}
			resp, err := lists.ValidateListResourceConfig(t.Context(), &tfprotov6.ValidateListResourceConfigRequest{
				TypeName: typeName,
				Config:   s.encode(objType, vals),
			})
			if err != nil {
				t.Fatalf("ValidateListResourceConfig: %v", err)
			}
			if got := errorText(resp.Diagnostics); got != "" {
				t.Errorf("%s: list %s.%s is invalid: %s", dir, typeName, b.Labels[1], got)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Errorf("%s has .tfquery.hcl files but no list block of a clouddc list resource", dir)
	}
}
