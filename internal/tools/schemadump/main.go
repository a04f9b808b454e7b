// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

// Command schemadump prints the provider's schemas in the JSON format of
// `terraform providers schema -json`, asking the provider server in-process.
//
// tfplugindocs renders docs/ from that JSON (--providers-schema). Going
// through Terraform instead would lose the action and list resource schemas
// whenever the local Terraform is older than 1.14, which knows neither (and
// the identity schemas before 1.12); this tool always sees everything the
// provider serves.
//
// Usage:
//
//	go run ./internal/tools/schemadump -o schema.json [-key clouddc]
//
// tfplugindocs looks the provider up in the JSON under its short name
// ("clouddc") or under registry.terraform.io/hashicorp/<name>; pass
// -key clouddc for it. The default key is the provider's registry address,
// as Terraform itself writes it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/provider"
)

// registryAddress is the provider's source address in the Terraform Registry.
const registryAddress = "registry.terraform.io/clouddc-community/clouddc"

func main() {
	out := flag.String("o", "-", "write the JSON to this file (- for stdout)")
	key := flag.String("key", registryAddress, "key of the provider in provider_schemas")
	flag.Parse()

	if err := run(context.Background(), *out, *key); err != nil {
		fmt.Fprintln(os.Stderr, "schemadump:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out, key string) error {
	doc, err := dump(ctx, key)
	if err != nil {
		return err
	}
	if out == "-" {
		return write(os.Stdout, doc)
	}
	f, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("create output: %w", err)
	}
	if err := write(f, doc); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close output: %w", err)
	}
	return nil
}

// dump asks an in-process provider server for every schema it serves.
func dump(ctx context.Context, key string) (*providerSchemas, error) {
	server, err := providerserver.NewProtocol6WithError(provider.New("schemadump")())()
	if err != nil {
		return nil, fmt.Errorf("start provider server: %w", err)
	}
	resp, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return nil, fmt.Errorf("GetProviderSchema: %w", err)
	}
	identities, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		return nil, fmt.Errorf("GetResourceIdentitySchemas: %w", err)
	}
	ps, err := convert(resp, identities)
	if err != nil {
		return nil, err
	}
	return &providerSchemas{
		FormatVersion: formatVersion,
		Schemas:       map[string]*providerSchema{key: ps},
	}, nil
}

func write(w io.Writer, doc *providerSchemas) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write schema JSON: %w", err)
	}
	return nil
}
