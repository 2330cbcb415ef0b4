package api

import (
	"net/http"
	"strconv"

	"kesu/internal/audit"
	"kesu/internal/web"
)

// listAudit answers audit entries, newest first; next is the id to pass
// as before for the following page.
func (a *api) listAudit(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	f := audit.Filter{Action: q.str("action"), Object: q.str("object"), Limit: q.num("limit", 100, 1, 500)}
	if id := q.id("actor_id"); id != nil {
		f.ActorID = *id
	}
	if id := q.id("before"); id != nil {
		f.BeforeID = *id
	}
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	es, err := a.d.Audit.List(r.Context(), f)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if es == nil {
		es = []audit.Entry{}
	}
	resp := listResponse[audit.Entry]{Items: es}
	if len(es) == f.Limit {
		resp.Next = strconv.FormatInt(es[len(es)-1].ID, 10)
	}
	web.WriteJSON(w, http.StatusOK, resp)
}

// verifyAudit walks the whole chain and, when anchoring is on, checks it
// against the anchors; the answer says which checks it made.
func (a *api) verifyAudit(w http.ResponseWriter, r *http.Request) {
	v, err := audit.Verify(r.Context(), a.d.Audit, a.d.AuditAnchors)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, v)
}
