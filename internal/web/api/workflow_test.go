package api_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kesu/internal/org"
	"kesu/internal/storage/storetest"
	"kesu/internal/workflow"
)

// workflowVersion is the part of a WorkflowVersion answer the tests read.
type workflowVersion struct {
	Profile   string `json:"profile"`
	Version   int    `json:"version"`
	Shipped   bool   `json:"shipped"`
	Newest    bool   `json:"newest"`
	Default   bool   `json:"default"`
	Note      string `json:"note"`
	CreatedBy string `json:"created_by"`
	Created   bool   `json:"created"`
}

func (e *env) workflowVersions() []workflowVersion {
	e.t.Helper()
	var list struct {
		Items   []workflowVersion `json:"items"`
		Default string            `json:"default"`
	}
	e.get(org.RoleAuditor, "/api/v1/workflow/definitions").want(http.StatusOK).JSON(&list)
	if list.Default != workflow.ProfileManufacturer {
		e.t.Errorf("default %q", list.Default)
	}
	return list.Items
}

func (e *env) uploadWorkflow(role string, body []byte, note string) *resp {
	return e.send(req{role: role, method: "POST", path: "/api/v1/workflow/definitions?note=" + url.QueryEscape(note), body: body,
		ctype: "application/json"})
}

// versionTwo is the manufacturer lifecycle with a department manager who
// signs plans up to ¥5,000 alone (the shipped file: ¥2,000) and a new
// step for registered complaints, "flag_vip".
func versionTwo(t *testing.T) []byte {
	b := storetest.WorkflowVariant(t, workflow.ProfileManufacturer, `"up_to": "2000"`, `"up_to": "5000"`)
	return bytes.Replace(b, []byte(`"actions": [`), []byte(`"actions": [
    {"code": "flag_vip", "zh": "标记重要客户", "en": "Flag key customer", "from": ["registered"], "to": "@same",
     "roles": ["agent", "handler", "manager", "qa_engineer"]},`), 1)
}

// An administrator uploads a new version of the manufacturer lifecycle: a
// bad file is refused by field and stores nothing; complaints registered
// after the upload take the new version (a new step, a higher manager
// limit) while a case registered before keeps the shipped rules.
func TestWorkflowUploadAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		vs := e.workflowVersions()
		var got []string
		for _, v := range vs {
			got = append(got, v.Profile)
			if v.Version != 0 || !v.Shipped || !v.Newest || v.Default != (v.Profile == workflow.ProfileManufacturer) {
				t.Errorf("shipped version %+v", v)
			}
		}
		if strings.Join(got, " ") != "bank manufacturer service" {
			t.Fatalf("profiles %v", got)
		}
		before := e.newCase("quality.leak", "major")
		if before.c["profile"] != workflow.ProfileManufacturer || before.c["profile_version"] != float64(0) {
			t.Fatalf("case before the upload: %v %v", before.c["profile"], before.c["profile_version"])
		}

		// A bad file is refused by field; nothing is stored.
		bad := storetest.WorkflowVariant(t, workflow.ProfileManufacturer, `"to": "closed"`, `"to": "nowhere"`)
		if b := e.uploadWorkflow(org.RoleAdmin, bad, "").wantErr(http.StatusUnprocessableEntity, "invalid", "actions[close].to", "unknown_state"); !strings.Contains(b.Error.Fields[0].Message, "nowhere") {
			t.Errorf("message %q does not name the state", b.Error.Fields[0].Message)
		}
		routed := storetest.WorkflowVariant(t, workflow.ProfileManufacturer, `"name": "quality_to_qa"`, `"name": "quality_to_qa", "profile": "retail"`)
		e.uploadWorkflow(org.RoleAdmin, routed, "").wantErr(http.StatusUnprocessableEntity, "invalid", "routing[1].profile", "unknown_profile")
		e.uploadWorkflow(org.RoleAdmin, []byte(`{"profile": `), "").wantErr(http.StatusUnprocessableEntity, "invalid", "file", "invalid_definition")
		e.uploadWorkflow(org.RoleManager, versionTwo(t), "").wantErr(http.StatusForbidden, "forbidden", "", "")
		if n := len(e.workflowVersions()); n != 3 || e.auditCount("workflow.import") != 0 {
			t.Fatalf("refused uploads stored: %d versions, %d audit entries", n, e.auditCount("workflow.import"))
		}

		var v workflowVersion
		e.uploadWorkflow(org.RoleAdmin, versionTwo(t), "经理审批额度提高到5000元").want(http.StatusCreated).JSON(&v)
		if v.Profile != workflow.ProfileManufacturer || v.Version != 1 || !v.Newest || !v.Created || v.Note != "经理审批额度提高到5000元" || v.CreatedBy == "" {
			t.Fatalf("uploaded %+v", v)
		}
		e.uploadWorkflow(org.RoleAdmin, versionTwo(t), "").want(http.StatusOK).JSON(&v)
		if v.Version != 1 || v.Created {
			t.Fatalf("the same file again: %+v", v)
		}
		if n := e.auditCount("workflow.import"); n != 1 {
			t.Errorf("%d import audit entries", n)
		}

		after := e.newCase("quality.leak", "major")
		if after.c["profile_version"] != float64(1) {
			t.Fatalf("case after the upload runs version %v", after.c["profile_version"])
		}
		var cm map[string]any
		e.get(org.RoleAgent, "/api/v1/complaints/"+url.PathEscape(after.num)).want(http.StatusOK).JSON(&cm)
		if cm["profile_version"] != float64(1) {
			t.Errorf("complaint answer: profile_version %v", cm["profile_version"])
		}
		// The new step is offered on the new case only.
		after.option("flag_vip")
		for _, x := range before.c["actions"].([]any) {
			if x.(map[string]any)["action"] == "flag_vip" {
				t.Errorf("the case registered before is offered flag_vip")
			}
		}
		before.refuse(org.RoleAgent, "flag_vip", nil, http.StatusUnprocessableEntity, "action", "unknown_action")
		after.act(org.RoleAgent, "flag_vip", "registered", nil)

		// ¥3,000: the manager alone under the new version, the deputy GM
		// as well under the shipped one.
		for _, c := range []struct {
			k     *kase
			roles string
		}{{before, "manager deputy_gm"}, {after, "manager"}} {
			c.k.toResponsibility("qa1", "internal")
			c.k.act("qa1", "propose_measures", "measures", nil)
			c.k.addCAPA("qa1", map[string]any{"kind": "corrective", "description": "更换密封圈批次", "owner_user_id": e.users["qa1"].ID})
			c.k.decide("qa1", map[string]any{"root_cause": "密封圈批次硬度不足", "resolution": "compensation", "amount": "3000", "currency": "CNY"})
			c.k.act("qa1", "submit_for_approval", "approval", nil)
			var roles []string
			for _, l := range c.k.c["approval_chain"].([]any) {
				roles = append(roles, l.(map[string]any)["role"].(string))
			}
			if strings.Join(roles, " ") != c.roles {
				t.Errorf("%s (version %v): chain %v, want %s", c.k.num, c.k.c["profile_version"], roles, c.roles)
			}
		}
		after.act(org.RoleManager, "approve", "approval", nil)
		after.act("qa1", "reply", "replied", map[string]any{"body": "我司同意赔偿。"})
		before.act(org.RoleManager, "approve", "approval", nil)
		before.refuse("qa1", "reply", map[string]any{"body": "我司同意赔偿。"}, http.StatusUnprocessableEntity, "approvals_remaining", "approval_pending")

		// Each version stays readable.
		var wf struct {
			Version  int
			Actions  []struct{ Code string }
			Approval struct {
				Tiers []struct {
					UpTo string `json:"up_to"`
				}
			}
		}
		e.get(org.RoleAgent, "/api/v1/workflow?profile=manufacturer&version=0").want(http.StatusOK).JSON(&wf)
		if wf.Version != 0 || wf.Approval.Tiers[0].UpTo != "2000.00" || wf.Actions[0].Code == "flag_vip" {
			t.Errorf("version 0: %+v", wf)
		}
		e.get(org.RoleAgent, "/api/v1/workflow").want(http.StatusOK).JSON(&wf)
		if wf.Version != 1 || wf.Approval.Tiers[0].UpTo != "5000.00" || wf.Actions[0].Code != "flag_vip" {
			t.Errorf("newest: %+v", wf)
		}
		e.get(org.RoleAgent, "/api/v1/workflow?version=7").wantErr(http.StatusNotFound, "not_found", "", "")
		e.get(org.RoleAgent, "/api/v1/workflow?version=x").wantErr(http.StatusUnprocessableEntity, "invalid", "version", "invalid_value")
		vs = e.workflowVersions()
		if len(vs) != 4 || vs[1].Version != 0 || vs[1].Newest || vs[2].Version != 1 || !vs[2].Newest {
			t.Errorf("versions after the upload: %+v", vs)
		}
	})
}

// A state added by an uploaded definition counts in the reports at once,
// without a restart: the dashboard's open work includes a case in it and
// the statistics name it.
func TestUploadedStateInReports(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff()
		b := storetest.WorkflowVariant(t, workflow.ProfileManufacturer, `"states": [`, `"states": [
    {"code": "vip_review", "zh": "重要客户复核", "en": "Key-customer review", "kind": "normal", "open": true},`)
		b = bytes.Replace(b, []byte(`"actions": [`), []byte(`"actions": [
    {"code": "flag_vip", "zh": "转重要客户复核", "en": "Key-customer review", "from": ["registered"], "to": "vip_review",
     "roles": ["agent", "handler", "manager", "qa_engineer"]},
    {"code": "vip_done", "zh": "复核完毕", "en": "Review done", "from": ["vip_review"], "to": "accepted",
     "roles": ["agent", "handler", "manager", "qa_engineer"]},`), 1)
		e.uploadWorkflow(org.RoleAdmin, b, "重要客户复核").want(http.StatusCreated)
		k := e.newCase("service.attitude", "minor")
		k.act(org.RoleAgent, "flag_vip", "vip_review", nil)

		var d struct{ Open int }
		e.get(org.RoleAuditor, "/api/v1/reports/dashboard").want(http.StatusOK).JSON(&d)
		if d.Open != 1 {
			t.Errorf("dashboard open work %d, want the case in the new state", d.Open)
		}
		var st struct {
			Breakdowns []struct {
				Dim  string `json:"dim"`
				Rows []struct{ Key, ZH, EN string }
			}
		}
		e.get(org.RoleAuditor, "/api/v1/reports/statistics?from=2026-01-01&to=2026-12-31").want(http.StatusOK).JSON(&st)
		found := false
		for _, bd := range st.Breakdowns {
			for _, r := range bd.Rows {
				if r.Key == "vip_review" {
					found = true
					if r.ZH != "重要客户复核" || r.EN != "Key-customer review" {
						t.Errorf("the new state is labelled %q / %q", r.ZH, r.EN)
					}
				}
			}
		}
		if !found {
			t.Errorf("no statistics row for the new state: %+v", st.Breakdowns)
		}
	})
}
