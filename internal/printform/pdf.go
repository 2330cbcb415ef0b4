package printform

import (
	_ "embed"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
)

// The fonts (see fonts/README.md): Droid Sans Fallback (Apache-2.0) has
// the CJK glyphs and no Latin ones; DejaVu Sans (Bitstream Vera licence)
// has the Latin ones. Both are glyf TrueType fonts, which fpdf subsets
// into each PDF.
var (
	//go:embed fonts/DroidSansFallbackFull.ttf
	cjkFont []byte
	//go:embed fonts/DejaVuSans.ttf
	latinFont []byte
)

// Page geometry in millimetres (A4 portrait).
const (
	pageW, pageH = 210.0, 297.0
	margin       = 15.0
	contentW     = pageW - 2*margin
	lineH        = 5.5
	labelW       = 28.0
	pad          = 1.2 // text inside a cell's border
)

// WritePDF renders d as an A4 PDF: each copy starts on a new page with its
// label in the top corner.
func WritePDF(w io.Writer, d Doc) error {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(false, margin)
	p.SetCellMargin(0)
	p.AddUTF8FontFromBytes("cjk", "", cjkFont)
	p.AddUTF8FontFromBytes("latin", "", latinFont)
	if err := p.Error(); err != nil {
		return fmt.Errorf("printform: font: %w", err)
	}
	p.SetTitle(d.Title+" "+d.Number, true)
	p.SetCreator("kesu", true)
	r := &renderer{p: p, d: d, size: 10, widths: map[rune]float64{}}
	for _, c := range d.CopyPages() {
		r.copy = c
		r.page()
		for _, s := range d.Sections {
			r.section(s)
		}
		if d.Footer != "" {
			// In the bottom margin of the copy's last page.
			p.SetTextColor(100, 100, 100)
			r.setSize(8)
			r.text(margin, pageH-margin+2, contentW, d.Footer, "R")
			r.setSize(10)
			p.SetTextColor(0, 0, 0)
		}
	}
	if err := p.Error(); err != nil {
		return fmt.Errorf("printform: %w", err)
	}
	return p.Output(w)
}

type renderer struct {
	p      *fpdf.Fpdf
	d      Doc
	copy   string
	size   float64          // font size in points
	widths map[rune]float64 // rune widths at size 10, in mm
}

// cjk tells which font sets r.
func cjk(r rune) bool { return r >= 0x2E80 }

func (r *renderer) setSize(pt float64) { r.size = pt }

// runeWidth is the width of c at the current size.
func (r *renderer) runeWidth(c rune) float64 {
	w, ok := r.widths[c]
	if !ok {
		font := "latin"
		if cjk(c) {
			font = "cjk"
		}
		r.p.SetFont(font, "", 10)
		w = r.p.GetStringWidth(string(c))
		r.widths[c] = w
	}
	return w * r.size / 10
}

func (r *renderer) width(s string) float64 {
	var w float64
	for _, c := range s {
		w += r.runeWidth(c)
	}
	return w
}

// text writes s on one line in a box of width w at (x, y), aligned "L",
// "C" or "R", switching fonts between runs of CJK and other characters.
func (r *renderer) text(x, y, w float64, s, align string) {
	switch align {
	case "C":
		x += (w - r.width(s)) / 2
	case "R":
		x += w - r.width(s)
	}
	for len(s) > 0 {
		first, _ := utf8.DecodeRuneInString(s)
		end := strings.IndexFunc(s, func(c rune) bool { return cjk(c) != cjk(first) })
		if end < 0 {
			end = len(s)
		}
		run := s[:end]
		font := "latin"
		if cjk(first) {
			font = "cjk"
		}
		rw := r.width(run) // before SetFont: measuring sets the font
		r.p.SetFont(font, "", r.size)
		r.p.SetXY(x, y)
		r.p.CellFormat(rw, lineH, run, "", 0, "L", false, 0, "")
		x += rw
		s = s[end:]
	}
}

// wrap breaks s into lines no wider than w, at spaces where it can and
// between any two CJK characters.
func (r *renderer) wrap(s string, w float64) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		var line []rune
		lineW, lastSpace := 0.0, -1
		for _, c := range para {
			cw := r.runeWidth(c)
			if lineW+cw > w && len(line) > 0 {
				cut := len(line)
				if lastSpace > 0 && !cjk(c) {
					cut = lastSpace + 1
				}
				out = append(out, strings.TrimRight(string(line[:cut]), " "))
				line = append([]rune{}, line[cut:]...)
				lineW, lastSpace = r.width(string(line)), -1
			}
			if c == ' ' {
				lastSpace = len(line)
			}
			line = append(line, c)
			lineW += cw
		}
		out = append(out, string(line))
	}
	return out
}

// page starts a page of the current copy with the form's head.
func (r *renderer) page() {
	p := r.p
	p.AddPage()
	if r.copy != "" {
		r.setSize(9)
		p.Rect(pageW-margin-45, margin-7, 45, 6, "D")
		r.text(pageW-margin-45, margin-7+0.25, 45, r.copy, "C")
	}
	r.setSize(11)
	r.text(margin, margin, contentW, r.d.Company, "C")
	r.setSize(18)
	r.text(margin, margin+8, contentW, r.d.Title, "C")
	y := margin + 17
	if r.d.Number != "" {
		r.setSize(10)
		r.text(margin, y, contentW, r.d.NumberLabel()+r.d.Number, "R")
		y += lineH + 1
	}
	r.setSize(10)
	p.SetXY(margin, y+1)
}

// need starts a new page when h millimetres do not fit on this one.
func (r *renderer) need(h float64) {
	if r.p.GetY()+h > pageH-margin {
		r.page()
	}
}

func (r *renderer) section(s Section) {
	p := r.p
	if s.Heading != "" {
		r.need(lineH*3 + 3)
		y := p.GetY() + 1
		p.SetFillColor(221, 235, 247)
		p.Rect(margin, y, contentW, 7, "FD")
		r.setSize(11)
		r.text(margin+pad, y+0.75, contentW, s.Heading, "L")
		r.setSize(10)
		p.SetXY(margin, y+7)
	}
	for _, row := range s.FieldRows() {
		if len(row) == 1 && row[0].Wide {
			r.row([]float64{labelW, contentW - labelW}, []string{row[0].Label, row[0].Value}, []bool{true, false})
			continue
		}
		half := contentW / 2
		widths := []float64{labelW, half - labelW, labelW, half - labelW}
		cells := []string{row[0].Label, row[0].Value, "", ""}
		if len(row) > 1 {
			cells[2], cells[3] = row[1].Label, row[1].Value
		}
		r.row(widths, cells, []bool{true, false, true, false})
	}
	if s.Text != "" {
		p.SetY(p.GetY() + 2)
		for _, l := range r.wrap(s.Text, contentW-2*pad) {
			r.need(lineH + 1)
			y := p.GetY()
			r.text(margin+pad, y, contentW, l, "L")
			p.SetXY(margin, y+lineH+1)
		}
	}
	if t := s.Table; t != nil && len(t.Head) > 0 {
		widths := tableWidths(t)
		fills := make([]bool, len(t.Head))
		for i := range fills {
			fills[i] = true
		}
		r.row(widths, t.Head, fills)
		for _, cells := range t.Rows {
			r.row(widths, cells, nil)
		}
	}
	if len(s.Signatures) > 0 {
		r.need(23)
		y := p.GetY() + 2
		w := contentW / float64(len(s.Signatures))
		for i, label := range s.Signatures {
			x := margin + float64(i)*w
			p.Rect(x, y, w, 20, "D")
			r.text(x+2, y+1, w-4, label, "L")
			r.setSize(8)
			r.text(x+2, y+13, w-4, r.d.SignLabel(), "L")
			r.setSize(10)
		}
		p.SetXY(margin, y+20)
	}
}

// row draws one row of bordered cells, as high as its tallest cell; fill
// marks label cells.
func (r *renderer) row(widths []float64, cells []string, fill []bool) {
	p := r.p
	n := min(len(cells), len(widths))
	lines := make([][]string, n)
	most := 1
	for i := range n {
		lines[i] = r.wrap(cells[i], widths[i]-2*pad)
		most = max(most, len(lines[i]))
	}
	h := float64(most)*lineH + 1
	r.need(h)
	x, y := margin, p.GetY()
	p.SetFillColor(242, 242, 242)
	for i := range n {
		style := "D"
		if fill != nil && fill[i] {
			style = "FD"
		}
		p.Rect(x, y, widths[i], h, style)
		for j, l := range lines[i] {
			r.text(x+pad, y+0.5+float64(j)*lineH, widths[i]-2*pad, l, "L")
		}
		x += widths[i]
	}
	p.SetXY(margin, y+h)
}

func tableWidths(t *Table) []float64 {
	out := make([]float64, len(t.Head))
	var sum float64
	for i := range out {
		out[i] = 1
		if i < len(t.Widths) && t.Widths[i] > 0 {
			out[i] = t.Widths[i]
		}
		sum += out[i]
	}
	for i := range out {
		out[i] = out[i] / sum * contentW
	}
	return out
}
