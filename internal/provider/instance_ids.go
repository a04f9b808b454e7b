// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/lifecycle"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/validate"
)

// This file holds what the resources that manage a set of instance IDs
// (clouddc_instances_batch_delete, clouddc_instances) share: validators,
// the synthetic resource ID, import-ID parsing and the bulk lookup.

// batchIDsValidators returns the plan-time checks of a set of IDs that one
// batch call (batch-delete of instances, power-state of servers) must
// accept: 1 to 50 IDs, each a lower-case UUID. A set cannot hold duplicates
// (Terraform merges equal elements), so there is nothing to check for them.
func batchIDsValidators() []validator.Set {
	return []validator.Set{
		setvalidator.SizeBetween(1, clouddc.MaxBatchIDs),
		setvalidator.ValueStringsAre(validate.LowercaseUUID()),
	}
}

// instanceSetID derives the Terraform ID of a resource that stands for a set
// of instances: the first 16 bytes of the SHA-256 of the sorted IDs joined by
// commas, in hex. The same IDs always give the same ID, so an import of the
// same IDs reproduces it.
func instanceSetID(ids []string) string {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	sum := sha256.Sum256([]byte(strings.Join(sorted, ",")))
	return hex.EncodeToString(sum[:16])
}

// parseImportIDs splits an import ID of comma-separated instance IDs, as in
// `terraform import clouddc_instances.x id1,id2`. Each must be a lower-case
// UUID and appear once.
func parseImportIDs(raw string) ([]string, error) {
	var ids, bad, dup []string
	seen := make(map[string]bool)
	for part := range strings.SplitSeq(raw, ",") {
		id := strings.TrimSpace(part)
		switch {
		case id == "":
			continue
		case !validate.IsLowercaseUUID(id):
			bad = append(bad, fmt.Sprintf("%q", id))
		case seen[id]:
			dup = append(dup, id)
		default:
			seen[id] = true
			ids = append(ids, id)
		}
	}
	var errs []error
	if len(bad) > 0 {
		errs = append(errs, fmt.Errorf("not lower-case UUIDs: %s", strings.Join(bad, ", ")))
	}
	if len(dup) > 0 {
		errs = append(errs, fmt.Errorf("given more than once: %s", strings.Join(dup, ", ")))
	}
	if len(errs) == 0 && len(ids) == 0 {
		errs = append(errs, errors.New("no instance IDs given"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("import ID must be a comma-separated list of instance IDs "+
			"(e.g. 0198170e-4ca7-7ee4-89a7-fa631843920b,0198170e-4ca7-7ee4-89a7-fa631843920c): %w", err)
	}
	return ids, nil
}

// lookupInstances asks CloudDC for ids in one bulk lookup. It returns the
// instances that exist and, in the order of ids, those that do not: unknown
// to the API or already terminated.
func lookupInstances(ctx context.Context, engine *lifecycle.Engine, ids []string) (map[string]clouddc.Instance, []string, error) {
	found, err := engine.GetInstances(ctx, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("looking up %d instances: %w", len(ids), err)
	}
	existing := make(map[string]clouddc.Instance, len(found))
	var missing []string
	for _, id := range ids {
		inst, ok := found[id]
		if !ok || clouddc.IsTerminalState(inst.State) {
			missing = append(missing, id)
			continue
		}
		existing[id] = inst
	}
	return existing, missing, nil
}

// addMissingInstancesError reports, in one diagnostic, every instance ID that
// does not exist.
func addMissingInstancesError(diags *diag.Diagnostics, projectID string, missing []string) {
	diags.AddError(
		"Unknown CloudDC instances",
		fmt.Sprintf("These instance IDs do not exist in project %s, or are already terminated: %s.\n\n"+
			"Check the IDs (for example with the clouddc_instances data source) and remove the ones that are gone.",
			projectID, strings.Join(missing, ", ")),
	)
}

// stringSetValue builds a set of strings.
func stringSetValue(ids []string) types.Set {
	elems := make([]attr.Value, len(ids))
	for i, id := range ids {
		elems[i] = types.StringValue(id)
	}
	return types.SetValueMust(types.StringType, elems)
}

// stringsFrom reads the elements of a known set or list of strings.
func stringsFrom(ctx context.Context, v interface {
	ElementsAs(context.Context, any, bool) diag.Diagnostics
}, diags *diag.Diagnostics) []string {
	var out []string
	diags.Append(v.ElementsAs(ctx, &out, false)...)
	return out
}
