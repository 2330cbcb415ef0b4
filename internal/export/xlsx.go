package export

import (
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// numFmts are the Excel number formats of the column formats.
var numFmts = map[Format]string{
	Int:      "#,##0",
	Decimal:  "#,##0.00",
	Percent:  "0.0%",
	DateTime: "yyyy-mm-dd hh:mm",
	Date:     "yyyy-mm-dd",
}

// defaultWidths are the widths, in characters, a column of a format gets
// at least.
var defaultWidths = map[Format]float64{Text: 10, Int: 10, Decimal: 12, Percent: 9, DateTime: 17, Date: 11}

// WriteXLSX writes the sheets, in order, as one .xlsx workbook. Rows are
// streamed: the workbook's size does not bound the memory it takes.
func WriteXLSX(w io.Writer, sheets ...Sheet) (err error) {
	if len(sheets) == 0 {
		return fmt.Errorf("export: no sheets")
	}
	for _, s := range sheets {
		if err := s.check(); err != nil {
			return err
		}
	}
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), s.Name); err != nil {
				return fmt.Errorf("export: sheet %q: %w", s.Name, err)
			}
		} else if _, err := f.NewSheet(s.Name); err != nil {
			return fmt.Errorf("export: sheet %q: %w", s.Name, err)
		}
		n, err := writeSheet(f, st, s)
		if err != nil {
			return err
		}
		if s.Chart != nil && n > 0 {
			if err := addChart(f, s, n); err != nil {
				return err
			}
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

// styles are the workbook's cell styles: the header's and one per format.
type styles struct {
	header int
	format map[Format]int
}

func newStyles(f *excelize.File) (*styles, error) {
	st := &styles{format: map[Format]int{}}
	var err error
	st.header, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border: []excelize.Border{{Type: "bottom", Color: "7F7F7F", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
			{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "top", Color: "BFBFBF", Style: 1}},
	})
	if err != nil {
		return nil, err
	}
	for fm, code := range numFmts {
		c := code
		id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &c})
		if err != nil {
			return nil, err
		}
		st.format[fm] = id
	}
	return st, nil
}

// writeSheet streams s into its worksheet and returns how many data rows
// it wrote.
func writeSheet(f *excelize.File, st *styles, s Sheet) (int, error) {
	sw, err := f.NewStreamWriter(s.Name)
	if err != nil {
		return 0, err
	}
	// Widths and panes go before the first row.
	for i, c := range s.Columns {
		if err := sw.SetColWidth(i+1, i+1, width(c)); err != nil {
			return 0, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return 0, err
	}
	head := make([]any, len(s.Columns))
	for i, c := range s.Columns {
		head[i] = excelize.Cell{StyleID: st.header, Value: c.Title}
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{Height: 20}); err != nil {
		return 0, err
	}
	row := 1
	cells := make([]any, len(s.Columns))
	if s.Rows != nil {
		err = s.Rows(func(vals []any) error {
			row++
			for i := range s.Columns {
				var v any
				fm := s.Columns[i].Format
				if i < len(vals) {
					v = vals[i]
					if c, ok := v.(Cell); ok {
						v, fm = c.Value, c.Format
					}
					v = cellValue(v)
				}
				cells[i] = excelize.Cell{StyleID: st.format[fm], Value: v}
			}
			cell, _ := excelize.CoordinatesToCellName(1, row)
			return sw.SetRow(cell, cells)
		})
		if err != nil {
			return 0, err
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(s.Columns), max(row, 2))
	// The worksheet's auto-filter is written out by Flush.
	if err := f.AutoFilter(s.Name, "A1:"+last, nil); err != nil {
		return 0, err
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	return row - 1, nil
}

// cellValue turns a row value into what the stream writer takes.
func cellValue(v any) any {
	switch v := v.(type) {
	case time.Time:
		if v.IsZero() {
			return nil
		}
		return wall(v)
	case *time.Time:
		if v == nil || v.IsZero() {
			return nil
		}
		return wall(*v)
	case *int64:
		if v == nil {
			return nil
		}
		return *v
	case Fen:
		// A spreadsheet stores every number as a double; a decimal with
		// two places below 2^53 fen converts to the shortest text that
		// reads back as the same amount, so the file shows it exactly.
		return float64(v) / 100
	}
	return v
}

// width is a column's width: as set, or enough for its title (CJK
// characters are two wide) and its format.
func width(c Column) float64 {
	if c.Width > 0 {
		return c.Width
	}
	w := 2.0
	for _, r := range c.Title {
		if utf8.RuneLen(r) > 1 {
			w += 2
		} else {
			w++
		}
	}
	return max(w, defaultWidths[c.Format])
}

var chartTypes = map[ChartType]excelize.ChartType{
	ColumnChart: excelize.Col,
	BarChart:    excelize.Bar,
	LineChart:   excelize.Line,
	PieChart:    excelize.Pie,
}

// addChart adds s.Chart as a chart sheet over s's n data rows.
func addChart(f *excelize.File, s Sheet, n int) error {
	ref := func(col, row int) string {
		name, _ := excelize.CoordinatesToCellName(col+1, row, true)
		return name
	}
	sheet := "'" + s.Name + "'!"
	c := &excelize.Chart{
		Type:   chartTypes[s.Chart.Type],
		Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: s.Chart.Title}}},
		Legend: excelize.ChartLegend{Position: "bottom"},
	}
	for _, v := range s.Chart.Values {
		c.Series = append(c.Series, excelize.ChartSeries{
			Name:       sheet + ref(v, 1),
			Categories: sheet + ref(s.Chart.Category, 2) + ":" + ref(s.Chart.Category, n+1),
			Values:     sheet + ref(v, 2) + ":" + ref(v, n+1),
		})
	}
	if err := f.AddChartSheet(s.Chart.Sheet, c); err != nil {
		return fmt.Errorf("export: chart sheet %q: %w", s.Chart.Sheet, err)
	}
	return nil
}
