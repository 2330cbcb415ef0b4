package ui

import (
	"net/http"

	"kesu/internal/casework"
)

// MaxWork is how many cases the "my work" page lists.
const MaxWork = 200

// myWork lists the open cases the signed-in user holds or backs up,
// oldest change first.
func (h *handler) myWork(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.my_work")
	p.Nav = "work"
	def := h.d.Cases.Definitions[h.d.Cases.Default]
	items, err := h.d.Cases.Store.MyWork(r.Context(), p.User.ID, def.OpenStates(), MaxWork)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	type row struct {
		casework.WorkItem
		State string
	}
	rows := make([]row, len(items))
	for i, it := range items {
		rows[i] = row{it, it.Status}
		if st, ok := def.State(it.Status); ok {
			rows[i].State = st.Label(p.L)
		}
	}
	p.D = rows
	h.render(w, http.StatusOK, "staff", "my_work", p)
}
