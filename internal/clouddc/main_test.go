package clouddc

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// No request, retry or rate-limit wait may leave a goroutine behind.
	goleak.VerifyTestMain(m)
}
