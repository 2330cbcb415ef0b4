package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kesu/internal/org"
	"kesu/internal/storage/storetest"
	"kesu/internal/workflow"
)

// The administrator sees each profile with its versions and the default
// marked, uploads a new manufacturer version (a bad file first, refused
// with its problems listed by place), uploads it again without effect and
// downloads each version; other roles are refused.
func TestWorkflowPage(t *testing.T) {
	e := newEnv(t)
	csrf := e.login("admin", adminPassword)
	resp, body := e.get("/admin/workflow")
	expect(t, resp, body, http.StatusOK, `href="/admin/workflow"`, "流程定义", `id="p-manufacturer"`, `id="p-service"`, `id="p-bank"`,
		`id="default-profile"`, `id="v-manufacturer-0"`, "随系统发布", "新投诉采用", `href="/admin/workflow/bank/0/export"`)
	if i, j := strings.Index(body, `id="default-profile"`), strings.Index(body, `id="p-service"`); i < 0 || i > j {
		t.Error("the default mark is not on manufacturer")
	}

	manager := e.as(org.RoleManager)
	resp, body = manager.get("/admin/workflow")
	expect(t, resp, body, http.StatusForbidden)
	refuse(t, body, "上传流程定义")
	resp, body = manager.postMultipart("/admin/workflow/import", url.Values{"csrf_token": {manager.csrf("/complaints")}},
		file{"m.json", string(storetest.WorkflowVariant(t, workflow.ProfileManufacturer, `"up_to": "2000"`, `"up_to": "5000"`))})
	expect(t, resp, body, http.StatusForbidden)
	_, body = manager.get("/complaints")
	refuse(t, body, `href="/admin/workflow"`)

	bad := storetest.WorkflowVariant(t, workflow.ProfileManufacturer, `"to": "closed"`, `"to": "nowhere"`)
	bad = []byte(strings.Replace(string(bad), `"roles": [`, `"roles": ["chef", `, 1))
	resp, body = e.postMultipart("/admin/workflow/import", url.Values{"csrf_token": {csrf}}, file{"m.json", string(bad)})
	expect(t, resp, body, http.StatusUnprocessableEntity, `id="problems"`, "动作 actions[close].to：引用的状态 nowhere 未定义",
		"动作 actions[accept].roles：引用的角色 chef 不存在")
	resp, body = e.postMultipart("/admin/workflow/import", url.Values{"csrf_token": {csrf}}, file{"m.json", `{"profile": "x",`})
	expect(t, resp, body, http.StatusUnprocessableEntity, "不是可读取的流程定义文件")
	resp, body = e.postMultipart("/admin/workflow/import", url.Values{"csrf_token": {csrf}})
	expect(t, resp, body, http.StatusUnprocessableEntity)
	if vs := e.app.Cases.Definitions.Versions(workflow.ProfileManufacturer); len(vs) != 1 {
		t.Fatalf("refused uploads stored %d versions", len(vs)-1)
	}

	good := string(storetest.WorkflowVariant(t, workflow.ProfileManufacturer, `"up_to": "2000"`, `"up_to": "5000"`))
	resp, body = e.postMultipart("/admin/workflow/import", url.Values{"csrf_token": {csrf}, "note": {"经理审批额度提高到5000元"}}, file{"m.json", good})
	expect(t, resp, body, http.StatusSeeOther)
	loc := resp.Header.Get("Location")
	resp, body = e.get(loc)
	expect(t, resp, body, http.StatusOK, "已导入 manufacturer v1", `id="v-manufacturer-1"`, "经理审批额度提高到5000元", "系统管理员",
		"仅此前登记的案件")
	if i, j := strings.Index(body, `id="v-manufacturer-1"`), strings.Index(body, `id="v-manufacturer-0"`); i > j {
		t.Error("the newest version is not listed first")
	}
	resp, body = e.postMultipart("/admin/workflow/import", url.Values{"csrf_token": {csrf}}, file{"m.json", good})
	expect(t, resp, body, http.StatusSeeOther)
	resp, body = e.get(resp.Header.Get("Location"))
	expect(t, resp, body, http.StatusOK, "文件与 manufacturer v1 相同，未产生新版本")

	resp, body = e.get("/admin/workflow/manufacturer/1/export")
	expect(t, resp, body, http.StatusOK)
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="manufacturer-v1.json"` || body != good {
		t.Errorf("download of version 1: %q, same file %v", cd, body == good)
	}
	resp, body = e.get("/admin/workflow/manufacturer/0/export")
	if shipped, _ := workflow.ProfileSource(workflow.ProfileManufacturer); resp.StatusCode != http.StatusOK || body != string(shipped) {
		t.Errorf("download of version 0: %d", resp.StatusCode)
	}
	resp, body = e.get("/admin/workflow/manufacturer/9/export")
	expect(t, resp, body, http.StatusNotFound)
	if n := len(e.auditEntries("workflow.import")); n != 1 {
		t.Errorf("%d import audit entries", n)
	}
}
