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
	items, err := h.d.Cases.MyWork(r.Context(), p.User, MaxWork)
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
		rows[i].State = h.d.Cases.States().Label(it.Status, p.L)
	}
	p.D = rows
	h.render(w, http.StatusOK, "staff", "my_work", p)
}
