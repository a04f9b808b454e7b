// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// deleteAndWait deletes ids through the shared engine (batch-delete calls of
// at most 50, already-gone IDs dropped, shutting-down ones waited for) and
// waits until each is terminated or gone, within timeout.
//
// It returns nil when every instance is gone. Otherwise it returns the error
// and, when the engine could tell, the unfinished instances: the ones that
// the state must keep. A nil slice with an error means nothing is known
// about what remains.
func deleteAndWait(ctx context.Context, engine *clouddc.Engine, ids []string, timeout time.Duration) ([]clouddc.InstanceResult, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	tflog.Info(ctx, "deleting CloudDC instances", map[string]any{"count": len(ids), "timeout": timeout.String()})
	err := engine.DeleteInstances(ctx, ids, clouddc.DeleteOptions{
		Wait: true,
		OnProgress: func(p clouddc.Progress) {
			tflog.Debug(ctx, "waiting for CloudDC instances to terminate", map[string]any{
				"total":   p.Total,
				"done":    p.Done,
				"states":  p.Counts,
				"elapsed": p.Elapsed.String(),
			})
		},
	})
	if err == nil {
		return nil, nil
	}
	var derr *clouddc.DeleteError
	if !errors.As(err, &derr) {
		return nil, err
	}
	var remaining []clouddc.InstanceResult
	for _, res := range derr.Unfinished {
		if res.Gone || clouddc.IsTerminalState(res.State) {
			continue
		}
		if res.State == "" {
			res.State = "unknown"
		}
		remaining = append(remaining, res)
	}
	if len(remaining) == 0 {
		return nil, err
	}
	return remaining, err
}
