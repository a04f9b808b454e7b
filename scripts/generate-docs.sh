#!/usr/bin/env bash
# Regenerates docs/ from templates/, examples/ and the provider's schemas.
#
#   1. internal/tools/schemadump asks the provider server in-process for every
#      schema (resources and their identities, data sources, list resources and
#      actions) and writes them in the format of `terraform providers schema
#      -json`. Going through Terraform would drop the action and list resource
#      schemas whenever the local Terraform is older than 1.14 (the identities
#      before 1.12), and would need a Terraform binary matching the docs.
#   2. tfplugindocs (pinned in tools/go.mod, kept out of the provider's go.mod)
#      renders templates/ + examples/ + that JSON into docs/.
#   3. terraform fmt keeps examples/ formatted (skipped with a note when
#      terraform is not on PATH; `make generate` runs it anyway).
#
# Run from anywhere: bash scripts/generate-docs.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "==> dumping provider schemas"
# tfplugindocs finds the provider under its short name ("clouddc") in the JSON.
go run ./internal/tools/schemadump -key clouddc -o "$tmp/schema.json"

echo "==> rendering docs/ with tfplugindocs"
(
	cd tools
	go tool tfplugindocs generate \
		--provider-dir "$root" \
		--provider-name clouddc \
		--rendered-provider-name CloudDC \
		--providers-schema "$tmp/schema.json" \
		--website-temp-dir "$tmp/website"
)

if command -v terraform >/dev/null 2>&1; then
	echo "==> terraform fmt -recursive examples/"
	terraform fmt -recursive examples
else
	echo "==> terraform not on PATH: examples/ not formatted" >&2
fi
