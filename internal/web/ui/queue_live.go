package ui

import (
	"net/http"
	"strconv"
	"strings"

	"kesu/internal/queue"
)

// queueData is what the public queue pages show of a branch.
type queueData struct {
	Branch queue.Branch
	Types  []queue.ServiceType
	Status queue.BranchStatus
}

// loadQueueBranch reads the branch in the path with its types and live
// figures.
func (h *handler) loadQueueBranch(r *http.Request) (*queueData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	b, err := h.d.Queue.Store.Branch(r.Context(), id)
	if err != nil {
		return nil, err
	}
	types, err := h.d.Queue.Store.Types(r.Context(), id)
	if err != nil {
		return nil, err
	}
	st, err := h.d.Queue.Status(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return &queueData{Branch: *b, Types: types, Status: st}, nil
}

// queueCompare lists the branches, the least busy first, so customers
// pick one before leaving home (QUE-3).
func (h *handler) queueCompare(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "queue.compare")
	sts, err := h.d.Queue.Compare(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = sts
	h.render(w, http.StatusOK, "queue", "queue_compare", p)
}

// queueLive is a branch's public live page: waiting and estimated wait per
// type, updated by server-sent events (static/queue.js), with an online
// ticket form.
func (h *handler) queueLive(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadQueueBranch(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "queue.live")
	p.Title = branchName(d.Branch, p.L) + " · " + p.Title
	p.D = d
	h.render(w, http.StatusOK, "queue", "queue_live", p)
}

// queueBoard is the lobby display board: the numbers being called and the
// lines' lengths, full screen.
func (h *handler) queueBoard(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadQueueBranch(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "queue.board")
	p.Title = branchName(d.Branch, p.L) + " · " + p.Title
	p.D = d
	h.render(w, http.StatusOK, "screen", "queue_board", p)
}

func branchName(b queue.Branch, lang string) string {
	if lang == "en" && b.NameEN != "" {
		return b.NameEN
	}
	return b.Name
}

func typeName(t queue.ServiceType, lang string) string {
	if lang == "en" && t.NameEN != "" {
		return t.NameEN
	}
	return t.Name
}

// typeDocuments lists the documents and forms a service needs, one per
// line of its list in lang.
func typeDocuments(t queue.ServiceType, lang string) []string {
	d := t.Documents
	if lang == "en" && t.DocumentsEN != "" {
		d = t.DocumentsEN
	}
	var lines []string
	for _, l := range strings.Split(d, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// minutesText renders an estimated wait: whole minutes, "-" for none.
func minutesText(m float64) string {
	if m < 0 {
		return "-"
	}
	return strconv.Itoa(int(m + 0.5))
}
