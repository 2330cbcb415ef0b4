// Package printform lays out kesu's printable forms (SPEC RPT-4): the
// complaint handling form 客户投诉处理单 with its numbered copies, the
// acknowledgement letter 受理函 and the 8D report. A form is first built
// as a Doc — headed sections of fields, tables, text and signature boxes —
// which the staff pages render as print-ready HTML and WritePDF renders
// as an A4 PDF with the shipped CJK font.
package printform

// Doc is one printable form.
type Doc struct {
	Company string
	Title   string
	Number  string // the complaint number, printed under the title
	// Copies are the labels of the numbered copies (联), one set of pages
	// each, e.g. "第1联 质保部"; none prints one unlabelled set.
	Copies   []string
	Sections []Section
	Footer   string // a line under the last section, e.g. the print time
	// Lang is the language of the form's own words ("en" or Chinese).
	Lang string
}

// NumberLabel is the label before the form's number.
func (d Doc) NumberLabel() string {
	if d.Lang == "en" {
		return "No.: "
	}
	return "编号："
}

// SignLabel is the line in a signature box.
func (d Doc) SignLabel() string {
	if d.Lang == "en" {
		return "Signature:            Date:"
	}
	return "签字：　　　　　　日期："
}

// Section is a headed block of a form. Any of its parts may be empty;
// they print in the order fields, text, table, signatures.
type Section struct {
	Heading    string
	Fields     []Field
	Text       string // paragraphs separated by "\n"
	Table      *Table
	Signatures []string // labels of signature boxes (签字/日期)
}

// Field is one label and value; a Wide field takes a whole row.
type Field struct {
	Label, Value string
	Wide         bool
}

// Table is a table with a header row.
type Table struct {
	Head []string
	// Widths are relative column widths (any unit); nil shares equally.
	Widths []float64
	Rows   [][]string
}

// CopyPages returns the copy labels to print: Copies, or one empty label.
func (d Doc) CopyPages() []string {
	if len(d.Copies) == 0 {
		return []string{""}
	}
	return d.Copies
}

// FieldRows pairs a section's fields two to a row, a wide field alone,
// for the HTML grid.
func (s Section) FieldRows() [][]Field {
	var rows [][]Field
	var cur []Field
	for _, f := range s.Fields {
		if f.Wide {
			if len(cur) > 0 {
				rows = append(rows, cur)
				cur = nil
			}
			rows = append(rows, []Field{f})
			continue
		}
		cur = append(cur, f)
		if len(cur) == 2 {
			rows = append(rows, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		rows = append(rows, cur)
	}
	return rows
}
