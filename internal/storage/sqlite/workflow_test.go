package sqlite_test

import (
	"testing"

	"kesu/internal/storage/storetest"
)

// TestWorkflow runs the workflow-definitions suite with two handles on one
// file.
func TestWorkflow(t *testing.T) { storetest.RunWorkflow(t, openPair) }
