// Package ui serves kesu's server-rendered staff pages and the public
// complaint pages.
package ui

import "kesu/internal/web"

// Mount adds the page routes.
func Mount(r *web.Router) {}
