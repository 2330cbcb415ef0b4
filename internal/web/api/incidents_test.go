package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"kesu/internal/audit"

	"kesu/internal/org"
)

// qualityOf is a quality complaint about lot.
func qualityOf(subject, lot string) map[string]any {
	b := minimal(subject)
	b["category"], b["severity"], b["batch_no"] = "quality.leak", "major", lot
	return b
}

// runJobs runs the registration follow-up jobs that are due.
func (e *env) runJobs() {
	e.t.Helper()
	if _, err := e.app.Worker.RunDue(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// The fifth quality complaint about one lot raises a batch incident once
// the registration job ran; a manager quarantines the lot, an agent may not
// (TRI-6).
func TestBatchIncidentAndQuarantine(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		// The QA manager is told when an incident is raised.
		qa, err := e.app.DB.Cases().DepartmentByCode(t.Context(), "qa")
		if err != nil {
			t.Fatal(err)
		}
		dept, err := e.app.DB.Registers().GetDepartment(t.Context(), qa)
		if err != nil {
			t.Fatal(err)
		}
		dept.ManagerID = &e.users[org.RoleManager].ID
		if err := e.app.DB.Registers().UpdateDepartment(t.Context(), dept, audit.System); err != nil {
			t.Fatal(err)
		}
		p := e.post(org.RoleManager, "/api/v1/products", map[string]any{"code": "P-RO", "name": "净水器", "model": "RO-100"}).
			want(http.StatusCreated).M()
		b := e.post(org.RoleManager, "/api/v1/batches", map[string]any{"product_id": p["id"], "lot_no": "L-INC-1", "quantity": 500}).
			want(http.StatusCreated).M()
		for i := 1; i <= 4; i++ {
			e.create(qualityOf(fmt.Sprintf("漏水 %d", i), "L-INC-1"))
		}
		e.create(map[string]any{"channel": "phone", "subject": "态度差", "description": "服务态度", "category": "service.attitude",
			"batch_no": "L-INC-1", "complainant": map[string]any{"name": "王五", "phone": "13812349999"}})
		e.runJobs()
		var list struct {
			Items []map[string]any `json:"items"`
		}
		e.get(org.RoleAgent, "/api/v1/incidents").want(http.StatusOK).JSON(&list)
		if len(list.Items) != 0 {
			t.Fatalf("four quality complaints and a service one raised %v", list.Items)
		}

		fifth := e.create(qualityOf("漏水 5", "L-INC-1"))
		e.runJobs()
		e.get(org.RoleAgent, "/api/v1/incidents").want(http.StatusOK).JSON(&list)
		if len(list.Items) != 1 {
			t.Fatalf("incidents after the fifth: %v", list.Items)
		}
		inc := list.Items[0]
		if inc["batch_no"] != "L-INC-1" || inc["status"] != "open" || inc["quarantined"] != false || inc["complaint_count"] != 5.0 ||
			inc["batch_id"] != b["id"] {
			t.Errorf("incident %v", inc)
		}
		if inc["trigger_complaint_id"] != fifth["id"] {
			t.Errorf("trigger %v, want complaint %v", inc["trigger_complaint_id"], fifth["id"])
		}
		ns, err := e.app.DB.SLAClocks().Notifications(t.Context(), e.users[org.RoleManager].ID, true, 10)
		if err != nil || len(ns) != 1 || ns[0].Kind != "incident.batch" || !strings.Contains(ns[0].Title, "L-INC-1") {
			t.Fatalf("the QA manager's notifications: %+v, %v", ns, err)
		}
		// A sixth joins the open incident instead of raising another.
		e.create(qualityOf("漏水 6", "L-INC-1"))
		e.runJobs()
		e.get(org.RoleAgent, "/api/v1/incidents").want(http.StatusOK).JSON(&list)
		if len(list.Items) != 1 {
			t.Fatalf("incidents after the sixth: %v", list.Items)
		}

		path := "/api/v1/incidents/" + id(inc)
		if got := e.get(org.RoleAuditor, path).want(http.StatusOK).M(); got["batch_no"] != "L-INC-1" {
			t.Errorf("GET %s: %v", path, got)
		}
		e.get(org.RoleAgent, "/api/v1/incidents/99999").wantErr(http.StatusNotFound, "not_found", "", "")
		e.post(org.RoleAgent, path+"/quarantine", nil).wantErr(http.StatusForbidden, "forbidden", "actor", "role")
		if got := e.get(org.RoleAgent, "/api/v1/batches/"+id(b)).want(http.StatusOK).M(); got["status"] != "normal" {
			t.Fatalf("refused quarantine changed the batch: %v", got)
		}
		q := e.post(org.RoleManager, path+"/quarantine", nil).want(http.StatusOK).M()
		if q["quarantined"] != true || q["quarantined_by"] != float64(e.users[org.RoleManager].ID) {
			t.Errorf("quarantined incident %v", q)
		}
		if got := e.get(org.RoleAgent, "/api/v1/batches/"+id(b)).want(http.StatusOK).M(); got["status"] != "quarantined" {
			t.Errorf("batch after quarantine: %v", got)
		}
		// Repeating it is harmless.
		e.post(org.RoleManager, path+"/quarantine", nil).want(http.StatusOK)
	})
}

// A representative quality problem (004 §6.4) is flagged by QA whatever
// the number of units: the managers of QA and the GM office hear of it at
// once; an agent may not flag, and a flag needs its reason.
func TestRepresentativeQualityProblem(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for code, role := range map[string]string{"qa": org.RoleManager, "gm": org.RoleGM} {
			id, err := e.app.DB.Cases().DepartmentByCode(t.Context(), code)
			if err != nil {
				t.Fatal(err)
			}
			d, err := e.app.DB.Registers().GetDepartment(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			d.ManagerID = &e.users[role].ID
			if err := e.app.DB.Registers().UpdateDepartment(t.Context(), d, audit.System); err != nil {
				t.Fatal(err)
			}
		}
		c := e.create(qualityOf("滤芯破裂 一台", "L-REP-1"))
		path := "/api/v1/complaints/" + c["number"].(string) + "/representative"
		e.post(org.RoleAgent, path, map[string]any{"note": "代表性"}).wantErr(http.StatusForbidden, "forbidden", "actor", "role")
		e.post(org.RoleManager, path, map[string]any{"note": "  "}).wantErr(http.StatusUnprocessableEntity, "invalid", "note", "required")
		e.post(org.RoleManager, path, map[string]any{"note": "同型号滤芯壳体设计缺陷，具有代表性"}).want(http.StatusCreated)
		for _, role := range []string{org.RoleManager, org.RoleGM} {
			ns, err := e.app.DB.SLAClocks().Notifications(t.Context(), e.users[role].ID, true, 10)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, n := range ns {
				found = found || (n.Kind == "case.representative" && strings.Contains(n.Title, c["number"].(string)))
			}
			if !found {
				t.Errorf("%s was not told: %+v", role, ns)
			}
		}
		tl := e.get(org.RoleManager, "/api/v1/complaints/"+c["number"].(string)+"/timeline").want(http.StatusOK).Body
		if !strings.Contains(string(tl), "representative_quality") {
			t.Errorf("timeline has no representative entry: %s", tl)
		}
		if incs := e.get(org.RoleAgent, "/api/v1/incidents").want(http.StatusOK).M()["items"].([]any); len(incs) != 0 {
			t.Errorf("a representative problem is not a batch incident: %v", incs)
		}
	})
}
