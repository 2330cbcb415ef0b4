package sla

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed holidays/*.json
var shippedFiles embed.FS

// Shipped returns the holiday years embedded in kesu (holidays/*.json),
// in year order.
func Shipped() ([]Year, error) {
	names, err := fs.Glob(shippedFiles, "holidays/*.json")
	if err != nil {
		return nil, err
	}
	out := make([]Year, 0, len(names))
	for _, name := range names {
		f, err := shippedFiles.Open(name)
		if err != nil {
			return nil, err
		}
		y, err := ParseYear(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if want := fmt.Sprintf("holidays/%d.json", y.Year); name != want {
			return nil, fmt.Errorf("%s describes year %d", name, y.Year)
		}
		out = append(out, y)
	}
	return out, nil
}

// Default returns the default calendar (Asia/Shanghai, Monday to Friday,
// 08:30–12:00 and 13:30–17:30) with the shipped holiday years.
func Default() (*Calendar, error) {
	years, err := Shipped()
	if err != nil {
		return nil, err
	}
	return New(Config{Years: years})
}
