package ui

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"

	"github.com/yeqown/go-qrcode/v2"
)

// qrQuiet and qrScale shape the QR image: the four-module white margin a
// reader needs around the code, and the pixels per module. The page sizes
// the image in millimetres and keeps its pixels sharp, so a few pixels per
// module are enough for paper and screen.
const (
	qrQuiet = 4
	qrScale = 4
)

// qrDataURL returns text as a QR code (error correction Q, enough for a
// scuffed thermal ticket) in a PNG data URL for an img element. The image
// is made here and travels inside the page: the text, which may be a
// secret link, is not sent to another address. (The QR library writes
// what it encodes to the log only when its QRCODE_DEBUG variable is set.)
func qrDataURL(text string) (template.URL, error) {
	code, err := qrcode.New(text)
	if err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	var bits matrixWriter
	if err := code.Save(&bits); err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	n := len(bits.rows) + 2*qrQuiet
	img := image.NewPaletted(image.Rect(0, 0, n*qrScale, n*qrScale), color.Palette{color.White, color.Black})
	for y, row := range bits.rows {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := range qrScale {
				for dx := range qrScale {
					img.SetColorIndex((x+qrQuiet)*qrScale+dx, (y+qrQuiet)*qrScale+dy, 1)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// matrixWriter keeps the modules of a QR code: rows of dark (true) and
// light.
type matrixWriter struct{ rows [][]bool }

func (w *matrixWriter) Write(m qrcode.Matrix) error {
	w.rows = m.Bitmap()
	return nil
}

func (w *matrixWriter) Close() error { return nil }
