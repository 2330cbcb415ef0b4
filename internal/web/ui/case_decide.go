package ui

import (
	"net/http"

	"kesu/internal/casework"
)

// caseDecide records the classification and resolution plan of a case
// (TRI-4, WF-4). Empty choices leave a decision as it is; text fields and
// ticks are taken as shown.
func (h *handler) caseDecide(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &decoder{f: r.PostForm, loc: h.loc}
	opt := func(name string) *string {
		if s := d.str(name); s != "" {
			return &s
		}
		return nil
	}
	text := func(name string) *string {
		s := d.str(name)
		return &s
	}
	yes := func(name string) *bool {
		b := d.bool(name)
		return &b
	}
	dec := casework.Decision{
		Validity: opt("validity"), Responsibility: opt("responsibility"), ResponsibilityNote: text("responsibility_note"),
		Malicious: yes("malicious"), RootCause: text("root_cause"), Resolution: opt("resolution"),
		Amount: opt("amount"), Currency: opt("currency"), ResolutionExecuted: yes("resolution_executed"),
	}
	if dec.Amount != nil {
		a, ok := normalAmount(*dec.Amount)
		if !ok {
			h.refused(w, r, id, amountError("amount"))
			return
		}
		dec.Amount = &a
	}
	switch d.str("established") {
	case "yes":
		b := true
		dec.Established = &b
	case "no":
		b := false
		dec.Established = &b
	}
	if _, err := h.d.Cases.Decide(r.Context(), id, formVersion(r), dec, caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "decisions")
}
