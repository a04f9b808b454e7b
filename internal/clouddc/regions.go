package clouddc

import (
	"fmt"
	"slices"
	"strings"
)

// knownRegions lists the regions where CloudDC is offered, as published in
// the API reference and the SDK's region table.
var knownRegions = []string{"cn-southwest-2", "cn-east-3", "cn-south-1", "ap-southeast-3"}

// KnownRegions returns the regions with a known CloudDC endpoint.
func KnownRegions() []string {
	return slices.Clone(knownRegions)
}

// EndpointForRegion returns the CloudDC endpoint of a known region, e.g.
// https://clouddc.cn-southwest-2.myhuaweicloud.com.
func EndpointForRegion(region string) (string, error) {
	if !slices.Contains(knownRegions, region) {
		return "", fmt.Errorf("CloudDC has no known endpoint in region %q (known regions: %s); set endpoint explicitly",
			region, strings.Join(knownRegions, ", "))
	}
	return "https://clouddc." + region + ".myhuaweicloud.com", nil
}
