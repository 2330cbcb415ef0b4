package export_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thedatashed/xlsxreader"

	"kesu/internal/export"
)

var shanghai = time.FixedZone("CST", 8*3600)

func sample() export.Sheet {
	received := time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC).In(shanghai) // 09:30 in Shanghai
	return export.Sheet{
		Name: "投诉登记",
		Columns: []export.Column{
			{Title: "编号", Width: 18},
			{Title: "受理时间", Format: export.DateTime},
			{Title: "件数", Format: export.Int},
			{Title: "金额", Format: export.Decimal},
			{Title: "占比", Format: export.Percent},
			{Title: "客户"},
		},
		Rows: export.Rows([][]any{
			{"KS-20261123-0001", received, 1234, 56.5, 0.125, "上海某某贸易有限公司"},
			{"KS-20261123-0002", nil, int64(7), nil, 1.0, `含"引号",和逗号`},
		}),
		Chart: &export.Chart{Sheet: "图表", Title: "件数", Type: export.ColumnChart, Category: 0, Values: []int{2}},
	}
}

// TestXLSXReadBack writes with excelize and reads back with xlsxreader and
// the raw package XML, cell by cell.
func TestXLSXReadBack(t *testing.T) {
	var buf bytes.Buffer
	if err := export.WriteXLSX(&buf, sample(), export.Sheet{Name: "空表", Columns: []export.Column{{Title: "甲"}}}); err != nil {
		t.Fatal(err)
	}
	x, err := xlsxreader.NewReader(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Sheets) < 2 || x.Sheets[0] != "投诉登记" || x.Sheets[1] != "图表" {
		t.Fatalf("sheets = %v", x.Sheets)
	}
	var rows [][]xlsxreader.Cell
	for r := range x.ReadRows("投诉登记") {
		if r.Error != nil {
			t.Fatal(r.Error)
		}
		rows = append(rows, r.Cells)
	}
	if len(rows) != 3 {
		t.Fatalf("rows = %d, want 3", len(rows))
	}
	want := [][]string{
		{"编号", "受理时间", "件数", "金额", "占比", "客户"},
		{"KS-20261123-0001", "2026-11-23T09:30:00Z", "1234", "56.5", "0.125", "上海某某贸易有限公司"},
		{"KS-20261123-0002", "", "7", "", "1", `含"引号",和逗号`},
	}
	for i, w := range want {
		got := map[string]xlsxreader.Cell{}
		for _, c := range rows[i] {
			got[c.Column] = c
		}
		for j, v := range w {
			col := string(rune('A' + j))
			if got[col].Value != v {
				t.Errorf("%s%d = %q, want %q", col, i+1, got[col].Value, v)
			}
		}
	}
	for _, c := range rows[1] {
		switch c.Column {
		case "B":
			if c.Type != xlsxreader.TypeDateTime {
				t.Errorf("B2 type %s, want datetime", c.Type)
			}
		case "C", "D", "E":
			if c.Type != xlsxreader.TypeNumerical {
				t.Errorf("%s2 type %s, want numerical", c.Column, c.Type)
			}
		}
	}

	// Number formats, frozen pane and auto-filter, from the package XML.
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	sheetXML := readZip(t, z, "xl/worksheets/sheet1.xml")
	var ws struct {
		Pane struct {
			YSplit string `xml:"ySplit,attr"`
			State  string `xml:"state,attr"`
		} `xml:"sheetViews>sheetView>pane"`
		AutoFilter struct {
			Ref string `xml:"ref,attr"`
		} `xml:"autoFilter"`
		Rows []struct {
			Cells []struct {
				R string `xml:"r,attr"`
				S int    `xml:"s,attr"`
			} `xml:"c"`
		} `xml:"sheetData>row"`
	}
	if err := xml.Unmarshal(sheetXML, &ws); err != nil {
		t.Fatal(err)
	}
	if ws.Pane.State != "frozen" || ws.Pane.YSplit != "1" {
		t.Errorf("pane = %+v, want frozen below row 1", ws.Pane)
	}
	if strings.ReplaceAll(ws.AutoFilter.Ref, "$", "") != "A1:F3" {
		t.Errorf("auto-filter = %q, want A1:F3", ws.AutoFilter.Ref)
	}
	var st struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		XFs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
			FontID   int `xml:"fontId,attr"`
			FillID   int `xml:"fillId,attr"`
		} `xml:"cellXfs>xf"`
		Fonts []struct {
			Bold *struct{} `xml:"b"`
		} `xml:"fonts>font"`
	}
	if err := xml.Unmarshal(readZip(t, z, "xl/styles.xml"), &st); err != nil {
		t.Fatal(err)
	}
	code := func(cell string) string {
		for _, r := range ws.Rows {
			for _, c := range r.Cells {
				if c.R == cell {
					id := st.XFs[c.S].NumFmtID
					for _, f := range st.NumFmts {
						if f.ID == id {
							return f.Code
						}
					}
					return "builtin " + strconv.Itoa(id)
				}
			}
		}
		return "missing"
	}
	for cell, want := range map[string]string{"B2": "yyyy-mm-dd hh:mm", "C2": "#,##0", "D2": "#,##0.00", "E2": "0.0%"} {
		if got := code(cell); got != want {
			t.Errorf("%s format %q, want %q", cell, got, want)
		}
	}
	hdr := st.XFs[ws.Rows[0].Cells[0].S]
	if st.Fonts[hdr.FontID].Bold == nil || hdr.FillID == 0 {
		t.Errorf("header style %+v: want bold font and a fill", hdr)
	}
	if !bytes.Contains(readZip(t, z, "xl/charts/chart1.xml"), []byte("&#39;投诉登记&#39;!$C$2:$C$3")) {
		t.Error("chart does not draw the data sheet's C2:C3")
	}
}

func readZip(t *testing.T, z *zip.Reader, name string) []byte {
	t.Helper()
	f, err := z.Open(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := export.WriteCSV(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatalf("no UTF-8 BOM: % x", buf.Bytes()[:3])
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), export.BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"编号", "受理时间", "件数", "金额", "占比", "客户"},
		{"KS-20261123-0001", "2026-11-23 09:30", "1234", "56.50", "12.5%", "上海某某贸易有限公司"},
		{"KS-20261123-0002", "", "7", "", "100.0%", `含"引号",和逗号`},
	}
	if len(recs) != len(want) {
		t.Fatalf("records = %d", len(recs))
	}
	for i := range want {
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %q, want %q", i, recs[i], want[i])
		}
	}
}

func TestBadSheet(t *testing.T) {
	if err := export.WriteXLSX(io.Discard, export.Sheet{Name: "x"}); err == nil {
		t.Error("a sheet without columns was written")
	}
	s := sample()
	s.Chart.Values = []int{9}
	if err := export.WriteXLSX(io.Discard, s); err == nil {
		t.Error("a chart over a missing column was written")
	}
}

// TestCSVFormulaInjection: text cells that a spreadsheet would run as a
// formula are written with a leading single quote; numbers, dates and
// harmless text are written as they are.
func TestCSVFormulaInjection(t *testing.T) {
	s := export.Sheet{
		Name:    "注入",
		Columns: []export.Column{{Title: "文本"}, {Title: "数", Format: export.Int}},
		Rows: export.Rows([][]any{
			{"=HYPERLINK(\"http://x\",\"点此\")", -5},
			{"+1+1", 0},
			{"-2+3", -1},
			{"@SUM(A1:A2)", nil},
			{"\t=1+1", nil},
			{"\r=1+1", nil},
			{"张三 = 李四", nil},
			{export.Cell{Value: "=1", Format: export.Text}, export.Cell{Value: 3, Format: export.Int}},
		}),
	}
	var buf bytes.Buffer
	if err := export.WriteCSV(&buf, s); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), export.BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"文本", "数"},
		{"'=HYPERLINK(\"http://x\",\"点此\")", "-5"}, {"'+1+1", "0"}, {"'-2+3", "-1"}, {"'@SUM(A1:A2)", ""},
		{"'\t=1+1", ""}, {"'=1+1", ""}, {"张三 = 李四", ""}, {"'=1", "3"}}
	// With CRLF line ends encoding/csv drops a lone CR inside a field;
	// the quote in front stays.
	if len(recs) != len(want) {
		t.Fatalf("records = %q", recs)
	}
	for i := range want {
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("record %d = %q, want %q", i, recs[i], want[i])
		}
	}
}

// TestFlatten: every figure of the sheets becomes one CSV line named by
// sheet, item and column, in the column's format (or the cell's).
func TestFlatten(t *testing.T) {
	sum := export.Sheet{Name: "汇总", Columns: []export.Column{{Title: "项目"}, {Title: "数值", Format: export.Int}, {Title: "占比", Format: export.Percent}},
		Rows: export.Rows([][]any{{"投诉总数", 3, nil}, {"未结", 2, 0.6667}, {"平均满意度", export.Cell{Value: 4.5, Format: export.Decimal}, nil}})}
	var buf bytes.Buffer
	if err := export.WriteCSV(&buf, export.Flatten("统计表", [4]string{"表", "项目", "指标", "数值"}, sum)); err != nil {
		t.Fatal(err)
	}
	want := "\ufeff表,项目,指标,数值\r\n汇总,投诉总数,数值,3\r\n汇总,未结,数值,2\r\n汇总,未结,占比,66.7%\r\n汇总,平均满意度,数值,4.50\r\n"
	if buf.String() != want {
		t.Errorf("flattened CSV = %q, want %q", buf.String(), want)
	}
}
