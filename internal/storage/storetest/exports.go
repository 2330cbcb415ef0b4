package storetest

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"kesu/internal/audit"
	"kesu/internal/blob"
	"kesu/internal/complaint"
	"kesu/internal/export"
	"kesu/internal/jobs"
	"kesu/internal/org"
)

// Contract tests of export.Store (sqlstore.ExportStore) through the export
// service: request, run, progress, download, audit and expiry.

func testExports(t *testing.T, e *env) {
	u := e.user(t, "exporter", org.RoleManager, 0)
	for i, name := range []string{"王小明", "李四", "赵六"} {
		c := NewComplaint("导出测试 " + name)
		c.Complainant = complaint.Complainant{Name: name, Phone: "1380013800" + string(rune('0'+i)), Email: "x@example.com"}
		e.create(t, c)
	}
	e.create(t, &complaint.Complaint{Channel: "email", Subject: "不在筛选内", Description: "d", Severity: "major",
		Complainant: complaint.Complainant{Name: "钱七"}})

	n, err := e.db.Complaints().Count(e.ctx, complaint.Filter{Channel: []string{"phone"}})
	if err != nil || n != 3 {
		t.Fatalf("count phone complaints = %d, %v; want 3", n, err)
	}
	files := &blob.Store{Dir: t.TempDir()}
	svc := &export.Service{Store: e.db.Exports(), Complaints: e.db.Complaints(), Files: files, Now: e.clock.Now, Loc: Zone,
		TmpDir: t.TempDir(), ProgressEvery: 1}
	filter, _ := json.Marshal(complaint.Filter{Channel: []string{"phone"}, Sort: "received_asc"})
	actor := audit.Actor{UserID: u.ID, Name: u.Name}
	run := func(personal bool) *export.Export {
		t.Helper()
		ex := &export.Export{Kind: export.KindComplaints, Format: "csv", Filter: filter, Personal: personal, RequestedBy: u.ID}
		if err := svc.Request(e.ctx, ex, actor); err != nil {
			t.Fatalf("request: %v", err)
		}
		got, err := e.db.Exports().Get(e.ctx, ex.ID)
		if err != nil || got.Status != export.Queued || got.RequestedName != "exporter" {
			t.Fatalf("queued export = %+v, %v", got, err)
		}
		if err := svc.Run(e.ctx, ex.ID); err != nil {
			t.Fatalf("run: %v", err)
		}
		got, err = e.db.Exports().Get(e.ctx, ex.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != export.Done || got.Rows != 3 || got.Total != 3 || got.Size == 0 || got.FinishedAt == nil {
			t.Fatalf("finished export = %+v", got)
		}
		return got
	}
	read := func(ex *export.Export) [][]string {
		t.Helper()
		f, err := svc.Open(ex)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), export.BOM))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}

	full := run(true)
	recs := read(full)
	if len(recs) != 4 || recs[1][10] != "王小明" || recs[1][11] != "13800138000" || recs[0][10] != "投诉人" {
		t.Fatalf("personal export rows = %q", recs)
	}
	masked := run(false)
	recs = read(masked)
	if recs[1][10] != "王**" || recs[1][11] != "138****8000" || recs[2][10] != "李*" || strings.Contains(strings.Join(recs[1], ","), "x@example.com") {
		t.Fatalf("masked export rows = %q", recs)
	}

	// Running a finished export again changes nothing.
	if err := svc.Run(e.ctx, full.ID); err != nil {
		t.Fatal(err)
	}
	mine, err := e.db.Exports().List(e.ctx, u.ID, 10)
	if err != nil || len(mine) != 2 || mine[0].ID != masked.ID {
		t.Fatalf("my exports = %+v, %v", mine, err)
	}
	if js, _ := e.db.Jobs().List(e.ctx, jobs.Filter{Kind: export.JobKind}); len(js) != 2 {
		t.Errorf("export jobs = %d, want 2", len(js))
	}
	for _, action := range []string{"export.request", "export.done"} {
		es, err := e.db.Audit().List(e.ctx, audit.Filter{Action: action, Limit: 10})
		if err != nil || len(es) != 2 {
			t.Fatalf("audit %s entries = %d, %v; want 2", action, len(es), err)
		}
		if action == "export.done" && !strings.Contains(string(es[0].Detail), `"rows":3`) {
			t.Errorf("export.done detail %s lacks the row count", es[0].Detail)
		}
	}

	// A bad filter fails the export, not the worker.
	bad := &export.Export{Kind: export.KindComplaints, Format: "xlsx", Filter: []byte(`{"Due":"someday"}`), RequestedBy: u.ID}
	if err := svc.Request(e.ctx, bad, actor); err != nil {
		t.Fatal(err)
	}
	if err := svc.Run(e.ctx, bad.ID); err == nil {
		t.Fatal("export with a bad filter ran")
	}
	if got, _ := e.db.Exports().Get(e.ctx, bad.ID); got.Status != export.Failed || got.Error == "" {
		t.Fatalf("failed export = %+v", got)
	}

	// After expiry the files are gone and the download refused.
	e.clock.Set(Start.Add(export.DefaultKeep + time.Hour))
	if err := svc.Purge(e.ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := e.db.Exports().Get(e.ctx, full.ID)
	if got.File != "" {
		t.Errorf("expired export still has its file %q", got.File)
	}
	if _, err := files.Open(full.File); err == nil {
		t.Error("expired export's file was kept")
	}
	if _, err := svc.Open(got); err == nil {
		t.Error("expired export could be downloaded")
	}
}
