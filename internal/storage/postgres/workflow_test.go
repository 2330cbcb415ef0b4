package postgres

import (
	"testing"

	"kesu/internal/storage/storetest"
)

// TestWorkflow runs the workflow-definitions suite on PostgreSQL.
func TestWorkflow(t *testing.T) {
	serverURL(t)
	storetest.RunWorkflow(t, openPair)
}
