// Package export writes tabular data as .xlsx workbooks and CSV files
// (SPEC RPT-4) and runs the complaint list export in the background.
//
// A Sheet describes one table: its columns (title, width, format) and a
// Rows function that yields one row at a time. Rows are streamed to the
// file as they come, so a sheet of any length is written in little memory:
//
//	s := export.Sheet{
//		Name: "按类别",
//		Columns: []export.Column{
//			{Title: "类别", Width: 20},
//			{Title: "件数", Format: export.Int},
//			{Title: "占比", Format: export.Percent},
//		},
//		Rows: func(yield func([]any) error) error {
//			for _, r := range counts {
//				if err := yield([]any{r.Label, r.N, r.Share}); err != nil {
//					return err
//				}
//			}
//			return nil
//		},
//		Chart: &export.Chart{Sheet: "按类别图", Title: "投诉类别", Type: export.ColumnChart, Values: []int{1}},
//	}
//	err := export.WriteXLSX(w, s, other)   // or export.WriteCSV(w, s)
//
// Every sheet gets a bold, filled header row, a frozen header pane, an
// auto-filter over its columns, the column widths and the number formats of
// its columns. A Chart adds a chart sheet after the data sheet, drawn over
// the rows the data sheet received.
//
// Row values may be string, any integer, float64, bool, time.Time, *time.Time,
// nil (an empty cell) and Cell (a value with its own format). A time shows its wall clock in its own location:
// convert it with In before yielding it.
package export

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Format is how a column's cells are shown.
type Format int

// Column formats.
const (
	Text     Format = iota // as written
	Int                    // whole number with thousands separators
	Decimal                // two decimals with thousands separators
	Percent                // a fraction shown as a percentage with one decimal (0.125 → 12.5%)
	DateTime               // yyyy-mm-dd hh:mm
	Date                   // yyyy-mm-dd
)

// Fen is an amount of money in minor units (1/100 of the currency unit),
// shown with two decimals: exactly in CSV, and as a number in a Decimal
// column of a workbook.
type Fen int64

// String renders the amount with two decimals, e.g. 12345 → "123.45".
func (f Fen) String() string {
	n, sign := int64(f), ""
	if n < 0 {
		n, sign = -n, "-"
	}
	return fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)
}

// Column is one column of a sheet.
type Column struct {
	Title  string
	Width  float64 // in characters; 0 picks one from the title and format
	Format Format
}

// Sheet is one table to write.
type Sheet struct {
	// Name is the worksheet's name (at most 31 characters, none of :\/?*[]).
	Name    string
	Columns []Column
	// Rows calls yield once per row, in order, and returns yield's error
	// at once when it fails (the file could not be written, or the
	// export was cancelled).
	Rows func(yield func(row []any) error) error
	// Chart, when set, adds a chart sheet drawn over this sheet's rows.
	Chart *Chart
}

// Cell is a row value with a format of its own, for a column whose cells
// differ (a summary's counts beside its averages).
type Cell struct {
	Value  any
	Format Format
}

// ChartType is a kind of chart.
type ChartType int

// Chart types.
const (
	ColumnChart ChartType = iota // vertical bars
	BarChart                     // horizontal bars
	LineChart
	PieChart
)

// Chart describes a chart over the rows of a sheet: one series per value
// column, with the category column's cells as the labels.
type Chart struct {
	Sheet    string // name of the chart sheet
	Title    string
	Type     ChartType
	Category int   // index of the column holding the labels (usually 0)
	Values   []int // indexes of the columns holding the series
}

// ErrNoColumns is returned for a sheet without columns.
var ErrNoColumns = errors.New("export: sheet has no columns")

func (s Sheet) check() error {
	if len(s.Columns) == 0 {
		return fmt.Errorf("%w: %q", ErrNoColumns, s.Name)
	}
	if s.Chart != nil {
		n := len(s.Columns)
		if s.Chart.Category < 0 || s.Chart.Category >= n || len(s.Chart.Values) == 0 {
			return fmt.Errorf("export: chart of sheet %q: bad columns", s.Name)
		}
		for _, v := range s.Chart.Values {
			if v < 0 || v >= n {
				return fmt.Errorf("export: chart of sheet %q: bad value column %d", s.Name, v)
			}
		}
	}
	return nil
}

// Rows returns a Rows function over a slice, for small sheets built in
// memory.
func Rows(rows [][]any) func(yield func([]any) error) error {
	return func(yield func([]any) error) error {
		for _, r := range rows {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	}
}

// wall returns t's wall clock as a UTC time: spreadsheet times have no zone.
func wall(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// Flatten turns sheets into one sheet with one line per figure, for CSV:
// the sheet's name, the row's item (its text columns joined by " / "), the
// column's title and the value in the column's (or the cell's) format.
// titles name the four columns. Every non-empty value outside the text
// columns becomes a line, so the file carries the workbook's figures.
func Flatten(name string, titles [4]string, sheets ...Sheet) Sheet {
	return Sheet{
		Name:    name,
		Columns: []Column{{Title: titles[0]}, {Title: titles[1]}, {Title: titles[2]}, {Title: titles[3]}},
		Rows: func(yield func([]any) error) error {
			for _, s := range sheets {
				if s.Rows == nil {
					continue
				}
				err := s.Rows(func(vals []any) error {
					var item []string
					for i, c := range s.Columns {
						if i < len(vals) && c.Format == Text {
							if v, ok := vals[i].(string); ok && v != "" {
								item = append(item, v)
							}
						}
					}
					for i, c := range s.Columns {
						if i >= len(vals) || c.Format == Text || vals[i] == nil {
							continue
						}
						v := vals[i]
						if _, ok := v.(Cell); !ok {
							v = Cell{Value: v, Format: c.Format}
						}
						if err := yield([]any{s.Name, strings.Join(item, " / "), c.Title, v}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
}
