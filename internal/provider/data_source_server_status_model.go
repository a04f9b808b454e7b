// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// serverStatusDataModel is clouddc_server_status: the answer of
// ShowServerStatus. A block or count the API does not report is null.
type serverStatusDataModel struct {
	Health      *healthCounts           `tfsdk:"health"`
	HealthByDC  map[string]healthCounts `tfsdk:"health_by_dc"`
	Power       *powerCounts            `tfsdk:"power"`
	ManageState map[string]int64        `tfsdk:"manage_state"`
	Timeouts    timeouts.Value          `tfsdk:"timeouts"`
}

// healthCounts are the server_status counts, project-wide or of one DC.
type healthCounts struct {
	Total     types.Int64 `tfsdk:"total"`
	OK        types.Int64 `tfsdk:"ok"`
	Warning   types.Int64 `tfsdk:"warning"`
	Critical  types.Int64 `tfsdk:"critical"`
	Unknown   types.Int64 `tfsdk:"unknown"`
	Healthy   types.Int64 `tfsdk:"healthy"`
	Unhealthy types.Int64 `tfsdk:"unhealthy"`
	Isolated  types.Int64 `tfsdk:"isolated"`
}

// powerCounts are the server_power_status counts.
type powerCounts struct {
	On      types.Int64 `tfsdk:"on"`
	Off     types.Int64 `tfsdk:"off"`
	Unknown types.Int64 `tfsdk:"unknown"`
}

// flattenServerStatus turns a ShowServerStatus answer into the data
// source's model.
func flattenServerStatus(st *clouddc.ServerStatusResponse) serverStatusDataModel {
	var m serverStatusDataModel
	if h := st.ServerStatus; h != nil {
		buckets := []struct {
			c   *clouddc.ServerCount
			set func(*healthCounts, types.Int64)
		}{
			{h.Total, func(hc *healthCounts, v types.Int64) { hc.Total = v }},
			{h.OK, func(hc *healthCounts, v types.Int64) { hc.OK = v }},
			{h.Warning, func(hc *healthCounts, v types.Int64) { hc.Warning = v }},
			{h.Critical, func(hc *healthCounts, v types.Int64) { hc.Critical = v }},
			{h.Unknown, func(hc *healthCounts, v types.Int64) { hc.Unknown = v }},
			{h.Health, func(hc *healthCounts, v types.Int64) { hc.Healthy = v }},
			{h.UnHealth, func(hc *healthCounts, v types.Int64) { hc.Unhealthy = v }},
			{h.Isolation, func(hc *healthCounts, v types.Int64) { hc.Isolated = v }},
		}
		dcs := map[string]bool{}
		for _, b := range buckets {
			if b.c != nil {
				for dc := range b.c.DCStats {
					dcs[dc] = true
				}
			}
		}
		m.Health = &healthCounts{}
		m.HealthByDC = make(map[string]healthCounts, len(dcs))
		for _, dc := range slices.Sorted(maps.Keys(dcs)) {
			m.HealthByDC[dc] = healthCounts{}
		}
		for _, b := range buckets {
			if b.c == nil {
				// Not reported: null project-wide and in every DC.
				b.set(m.Health, types.Int64Null())
				for dc, hc := range m.HealthByDC {
					b.set(&hc, types.Int64Null())
					m.HealthByDC[dc] = hc
				}
				continue
			}
			b.set(m.Health, types.Int64Value(int64(b.c.Count)))
			for dc, hc := range m.HealthByDC {
				// A DC the bucket does not list has none of its servers.
				b.set(&hc, types.Int64Value(int64(b.c.DCStats[dc])))
				m.HealthByDC[dc] = hc
			}
		}
	}
	if p := st.ServerPowerStatus; p != nil {
		m.Power = &powerCounts{On: types.Int64Value(int64(p.On)), Off: types.Int64Value(int64(p.Off)), Unknown: int64Ptr(p.Unknown)}
	}
	if st.ServerManageState != nil {
		m.ManageState = make(map[string]int64, len(st.ServerManageState))
		for k, v := range st.ServerManageState {
			m.ManageState[k] = int64(v)
		}
	}
	return m
}
