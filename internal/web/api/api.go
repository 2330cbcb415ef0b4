// Package api serves kesu's JSON REST API under /api/v1.
package api

import "kesu/internal/web"

// Mount adds the API routes.
func Mount(r *web.Router) {}
