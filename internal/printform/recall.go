package printform

import (
	"strconv"
	"strings"

	"kesu/internal/recall"
)

// FormRecall is the public recall notice 产品召回公告.
const FormRecall = "recall"

// RecallNotice is the public notice of a recall (000 §4.3): the product
// with its code, lots, production dates, specification and packaging,
// the reason, how consumers return the goods, and the photos by name, in
// Chinese or, with lang "en", in English.
func RecallNotice(r *recall.Detail, company, lang string) Doc {
	w := recallWords["zh"]
	if lang == "en" {
		w = recallWords["en"]
	}
	dates := ""
	if r.ProducedFrom != nil {
		dates = r.ProducedFrom.Format("2006-01-02")
	}
	if r.ProducedTo != nil {
		dates += " ~ " + r.ProducedTo.Format("2006-01-02")
	}
	d := Doc{Company: company, Title: w["title"], Number: r.Number(), Lang: lang}
	d.Sections = append(d.Sections, Section{Heading: w["product"], Fields: []Field{
		{Label: w["name"], Value: r.ProductName},
		{Label: w["code"], Value: r.ProductCode},
		{Label: w["lots"], Value: strings.Join(r.Lots, ", ")},
		{Label: w["dates"], Value: dates},
		{Label: w["spec"], Value: r.Spec},
		{Label: w["packaging"], Value: r.Packaging},
	}}, Section{Heading: w["reason"], Text: r.Reason},
		Section{Heading: w["return"], Text: r.HowToReturn})
	if len(r.Photos) > 0 {
		t := &Table{Head: []string{w["photo"], w["size"]}, Widths: []float64{4, 1}}
		for _, p := range r.Photos {
			t.Rows = append(t.Rows, []string{p.Name, strconv.FormatInt((p.Size+1023)/1024, 10) + " KB"})
		}
		d.Sections = append(d.Sections, Section{Heading: w["photos"], Table: t})
	}
	d.Footer = w["opened"] + r.OpenedAt.Format("2006-01-02")
	return d
}

var recallWords = map[string]map[string]string{
	"zh": {"title": "产品召回公告", "product": "一、召回产品", "name": "产品名称", "code": "产品编码", "lots": "批号", "dates": "生产日期",
		"spec": "规格", "packaging": "包装", "reason": "二、召回原因", "return": "三、退货方式", "photos": "四、产品照片", "photo": "照片",
		"size": "大小", "opened": "发布日期："},
	"en": {"title": "Product recall notice", "product": "1. Product recalled", "name": "Product", "code": "Product code", "lots": "Lots",
		"dates": "Production dates", "spec": "Specification", "packaging": "Packaging", "reason": "2. Reason", "return": "3. How to return it",
		"photos": "4. Photos", "photo": "Photo", "size": "Size", "opened": "Published: "},
}
