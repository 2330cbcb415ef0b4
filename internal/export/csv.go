package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

// BOM is the UTF-8 byte order mark a CSV file starts with: without it Excel
// reads the file in the system's code page and garbles Chinese.
const BOM = "\ufeff"

// WriteCSV writes s as a CSV file: the UTF-8 BOM, the header row, then the
// rows, with CRLF line ends as Excel writes them. Numbers are written
// without thousands separators, percentages as "12.5%", times in their
// own location.
func WriteCSV(w io.Writer, s Sheet) error {
	if err := s.check(); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString(BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	rec := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		rec[i] = c.Title
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	if s.Rows != nil {
		err := s.Rows(func(vals []any) error {
			for i, c := range s.Columns {
				rec[i] = ""
				if i < len(vals) {
					rec[i] = csvValue(cellValue(vals[i]), c.Format)
				}
			}
			return cw.Write(rec)
		})
		if err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// Neutralise returns s so that a spreadsheet opening the CSV file shows it
// as text instead of running it as a formula: a cell beginning with = + -
// @, a tab or a carriage return gets a single quote in front, as OWASP
// recommends against CSV injection. Every CSV kesu writes goes through
// WriteCSV, which applies it to every text cell.
func Neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// csvValue renders one cell value as text. Text is neutralised against
// formula injection (see Neutralise); numbers and times are not text.
func csvValue(v any, f Format) string {
	switch v := v.(type) {
	case nil:
		return ""
	case Cell:
		return csvValue(cellValue(v.Value), v.Format)
	case string:
		return Neutralise(v)
	case time.Time:
		if f == Date {
			return v.Format(time.DateOnly)
		}
		return v.Format("2006-01-02 15:04")
	case bool:
		return strconv.FormatBool(v)
	case float64:
		switch f {
		case Percent:
			return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
		case Decimal:
			return strconv.FormatFloat(v, 'f', 2, 64)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case float32:
		return csvValue(float64(v), f)
	case Fen:
		return v.String()
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	}
	return fmt.Sprint(v)
}
