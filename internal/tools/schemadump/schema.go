// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The types below mirror the JSON that `terraform providers schema -json`
// prints (Terraform's internal/command/jsonprovider package), so that any tool
// reading that output, tfplugindocs included, reads ours the same way.

// formatVersion is the format_version Terraform writes for provider schemas.
const formatVersion = "1.0"

type providerSchemas struct {
	FormatVersion string                     `json:"format_version"`
	Schemas       map[string]*providerSchema `json:"provider_schemas,omitempty"`
}

type providerSchema struct {
	Provider                *schema                    `json:"provider,omitempty"`
	ResourceSchemas         map[string]*schema         `json:"resource_schemas,omitempty"`
	DataSourceSchemas       map[string]*schema         `json:"data_source_schemas,omitempty"`
	EphemeralSchemas        map[string]*schema         `json:"ephemeral_resource_schemas,omitempty"`
	ResourceIdentitySchemas map[string]*identitySchema `json:"resource_identity_schemas,omitempty"`
	ListResourceSchemas     map[string]*schema         `json:"list_resource_schemas,omitempty"`
	ActionSchemas           map[string]*actionSchema   `json:"action_schemas,omitempty"`
}

type identitySchema struct {
	Version    int64                         `json:"version"`
	Attributes map[string]*identityAttribute `json:"attributes,omitempty"`
}

type identityAttribute struct {
	Type              json.RawMessage `json:"type,omitempty"`
	Description       string          `json:"description,omitempty"`
	RequiredForImport bool            `json:"required_for_import,omitempty"`
	OptionalForImport bool            `json:"optional_for_import,omitempty"`
}

type schema struct {
	Version int64  `json:"version"`
	Block   *block `json:"block,omitempty"`
}

type actionSchema struct {
	Block *block `json:"block,omitempty"`
}

type block struct {
	Attributes      map[string]*attribute `json:"attributes,omitempty"`
	BlockTypes      map[string]*blockType `json:"block_types,omitempty"`
	Description     string                `json:"description,omitempty"`
	DescriptionKind string                `json:"description_kind,omitempty"`
	Deprecated      bool                  `json:"deprecated,omitempty"`
}

type attribute struct {
	Type            json.RawMessage `json:"type,omitempty"`
	NestedType      *nestedType     `json:"nested_type,omitempty"`
	Description     string          `json:"description,omitempty"`
	DescriptionKind string          `json:"description_kind,omitempty"`
	Deprecated      bool            `json:"deprecated,omitempty"`
	Required        bool            `json:"required,omitempty"`
	Optional        bool            `json:"optional,omitempty"`
	Computed        bool            `json:"computed,omitempty"`
	Sensitive       bool            `json:"sensitive,omitempty"`
	WriteOnly       bool            `json:"write_only,omitempty"`
}

type nestedType struct {
	Attributes  map[string]*attribute `json:"attributes,omitempty"`
	NestingMode string                `json:"nesting_mode,omitempty"`
}

type blockType struct {
	NestingMode string `json:"nesting_mode,omitempty"`
	Block       *block `json:"block,omitempty"`
	MinItems    int64  `json:"min_items,omitempty"`
	MaxItems    int64  `json:"max_items,omitempty"`
}

// convert turns a GetProviderSchema answer (and, when the provider has any,
// a GetResourceIdentitySchemas answer) into Terraform's JSON shape. It fails
// on error diagnostics, so a broken schema never yields quiet docs.
func convert(resp *tfprotov6.GetProviderSchemaResponse, identities *tfprotov6.GetResourceIdentitySchemasResponse) (*providerSchema, error) {
	for _, d := range resp.Diagnostics {
		if d != nil && d.Severity == tfprotov6.DiagnosticSeverityError {
			return nil, fmt.Errorf("provider schema: %s: %s", d.Summary, d.Detail)
		}
	}

	out := &providerSchema{}
	var err error
	if out.Provider, err = convertSchema(resp.Provider); err != nil {
		return nil, fmt.Errorf("provider configuration: %w", err)
	}
	if out.ResourceSchemas, err = convertSchemas(resp.ResourceSchemas); err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	if out.DataSourceSchemas, err = convertSchemas(resp.DataSourceSchemas); err != nil {
		return nil, fmt.Errorf("data sources: %w", err)
	}
	if out.EphemeralSchemas, err = convertSchemas(resp.EphemeralResourceSchemas); err != nil {
		return nil, fmt.Errorf("ephemeral resources: %w", err)
	}
	if out.ListResourceSchemas, err = convertSchemas(resp.ListResourceSchemas); err != nil {
		return nil, fmt.Errorf("list resources: %w", err)
	}
	if out.ResourceIdentitySchemas, err = convertIdentities(identities); err != nil {
		return nil, fmt.Errorf("resource identities: %w", err)
	}
	if len(resp.ActionSchemas) > 0 {
		out.ActionSchemas = make(map[string]*actionSchema, len(resp.ActionSchemas))
		for name, a := range resp.ActionSchemas {
			if a == nil || a.Schema == nil {
				return nil, fmt.Errorf("action %s: no schema", name)
			}
			b, err := convertBlock(a.Schema.Block)
			if err != nil {
				return nil, fmt.Errorf("action %s: %w", name, err)
			}
			out.ActionSchemas[name] = &actionSchema{Block: b}
		}
	}
	return out, nil
}

func convertIdentities(resp *tfprotov6.GetResourceIdentitySchemasResponse) (map[string]*identitySchema, error) {
	if resp == nil {
		return nil, nil
	}
	for _, d := range resp.Diagnostics {
		if d != nil && d.Severity == tfprotov6.DiagnosticSeverityError {
			return nil, fmt.Errorf("%s: %s", d.Summary, d.Detail)
		}
	}
	if len(resp.IdentitySchemas) == 0 {
		return nil, nil
	}
	out := make(map[string]*identitySchema, len(resp.IdentitySchemas))
	for name, s := range resp.IdentitySchemas {
		if s == nil {
			return nil, fmt.Errorf("%s: no schema", name)
		}
		is := &identitySchema{Version: s.Version, Attributes: make(map[string]*identityAttribute, len(s.IdentityAttributes))}
		for _, a := range s.IdentityAttributes {
			if a == nil {
				continue
			}
			if a.RequiredForImport == a.OptionalForImport {
				return nil, fmt.Errorf("%s attribute %s: exactly one of required_for_import and optional_for_import must be set", name, a.Name)
			}
			t, err := typeJSON(a.Type)
			if err != nil {
				return nil, fmt.Errorf("%s attribute %s: type: %w", name, a.Name, err)
			}
			is.Attributes[a.Name] = &identityAttribute{
				Type:              t,
				Description:       a.Description,
				RequiredForImport: a.RequiredForImport,
				OptionalForImport: a.OptionalForImport,
			}
		}
		out[name] = is
	}
	return out, nil
}

func convertSchemas(in map[string]*tfprotov6.Schema) (map[string]*schema, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]*schema, len(in))
	for name, s := range in {
		c, err := convertSchema(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = c
	}
	return out, nil
}

func convertSchema(s *tfprotov6.Schema) (*schema, error) {
	if s == nil {
		return nil, nil
	}
	b, err := convertBlock(s.Block)
	if err != nil {
		return nil, err
	}
	return &schema{Version: s.Version, Block: b}, nil
}

func convertBlock(b *tfprotov6.SchemaBlock) (*block, error) {
	if b == nil {
		return &block{DescriptionKind: "plain"}, nil
	}
	out := &block{
		Description:     b.Description,
		DescriptionKind: stringKind(b.DescriptionKind),
		Deprecated:      b.Deprecated,
	}
	if len(b.Attributes) > 0 {
		attrs, err := convertAttributes(b.Attributes)
		if err != nil {
			return nil, err
		}
		out.Attributes = attrs
	}
	if len(b.BlockTypes) > 0 {
		out.BlockTypes = make(map[string]*blockType, len(b.BlockTypes))
		for _, nb := range b.BlockTypes {
			if nb == nil {
				continue
			}
			inner, err := convertBlock(nb.Block)
			if err != nil {
				return nil, fmt.Errorf("block %s: %w", nb.TypeName, err)
			}
			mode, err := blockNesting(nb.Nesting)
			if err != nil {
				return nil, fmt.Errorf("block %s: %w", nb.TypeName, err)
			}
			out.BlockTypes[nb.TypeName] = &blockType{
				NestingMode: mode,
				Block:       inner,
				MinItems:    nb.MinItems,
				MaxItems:    nb.MaxItems,
			}
		}
	}
	return out, nil
}

func convertAttributes(in []*tfprotov6.SchemaAttribute) (map[string]*attribute, error) {
	out := make(map[string]*attribute, len(in))
	for _, a := range in {
		if a == nil {
			continue
		}
		c := &attribute{
			Description:     a.Description,
			DescriptionKind: stringKind(a.DescriptionKind),
			Deprecated:      a.Deprecated,
			Required:        a.Required,
			Optional:        a.Optional,
			Computed:        a.Computed,
			Sensitive:       a.Sensitive,
			WriteOnly:       a.WriteOnly,
		}
		switch {
		case a.NestedType != nil:
			attrs, err := convertAttributes(a.NestedType.Attributes)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", a.Name, err)
			}
			mode, err := objectNesting(a.NestedType.Nesting)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", a.Name, err)
			}
			c.NestedType = &nestedType{Attributes: attrs, NestingMode: mode}
		case a.Type != nil:
			t, err := typeJSON(a.Type)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: type: %w", a.Name, err)
			}
			c.Type = t
		default:
			return nil, fmt.Errorf("attribute %s: neither a type nor a nested type", a.Name)
		}
		out[a.Name] = c
	}
	return out, nil
}

func stringKind(k tfprotov6.StringKind) string {
	if k == tfprotov6.StringKindMarkdown {
		return "markdown"
	}
	return "plain"
}

func blockNesting(m tfprotov6.SchemaNestedBlockNestingMode) (string, error) {
	switch m {
	case tfprotov6.SchemaNestedBlockNestingModeSingle:
		return "single", nil
	case tfprotov6.SchemaNestedBlockNestingModeGroup:
		return "group", nil
	case tfprotov6.SchemaNestedBlockNestingModeList:
		return "list", nil
	case tfprotov6.SchemaNestedBlockNestingModeSet:
		return "set", nil
	case tfprotov6.SchemaNestedBlockNestingModeMap:
		return "map", nil
	}
	return "", fmt.Errorf("unknown block nesting mode %s", m)
}

func objectNesting(m tfprotov6.SchemaObjectNestingMode) (string, error) {
	switch m {
	case tfprotov6.SchemaObjectNestingModeSingle:
		return "single", nil
	case tfprotov6.SchemaObjectNestingModeList:
		return "list", nil
	case tfprotov6.SchemaObjectNestingModeSet:
		return "set", nil
	case tfprotov6.SchemaObjectNestingModeMap:
		return "map", nil
	}
	return "", fmt.Errorf("unknown nested attribute nesting mode %s", m)
}

// typeJSON encodes a type as Terraform's JSON type constraint (cty's
// encoding): "string", ["set","string"], ["object",{"a":"bool"}] and so on.
func typeJSON(t tftypes.Type) (json.RawMessage, error) {
	v, err := typeValue(t)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func typeValue(t tftypes.Type) (any, error) {
	switch {
	case t.Is(tftypes.String):
		return "string", nil
	case t.Is(tftypes.Number):
		return "number", nil
	case t.Is(tftypes.Bool):
		return "bool", nil
	case t.Is(tftypes.DynamicPseudoType):
		return "dynamic", nil
	}
	switch tt := t.(type) {
	case tftypes.List:
		return collectionValue("list", tt.ElementType)
	case tftypes.Set:
		return collectionValue("set", tt.ElementType)
	case tftypes.Map:
		return collectionValue("map", tt.ElementType)
	case tftypes.Object:
		attrs := make(map[string]any, len(tt.AttributeTypes))
		for name, at := range tt.AttributeTypes {
			v, err := typeValue(at)
			if err != nil {
				return nil, fmt.Errorf("object attribute %s: %w", name, err)
			}
			attrs[name] = v
		}
		if len(tt.OptionalAttributes) == 0 {
			return []any{"object", attrs}, nil
		}
		optional := make([]string, 0, len(tt.OptionalAttributes))
		for name := range tt.OptionalAttributes {
			optional = append(optional, name)
		}
		sort.Strings(optional)
		return []any{"object", attrs, optional}, nil
	case tftypes.Tuple:
		elems := make([]any, len(tt.ElementTypes))
		for i, et := range tt.ElementTypes {
			v, err := typeValue(et)
			if err != nil {
				return nil, fmt.Errorf("tuple element %d: %w", i, err)
			}
			elems[i] = v
		}
		return []any{"tuple", elems}, nil
	}
	return nil, fmt.Errorf("unsupported type %s", t)
}

func collectionValue(kind string, elem tftypes.Type) (any, error) {
	v, err := typeValue(elem)
	if err != nil {
		return nil, fmt.Errorf("%s element: %w", kind, err)
	}
	return []any{kind, v}, nil
}
