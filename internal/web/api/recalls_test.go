package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kesu/internal/jobs"
	"kesu/internal/notify"
	"kesu/internal/org"
)

// recallUpload sends a file (and its kind) as multipart to path.
func (e *env) recallUpload(role, path, name, kind string, content []byte) *resp {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if kind != "" {
		mw.WriteField("kind", kind)
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	return e.send(req{role: role, method: "POST", path: path, body: buf.Bytes(), ctype: mw.FormDataContentType()})
}

// recallMails counts the recall e-mails queued whose key starts with prefix.
func (e *env) recallMails(prefix string) []string {
	e.t.Helper()
	js, err := e.app.DB.Jobs().List(e.t.Context(), jobs.Filter{Kind: notify.JobEmail, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, j := range js {
		if strings.HasPrefix(j.Key, prefix) {
			out = append(out, string(j.Payload))
		}
	}
	return out
}

// recallXLSX is a shipment record workbook with Chinese headers.
func recallXLSX(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	f.SetSheetRow(sheet, "A1", &[]any{"客户编码", "批号", "数量", "发货日期"})
	for i, r := range rows {
		f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+2), &r)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type recallJSON struct {
	ID          int64  `json:"id"`
	Status      string `json:"status"`
	Quarantined bool   `json:"quarantined"`
	Shipped     int64  `json:"shipped"`
	Accounted   int64  `json:"accounted"`
	Progress    int    `json:"progress"`
	Tasks       []struct {
		ID        int64  `json:"id"`
		Customer  string `json:"customer"`
		Lot       string `json:"lot"`
		Shipped   int64  `json:"shipped"`
		Recalled  int64  `json:"recalled"`
		InStock   int64  `json:"in_stock"`
		Reminders int    `json:"reminders"`
		Token     string `json:"token"`
	} `json:"tasks"`
}

// A recall of a sold lot, started from a complaint: the shipments of three
// distributors come from a CSV and an .xlsx file, each distributor is
// e-mailed its task and reminded once per due reminder until it answers;
// figures above the shipped quantity are refused; the recall reaches
// 100 % and closes only with the producing site's test report, and is
// frozen after.
func TestRecallOfSoldLot(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		p := e.post(org.RoleManager, "/api/v1/products", map[string]any{"code": "P-RC", "name": "有机大米", "model": "5kg 真空袋装"}).
			want(http.StatusCreated).M()
		b := e.post(org.RoleManager, "/api/v1/batches", map[string]any{"product_id": p["id"], "lot_no": "L-RC-1", "quantity": 1000}).
			want(http.StatusCreated).M()
		for i, code := range []string{"D-RC1", "D-RC2", "D-RC3"} {
			e.post(org.RoleAgent, "/api/v1/customers", map[string]any{"code": code, "name": fmt.Sprintf("经销商%d", i+1), "class": "dealer",
				"email": fmt.Sprintf("d%d@example.com", i+1)}).want(http.StatusCreated)
		}
		c := e.create(qualityOf("大米有异味", "L-RC-1"))
		start := map[string]any{"title": "有机大米 L-RC-1 召回", "source_kind": "complaint", "source_id": c["id"], "product_id": p["id"],
			"lots": []string{"L-RC-1"}, "reason": "检出农残超标", "packaging": "5kg 真空袋", "how_to_return": "凭购买凭证到原购买门店退货"}
		e.post(org.RoleAgent, "/api/v1/recalls", start).want(http.StatusForbidden)
		bad := map[string]any{}
		for k, v := range start {
			bad[k] = v
		}
		bad["source_id"] = 999999
		e.post(org.RoleManager, "/api/v1/recalls", bad).wantErr(http.StatusUnprocessableEntity, "invalid", "source_id", "not_found")
		var rc recallJSON
		e.post(org.RoleManager, "/api/v1/recalls", start).want(http.StatusCreated).JSON(&rc)
		path := fmt.Sprintf("/api/v1/recalls/%d", rc.ID)

		// What is still ours is quarantined in one step.
		e.post(org.RoleManager, path+"/quarantine", nil).want(http.StatusOK).JSON(&rc)
		if !rc.Quarantined {
			t.Fatalf("recall not marked quarantined: %+v", rc)
		}
		got := e.get(org.RoleManager, fmt.Sprintf("/api/v1/batches/%v", b["id"])).want(http.StatusOK).M()
		if got["status"] != "quarantined" {
			t.Fatalf("lot after quarantine: %v", got["status"])
		}

		// A row naming a lot outside the recall refuses the whole file.
		e.recallUpload(org.RoleManager, path+"/shipments", "bad.csv", "",
			[]byte("customer,lot,quantity\nD-RC1,L-RC-1,100\nD-RC2,L-OTHER,5\n")).
			wantErr(http.StatusUnprocessableEntity, "invalid", "rows[1].lot", "rec_lot_outside")
		e.get(org.RoleManager, path).want(http.StatusOK).JSON(&rc)
		if len(rc.Tasks) != 0 {
			t.Fatalf("refused import wrote tasks: %+v", rc.Tasks)
		}
		e.recallUpload(org.RoleManager, path+"/shipments", "发货.csv", "",
			[]byte("\ufeffcustomer,lot,quantity,shipped_on\nD-RC1,L-RC-1,100,2026-02-01\nD-RC2,L-RC-1,60,2026-02-03\n")).want(http.StatusOK)
		e.recallUpload(org.RoleManager, path+"/shipments", "发货.xlsx", "",
			recallXLSX(t, []any{"D-RC3", "L-RC-1", 40, "2026-02-05"})).want(http.StatusOK).JSON(&rc)
		if len(rc.Tasks) != 3 || rc.Shipped != 200 || rc.Progress != 0 {
			t.Fatalf("after import: %+v", rc)
		}
		if n := len(e.recallMails("recall-notice:")); n != 3 {
			t.Fatalf("%d notices e-mailed, want 3", n)
		}
		task := map[string]int{}
		for i, tk := range rc.Tasks {
			task[tk.Customer] = i
		}
		t1, t2, t3 := rc.Tasks[task["经销商1"]], rc.Tasks[task["经销商2"]], rc.Tasks[task["经销商3"]]

		// Over the shipped quantity: field errors, nothing written.
		e.send(req{method: "PUT", path: "/api/v1/recall-tasks/" + t1.Token, body: map[string]any{"recalled": 101, "in_stock": 0, "isolated": 0, "destroyed": 0}}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "recalled", "more_than_shipped")
		e.send(req{method: "PUT", path: "/api/v1/recall-tasks/" + t1.Token, body: map[string]any{"recalled": 70, "in_stock": 40, "isolated": 0, "destroyed": 0}}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "in_stock", "more_than_shipped")
		e.send(req{method: "GET", path: "/api/v1/recall-tasks/nope"}).want(http.StatusNotFound)
		e.get(org.RoleManager, path).want(http.StatusOK).JSON(&rc)
		if rc.Accounted != 0 {
			t.Fatalf("refused answers wrote figures: %+v", rc)
		}

		// The first distributor answers through its link; staff record the
		// second's by telephone.
		e.send(req{method: "PUT", path: "/api/v1/recall-tasks/" + t1.Token, body: map[string]any{"recalled": 70, "in_stock": 30, "isolated": 100, "destroyed": 0}}).
			want(http.StatusOK)
		e.send(req{role: org.RoleManager, method: "PUT", path: fmt.Sprintf("%s/tasks/%d", path, t2.ID),
			body: map[string]any{"recalled": 20, "in_stock": 40, "isolated": 60, "destroyed": 0}}).want(http.StatusOK).JSON(&rc)
		if rc.Accounted != 160 || rc.Progress != 80 {
			t.Fatalf("after two answers: accounted %d progress %d", rc.Accounted, rc.Progress)
		}

		// Reminders: only the third, unanswered distributor, once per due
		// reminder however often the worker runs.
		e.runJobs()
		if n := len(e.recallMails("recall-reminder:")); n != 0 {
			t.Fatalf("%d reminders before any was due", n)
		}
		e.clk.Add(3*24*time.Hour + time.Hour)
		e.runJobs()
		e.runJobs()
		rem := e.recallMails("recall-reminder:")
		if len(rem) != 1 || !strings.Contains(rem[0], "d3@example.com") {
			t.Fatalf("after 3 days: reminders %v", rem)
		}
		e.clk.Add(4 * 24 * time.Hour)
		e.runJobs()
		if n := len(e.recallMails("recall-reminder:")); n != 2 {
			t.Fatalf("after 7 days: %d reminders, want 2", n)
		}
		e.send(req{method: "PUT", path: "/api/v1/recall-tasks/" + t3.Token, body: map[string]any{"recalled": 10, "in_stock": 30, "isolated": 30, "destroyed": 10}}).
			want(http.StatusOK)
		e.clk.Add(8 * 24 * time.Hour)
		e.runJobs()
		if n := len(e.recallMails("recall-reminder:")); n != 2 {
			t.Fatalf("answered task reminded again: %d reminders", n)
		}
		rc = recallJSON{}
		e.get(org.RoleAuditor, path).want(http.StatusOK).JSON(&rc)
		for _, tk := range rc.Tasks {
			if tk.Token != "" {
				t.Fatalf("a report reader sees the distributor's link token: %+v", tk)
			}
		}
		if rc.Progress != 100 || rc.Tasks[task["经销商3"]].Reminders != 2 {
			t.Fatalf("at the end: progress %d, reminders %d", rc.Progress, rc.Tasks[task["经销商3"]].Reminders)
		}
		e.post(org.RoleManager, path+"/disposals", map[string]any{"method": "销毁", "quantity": 0}).
			wantErr(http.StatusUnprocessableEntity, "invalid", "quantity", "positive")
		e.post(org.RoleManager, path+"/disposals", map[string]any{"method": "销毁", "quantity": 200, "note": "环保焚烧"}).want(http.StatusCreated)

		// Closing needs the producing site's test report.
		e.post(org.RoleManager, path+"/close", nil).wantErr(http.StatusUnprocessableEntity, "invalid", "test_report", "required")
		e.recallUpload(org.RoleManager, path+"/files", "检验报告.pdf", "test_report", []byte("%PDF-1.4 report")).want(http.StatusCreated)
		e.post(org.RoleManager, path+"/close", nil).want(http.StatusOK).JSON(&rc)
		if rc.Status != "closed" {
			t.Fatalf("status after close: %s", rc.Status)
		}
		// Closed is frozen.
		e.send(req{method: "PUT", path: "/api/v1/recall-tasks/" + t1.Token, body: map[string]any{"recalled": 0, "in_stock": 0, "isolated": 0, "destroyed": 0}}).
			wantErr(http.StatusConflict, "conflict", "status", "rec_closed")
		e.recallUpload(org.RoleManager, path+"/shipments", "more.csv", "", []byte("customer,lot,quantity\nD-RC1,L-RC-1,1\n")).
			wantErr(http.StatusConflict, "conflict", "status", "rec_closed")
		// Every change is in the audit log.
		var log struct {
			Items []struct {
				Action string `json:"action"`
			} `json:"items"`
		}
		e.get(org.RoleAuditor, fmt.Sprintf("/api/v1/audit?object=recall:%d&limit=100", rc.ID)).want(http.StatusOK).JSON(&log)
		seen := map[string]int{}
		for _, it := range log.Items {
			seen[it.Action]++
		}
		for _, a := range []string{"recall.create", "recall.quarantine", "recall.shipments", "recall.disposal", "recall.file", "recall.close"} {
			if seen[a] == 0 {
				t.Errorf("audit lacks %s: %v", a, seen)
			}
		}
		if seen["recall.shipments"] != 2 {
			t.Errorf("audit has %d shipment imports, want 2 (the refused one is not written)", seen["recall.shipments"])
		}
		var list struct {
			Items []recallJSON `json:"items"`
		}
		e.get(org.RoleAuditor, "/api/v1/recalls?status=closed").want(http.StatusOK).JSON(&list)
		if len(list.Items) != 1 || list.Items[0].Progress != 100 {
			t.Fatalf("closed recalls: %+v", list.Items)
		}
	})
}
