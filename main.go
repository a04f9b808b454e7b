// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

// Command terraform-provider-clouddc serves the CloudDC Terraform provider.
//
// For profiling, -cpuprofile FILE (with -debug) or the environment variable
// CLOUDDC_CPUPROFILE=PREFIX (when Terraform starts the provider, which it
// does several times per command) writes a CPU profile of the provider
// process: to FILE, or to PREFIX.<pid>.pprof, one per process. Read it with
// `go tool pprof`.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/pprof"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/provider"
)

// version is set at release time by goreleaser (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	var debug bool
	var cpuProfile string
	flag.BoolVar(&debug, "debug", false, "set to true to run the provider with support for debuggers like delve")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of this process to `file`")
	flag.Parse()
	if cpuProfile == "" {
		if prefix := os.Getenv("CLOUDDC_CPUPROFILE"); prefix != "" {
			cpuProfile = fmt.Sprintf("%s.%d.pprof", prefix, os.Getpid())
		}
	}

	stop, err := startCPUProfile(cpuProfile)
	if err != nil {
		log.Fatal(err.Error())
	}
	opts := providerserver.ServeOpts{
		Address:         "registry.terraform.io/clouddc-community/clouddc",
		Debug:           debug,
		ProtocolVersion: 6,
	}
	err = providerserver.Serve(context.Background(), provider.New(version), opts)
	stop()
	if err != nil {
		log.Fatal(err.Error())
	}
}

// startCPUProfile starts a CPU profile into path (none if path is empty)
// and returns the function that ends it.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path) //nolint:gosec // a path the user chose for the profile
	if err != nil {
		return nil, fmt.Errorf("create CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("start CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			log.Printf("close CPU profile %s: %v", path, err)
		}
	}, nil
}
