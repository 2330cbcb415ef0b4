package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/storage/sqlstore"
)

// openCases builds the case service on the shipped profiles and the
// definitions administrators stored in db. The --workflow-file setting is
// imported first, as a new version of its profile when it differs from
// the newest one (so restarts and other servers with the same file add
// nothing), and makes that profile the default; otherwise --workflow
// names it, a shipped or a stored profile.
func openCases(ctx context.Context, c Config, db *sqlstore.DB, now func() time.Time, log *slog.Logger) (*casework.Service, error) {
	defs, err := casework.LoadDefinitions(ctx, db.Workflows())
	if err != nil {
		return nil, err
	}
	def := c.Workflow
	if c.WorkflowFile != "" {
		v, created, err := importWorkflowFile(ctx, defs, c.WorkflowFile, "--workflow-file "+filepath.Base(c.WorkflowFile), audit.System)
		if err != nil {
			return nil, err
		}
		if created {
			log.Info("workflow definition imported", "profile", v.Profile, "version", v.Version)
		}
		def = v.Profile
	}
	s, err := casework.NewServiceWith(db.Cases(), defs, def, now)
	if err != nil {
		return nil, err
	}
	s.Rates = c.Rates
	s.ReturnTolerance = c.ReturnToleranceBP
	s.Attachments = db.Complaints().Attachments
	return s, nil
}

// importWorkflowFile imports the definition file at path (see
// casework.Definitions.Import).
func importWorkflowFile(ctx context.Context, defs *casework.Definitions, path, note string, actor audit.Actor) (*casework.DefinitionVersion, bool, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("workflow file: %w", err)
	}
	v, created, err := defs.Import(ctx, body, note, actor)
	if err != nil {
		return nil, false, fmt.Errorf("workflow file %s: %w", path, err)
	}
	return v, created, nil
}
