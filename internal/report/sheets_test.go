package report_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"testing"
	"time"

	"kesu/internal/export"
	"kesu/internal/report"
)

// TestSummaryCountsAreWholeNumbers: in the workbook's summary sheet the
// counts show as whole numbers (#,##0) and only the mean satisfaction with
// two decimals, as the page shows them.
func TestSummaryCountsAreWholeNumbers(t *testing.T) {
	st := &report.Stats{From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		Total: 3, Open: 2, Closed: 1, Satisfaction: report.Satisfaction{Answered: 2, Mean: 4.5}}
	var buf bytes.Buffer
	if err := export.WriteXLSX(&buf, report.Sheets(st, "zh")...); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		f, err := z.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		return b
	}
	var ws struct {
		Rows []struct {
			Cells []struct {
				R string `xml:"r,attr"`
				S int    `xml:"s,attr"`
				T string `xml:"t,attr"`
				V string `xml:"v"`
			} `xml:"c"`
		} `xml:"sheetData>row"`
	}
	var st2 struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		XFs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := xml.Unmarshal(read("xl/worksheets/sheet1.xml"), &ws); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(read("xl/styles.xml"), &st2); err != nil {
		t.Fatal(err)
	}
	cell := func(ref string) (format, typ, value string) {
		for _, r := range ws.Rows {
			for _, c := range r.Cells {
				if c.R == ref {
					for _, f := range st2.NumFmts {
						if f.ID == st2.XFs[c.S].NumFmtID {
							return f.Code, c.T, c.V
						}
					}
					return "builtin", c.T, c.V
				}
			}
		}
		return "missing", "", ""
	}
	// Row 3 is the total, row 4 the open cases, row 15 the mean score.
	for ref, want := range map[string][2]string{"B3": {"#,##0", "3"}, "B4": {"#,##0", "2"}, "B15": {"#,##0.00", "4.5"}} {
		f, typ, v := cell(ref)
		if f != want[0] || v != want[1] || (typ != "" && typ != "n") {
			t.Errorf("%s: format %q type %q value %q, want format %q value %q in a numeric cell", ref, f, typ, v, want[0], want[1])
		}
	}
}
