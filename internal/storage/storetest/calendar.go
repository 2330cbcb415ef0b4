package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/sla"
	"kesu/internal/storage/sqlstore"
)

// Notice2027 is a made-up State Council notice for 2027, for tests: it
// moves 元旦 to Friday–Sunday with a make-up Saturday.
const Notice2027 = `{"year": 2027, "status": "published", "source": "国务院办公厅关于2027年部分节假日安排的通知（测试）",
 "source_date": "2026-11-10", "holidays": [
  {"name": "元旦", "off": ["2027-01-01", "2027-01-02", "2027-01-03"]},
  {"name": "春节", "off": ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12", "2027-02-13"],
   "work": ["2027-01-31", "2027-02-20"]}]}`

// RunCalendar is the contract suite of the administrators' calendar years:
// stored, versioned, audited in the change's transaction, and seen by a
// second server after a refresh.
func RunCalendar(t *testing.T, open OpenPair) {
	admin := audit.Actor{UserID: 0, Name: "admin"}
	setup := func(t *testing.T) (*sla.Calendars, *sla.Calendars, *sqlstore.DB) {
		a, b := open(t)
		c := &clock{now: time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)}
		a.Now, b.Now = c.Now, c.Now
		ca, cb := &sla.Calendars{Store: a.Calendar()}, &sla.Calendars{Store: b.Calendar()}
		for _, cs := range []*sla.Calendars{ca, cb} {
			if _, err := cs.Load(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		return ca, cb, a
	}
	auditCount := func(t *testing.T, db *sqlstore.DB, action string) int {
		t.Helper()
		es, err := db.Audit().List(t.Context(), audit.Filter{Action: action, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}

	t.Run("ImportSeenByOtherServer", func(t *testing.T) {
		ca, cb, db := setup(t)
		ctx := t.Context()
		if info, _ := ca.Current().Info(2027); info.Origin != sla.OriginComputed || info.Year.Status != sla.Provisional {
			t.Fatalf("2027 before import: %+v", info)
		}
		y, err := sla.ParseYear(strings.NewReader(Notice2027))
		if err != nil {
			t.Fatal(err)
		}
		eff, err := ca.Import(ctx, y, "通知已发布", admin)
		if err != nil {
			t.Fatal(err)
		}
		info, _ := eff.Info(2027)
		if info.Origin != sla.OriginImported || info.Year.Status != sla.Published || info.Stored == nil ||
			info.Stored.By.Name != "admin" || info.Stored.Note != "通知已发布" || info.Stored.At.IsZero() {
			t.Fatalf("2027 after import: %+v", info)
		}
		if eff.Version != 1 {
			t.Errorf("version %d after one change", eff.Version)
		}
		// The other server sees the change only once it refreshes.
		if info, _ := cb.Current().Info(2027); info.Origin != sla.OriginComputed {
			t.Fatalf("other server changed before refresh: %+v", info)
		}
		if changed, err := cb.Refresh(ctx); err != nil || !changed {
			t.Fatalf("refresh = %v, %v", changed, err)
		}
		if changed, err := cb.Refresh(ctx); err != nil || changed {
			t.Fatalf("second refresh = %v, %v; want no reload", changed, err)
		}
		got, _ := cb.Current().Info(2027)
		if got.Origin != sla.OriginImported || fmt.Sprint(got.Year.Work()) != "[2027-01-31 2027-02-20]" {
			t.Fatalf("other server's 2027: %+v", got)
		}
		if n := auditCount(t, db, "calendar.import"); n != 1 {
			t.Errorf("%d import audit entries", n)
		}
	})

	t.Run("RefusedChangeWritesNothing", func(t *testing.T) {
		ca, _, db := setup(t)
		ctx := t.Context()
		// 2026-09-20 is already a make-up day of 国庆节.
		_, err := ca.AddDay(ctx, sla.DayEdit{Date: sla.Date{Year: 2026, Month: 9, Day: 20}, Kind: sla.DayOff, Name: "公司假", Reason: "测试"}, admin)
		if !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("add of a listed date: %v", err)
		}
		if _, err := ca.Revert(ctx, 2026, "没有数据", admin); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("revert without data: %v", err)
		}
		if v, _ := db.Calendar().Version(ctx); v != 0 {
			t.Errorf("version %d after refused changes", v)
		}
		if ys, _, _ := db.Calendar().Years(ctx); len(ys) != 0 {
			t.Errorf("stored %+v", ys)
		}
		if n := auditCount(t, db, ""); n != 0 {
			t.Errorf("%d audit entries after refused changes", n)
		}
	})

	t.Run("EditAndRevert", func(t *testing.T) {
		ca, _, db := setup(t)
		ctx := t.Context()
		d := sla.Date{Year: 2026, Month: 12, Day: 31}
		eff, err := ca.AddDay(ctx, sla.DayEdit{Date: d, Kind: sla.DayOff, Name: "公司年终休息", Reason: "总经理决定"}, admin)
		if err != nil {
			t.Fatal(err)
		}
		if w, _ := eff.Calendar.IsWorkingDate(d); w {
			t.Fatal("the company holiday is still a working day")
		}
		info, _ := eff.Info(2026)
		if info.Origin != sla.OriginEdited || !info.Shipped || info.Year.Status != sla.Published || info.Year.Source == "" {
			t.Fatalf("edited 2026: %+v", info)
		}
		if eff, err = ca.RemoveDay(ctx, sla.DayEdit{Date: sla.Date{Year: 2026, Month: 5, Day: 9}, Reason: "本公司不调休"}, admin); err != nil {
			t.Fatal(err)
		}
		if w, _ := eff.Calendar.IsWorkingDate(sla.Date{Year: 2026, Month: 5, Day: 9}); w {
			t.Fatal("a removed make-up Saturday is still a working day")
		}
		if w, _ := eff.Calendar.IsWorkingDate(d); w {
			t.Fatal("the second edit lost the first")
		}
		if eff, err = ca.Revert(ctx, 2026, "恢复国务院安排", admin); err != nil {
			t.Fatal(err)
		}
		if info, _ := eff.Info(2026); info.Origin != sla.OriginShipped || info.Stored != nil {
			t.Fatalf("reverted 2026: %+v", info)
		}
		if w, _ := eff.Calendar.IsWorkingDate(d); !w {
			t.Fatal("revert kept the company holiday")
		}
		for action, want := range map[string]int{"calendar.day_add": 1, "calendar.day_remove": 1, "calendar.revert": 1} {
			if n := auditCount(t, db, action); n != want {
				t.Errorf("%s: %d audit entries", action, n)
			}
		}
		if bad, _, err := db.Audit().Verify(ctx); bad != 0 || err != nil {
			t.Fatalf("audit chain: bad=%d %v", bad, err)
		}
	})

	// Edits of one year from two servers at once are serialised: none is
	// lost to a read-modify-write race.
	t.Run("ConcurrentEdits", func(t *testing.T) {
		ca, cb, db := setup(t)
		ctx := t.Context()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			cs := ca
			if i%2 == 1 {
				cs = cb
			}
			wg.Go(func() {
				d := sla.Date{Year: 2026, Month: 12, Day: 14 + i}
				_, err := cs.AddDay(ctx, sla.DayEdit{Date: d, Kind: sla.DayOff, Name: "年终", Reason: "测试"}, admin)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		ys, v, err := db.Calendar().Years(ctx)
		if err != nil || len(ys) != 1 || v != 8 {
			t.Fatalf("years %d, version %d, %v", len(ys), v, err)
		}
		for _, h := range ys[0].Year.Holidays {
			if h.Name == "年终" && len(h.Off) != 8 {
				t.Fatalf("年终 has %v: edits were lost", h.Off)
			}
		}
	})
}
