package api

import (
	"net/http"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/sla"
	"kesu/internal/web"
)

// PolicyVersion describes a saved version of the time-limit policies.
type PolicyVersion struct {
	Version int       `json:"version"`
	Note    string    `json:"note"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// slaPolicies is the current version of the policies with the history of
// versions (newest first).
type slaPolicies struct {
	PolicyVersion
	Policies []sla.Policy    `json:"policies"`
	Versions []PolicyVersion `json:"versions"`
}

// policiesPut is an administrator's new version, based on the version
// they read.
type policiesPut struct {
	Version  int          `json:"version"`
	Note     string       `json:"note"`
	Policies []sla.Policy `json:"policies"`
}

func versionOf(ps *sla.Policies) PolicyVersion {
	return PolicyVersion{Version: ps.Version, Note: ps.Note, By: ps.By.Name, At: ps.At}
}

// book returns the policy versions, or not found when time limits are off.
func (a *api) book() (*sla.PolicyBook, error) {
	if a.d.PolicyBook == nil {
		return nil, apperr.New(apperr.NotFound, "time limits are not configured")
	}
	return a.d.PolicyBook, nil
}

func (a *api) writePolicies(w http.ResponseWriter, b *sla.PolicyBook) {
	cur := b.Rules.Policies()
	out := slaPolicies{PolicyVersion: versionOf(cur), Policies: cur.List(), Versions: []PolicyVersion{}}
	for _, v := range b.Rules.Versions() {
		out.Versions = append(out.Versions, versionOf(v))
	}
	web.WriteJSON(w, http.StatusOK, out)
}

func (a *api) getPolicies(w http.ResponseWriter, r *http.Request) {
	b, err := a.book()
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writePolicies(w, b)
}

// putPolicies saves a new version of the policies: new clocks start under
// it, running ones keep theirs.
func (a *api) putPolicies(w http.ResponseWriter, r *http.Request) {
	b, err := a.book()
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in policiesPut
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if _, err := b.Save(r.Context(), in.Policies, in.Version, in.Note, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writePolicies(w, b)
}
