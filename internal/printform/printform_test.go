package printform_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/letter"
	fin "kesu/internal/money"
	"kesu/internal/printform"
)

// pdfText extracts a PDF's text with pdftotext. Without pdftotext the test
// is skipped, except in CI, which must run it.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("pdftotext not installed (poppler-utils)")
		}
		t.Fatal("pdftotext not installed; CI must install poppler-utils")
	}
	path := filepath.Join(t.TempDir(), "form.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func sampleCase() printform.Case {
	received := time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC)
	closed := received.Add(72 * time.Hour)
	est := true
	qty := int64(12)
	return printform.Case{
		Complaint: &complaint.Complaint{Number: "KS-20261123-0007", Channel: "phone", ReceivedAt: received, Subject: "净水器滤芯漏水",
			Description: "客户反映滤芯接口处漏水，已拍照。", Severity: "major", Requests: []string{"replacement"},
			Complainant: complaint.Complainant{Name: "王小明", Phone: "138****8000"}, ProductName: "RO 净水器", Model: "K-500",
			BatchNo: "B2611", QtyDefective: &qty, AttachmentCount: 2, ExpectedBy: received.Add(15 * 24 * time.Hour)},
		Record: &casework.Record{Established: &est, Validity: "valid", Responsibility: "internal", RootCause: "O 型圈装配不到位",
			Resolution: "replace", Amount: 12050, Currency: "CNY", ResolutionExecuted: true, ClosedAt: &closed},
		Approvals: []casework.Approval{{LevelRole: "manager", Approver: "李经理", Decision: "approved", Comment: "同意换货", At: closed}},
		CAPA: []casework.CAPAAction{{Kind: "corrective", Description: "增加 O 型圈装配检验工序", Status: "done", Verification: "effective"},
			{Kind: "containment", Description: "隔离批次 B2611 库存", Status: "done"}},
		Company: "示例净水科技有限公司", Category: "质量 / 漏水/渗漏", Status: "已结案", Department: "质保部", Holder: "张工",
		Owner: func(a casework.CAPAAction) string { return "生产部" },
		Loc:   time.FixedZone("CST", 8*3600), Printed: closed,
	}
}

func TestHandlingFormPDF(t *testing.T) {
	var buf bytes.Buffer
	if err := printform.WritePDF(&buf, printform.HandlingForm(sampleCase())); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	if buf.Len() > 400<<10 {
		t.Errorf("PDF is %d bytes: the font is not subset", buf.Len())
	}
	text := pdfText(t, buf.Bytes())
	for _, want := range []string{"客户投诉处理单", "KS-20261123-0007", "示例净水科技有限公司", "净水器滤芯漏水", "O 型圈装配不到位",
		"换货", "公司内部", "120.50 CNY", "李经理", "增加 O 型圈装配检验工序", "2026-11-23 09:30"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	// One page per numbered copy, each with its label.
	pages := strings.Split(strings.TrimRight(text, "\f"), "\f")
	if len(pages) != len(printform.HandlingCopies) {
		t.Fatalf("%d pages, want %d", len(pages), len(printform.HandlingCopies))
	}
	for i, label := range printform.HandlingCopies {
		if !strings.Contains(pages[i], label) || !strings.Contains(pages[i], "客户投诉处理单") {
			t.Errorf("page %d lacks %q", i+1, label)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

func TestReport8DAndLetterPDF(t *testing.T) {
	var buf bytes.Buffer
	if err := printform.WritePDF(&buf, printform.Report8D(sampleCase())); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, buf.Bytes())
	for _, want := range []string{"8D 报告", "KS-20261123-0007", "D1 成立小组", "D4 根本原因分析", "隔离批次 B2611 库存", "D8 结案与祝贺小组"} {
		if !strings.Contains(text, want) {
			t.Errorf("8D PDF text lacks %q", want)
		}
	}
	c := sampleCase().Complaint
	c.TrackingCode = "ABCD1234"
	l, err := letter.Render(letter.New(c, "示例净水科技有限公司", "https://kesu.example.com", time.FixedZone("CST", 8*3600)), "zh")
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := printform.WritePDF(&buf, printform.Letter(l, c.Number, "示例净水科技有限公司")); err != nil {
		t.Fatal(err)
	}
	text = pdfText(t, buf.Bytes())
	for _, want := range []string{"受理函", "KS-20261123-0007", "我们已受理您的投诉", "ABCD1234"} {
		if !strings.Contains(text, want) {
			t.Errorf("letter PDF text lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

func TestFieldRows(t *testing.T) {
	s := printform.Section{Fields: []printform.Field{{Label: "a"}, {Label: "b", Wide: true}, {Label: "c"}, {Label: "d"}, {Label: "e"}}}
	var got []string
	for _, r := range s.FieldRows() {
		var ls []string
		for _, f := range r {
			ls = append(ls, f.Label)
		}
		got = append(got, strings.Join(ls, ""))
	}
	if strings.Join(got, "|") != "a|b|cd|e" {
		t.Errorf("rows %v", got)
	}
}

func samplePenalty() printform.PenaltyCase {
	c := sampleCase()
	dept, user := int64(3), int64(9)
	approved := c.Printed.Add(-time.Hour)
	return printform.PenaltyCase{Case: c,
		Loss: &fin.Loss{Currency: "CNY", Parts: 12050, LabourMinutes: 90, LabourRate: 8000, Labour: 12000, Freight: 3000,
			Compensation: 20000, ReturnedUnits: 2, ReturnRate: 5000, Returns: 10000, Total: 57050},
		Allocation: []printform.Allocation{{Party: "生产部", Share: 70, Amount: 39935}, {Party: "张工", Share: 30, Amount: 17115}},
		Notice: &fin.Penalty{Number: c.Complaint.Number, Currency: "CNY", Penalties: 120000, Rewards: 5050, Status: fin.StatusApproved,
			ApprovedAt: &approved, Lines: []fin.PenaltyLine{
				{Party: fin.Party{DepartmentID: &dept}, Name: "生产部", Kind: "penalty", Amount: 120000, Reason: "装配不到位"},
				{Party: fin.Party{UserID: &user}, Name: "张工", Kind: "reward", Amount: 5050, Reason: "及时隔离批次"}}},
		Approver: "周总"}
}

func TestPenaltyNoticePDF(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"zh", []string{"奖罚通知单", "KS-20261123-0007", "示例净水科技有限公司", "二、损失核算", "570.50 CNY", "伍佰柒拾元伍角整",
			"部门：生产部", "罚款", "1200.00", "壹仟贰佰元整", "装配不到位", "个人：张工", "奖励", "伍拾元伍角整", "399.35",
			"总经理已批准", "周总", "2026-11-26 08:30", "财务部", "签字："}},
		{"en", []string{"Reward/penalty notice", "KS-20261123-0007", "2. Loss and costing", "570.50 CNY",
			"Five hundred seventy yuan and fifty fen", "Department: 生产部", "Penalty", "One thousand two",
			"Person: 张工", "Reward", "Fifty yuan and fifty fen", "Approved by the general", "周总", "Finance", "Signature:"}},
	} {
		var buf bytes.Buffer
		if err := printform.WritePDF(&buf, printform.PenaltyNotice(samplePenalty(), tc.lang)); err != nil {
			t.Fatal(err)
		}
		text := pdfText(t, buf.Bytes())
		for _, want := range tc.want {
			if !strings.Contains(text, want) {
				t.Errorf("%s notice lacks %q", tc.lang, want)
			}
		}
		if tc.lang == "en" && strings.ContainsAny(text, "：（）；，") {
			t.Errorf("the English notice has full-width punctuation")
		}
		if t.Failed() {
			t.Log(text)
		}
	}
}
