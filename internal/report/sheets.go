package report

import (
	"fmt"
	"time"

	"kesu/internal/casework"
	"kesu/internal/export"
)

// Sheets lays out the statistics table as workbook sheets in lang
// ("en" or Chinese): a summary, each breakdown, the time limits, the stage
// times, satisfaction, the Pareto analyses and the trend, with charts
// for the trend and the category Pareto. The CSV export writes Long
// instead, one line per figure.
func Sheets(st *Stats, lang string) []export.Sheet {
	l := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	period := st.From.Format("2006-01-02") + " – " + st.To.AddDate(0, 0, -1).Format("2006-01-02")
	summary := [][]any{
		{l("统计期间", "Period"), period, nil},
		{l("投诉总数", "Complaints"), st.Total, nil},
		{l("未结", "Open"), st.Open, ratio(st.Open, st.Total)},
		{l("其中逾期", "Of which overdue"), st.Overdue, ratio(st.Overdue, st.Total)},
		{l("已结", "Closed"), st.Closed, ratio(st.Closed, st.Total)},
		{l("成立", "Established"), st.Established, ratio(st.Established, st.Total)},
		{l("不成立", "Not established"), st.NotEstablished, ratio(st.NotEstablished, st.Total)},
		{l("未判定", "Undecided"), st.Undecided, ratio(st.Undecided, st.Total)},
		{l("重复投诉", "Repeats"), st.Repeats, st.RepeatRate},
		{l("重开", "Reopened"), st.Reopened, st.ReopenRate},
		{l("撤诉", "Withdrawn"), st.Withdrawn, st.WithdrawalRate},
		{l("经客户同意延期", "Extended with consent"), st.Extended, ratio(st.Extended, st.Total)},
		{l("回访评分件数", "Follow-up scores"), st.Satisfaction.Answered, nil},
		{l("平均满意度（5分制）", "Mean satisfaction (of 5)"), export.Cell{Value: st.Satisfaction.Mean, Format: export.Decimal}, nil},
	}
	sheets := []export.Sheet{{
		Name: l("汇总", "Summary"),
		Columns: []export.Column{{Title: l("项目", "Figure"), Width: 24}, {Title: l("数值", "Value"), Format: export.Int, Width: 24},
			{Title: l("占比", "Share"), Format: export.Percent}},
		Rows: export.Rows(summary),
	}}
	var rows [][]any
	for _, b := range st.Breakdowns {
		d, _ := Dimensions.Find(b.Dim)
		for _, r := range b.Rows {
			rows = append(rows, []any{d.Label(lang), label(lang, r.ZH, r.EN), r.Count, r.Share, r.Open, r.Overdue, r.Closed})
		}
	}
	sheets = append(sheets, export.Sheet{
		Name: l("分类统计", "Breakdowns"),
		Columns: []export.Column{{Title: l("维度", "Dimension"), Width: 14}, {Title: l("项目", "Item"), Width: 24},
			{Title: l("件数", "Count"), Format: export.Int}, {Title: l("占比", "Share"), Format: export.Percent},
			{Title: l("未结", "Open"), Format: export.Int}, {Title: l("逾期", "Overdue"), Format: export.Int},
			{Title: l("已结", "Closed"), Format: export.Int}},
		Rows: export.Rows(rows),
	})
	rows = nil
	for _, x := range st.Limits {
		rows = append(rows, []any{x.Policy, label(lang, x.ZH, x.EN), x.Met, x.Breached, x.NotApplicable, x.Running, x.OnTime})
	}
	sheets = append(sheets, export.Sheet{
		Name: l("时限按时率", "Time limits"),
		Columns: []export.Column{{Title: l("代码", "Code")}, {Title: l("时限", "Time limit"), Width: 28},
			{Title: l("按时", "Met"), Format: export.Int}, {Title: l("逾期", "Missed"), Format: export.Int},
			{Title: l("不适用", "Not applicable"), Format: export.Int},
			{Title: l("进行中", "Running"), Format: export.Int}, {Title: l("按时率", "On time"), Format: export.Percent}},
		Rows: export.Rows(rows),
	})
	rows = nil
	for i, s := range st.Stages {
		rows = append(rows, []any{Stages[i].Label(lang), s.Count, s.Mean, s.Median, s.P90})
	}
	sheets = append(sheets, export.Sheet{
		Name: l("阶段用时", "Stage times"),
		Columns: []export.Column{{Title: l("阶段", "Stage"), Width: 30}, {Title: l("件数", "Cases"), Format: export.Int},
			{Title: l("平均（小时）", "Mean (h)"), Format: export.Decimal}, {Title: l("中位数（小时）", "Median (h)"), Format: export.Decimal},
			{Title: l("P90（小时）", "P90 (h)"), Format: export.Decimal}},
		Rows: export.Rows(rows),
	})
	rows = nil
	for i, n := range st.Satisfaction.Scores {
		rows = append(rows, []any{fmt.Sprintf(l("%d 分", "Score %d"), i+1), n, ratio(n, st.Satisfaction.Answered)})
	}
	sheets = append(sheets, export.Sheet{
		Name:    l("满意度", "Satisfaction"),
		Columns: []export.Column{{Title: l("评分", "Score")}, {Title: l("件数", "Count"), Format: export.Int}, {Title: l("占比", "Share"), Format: export.Percent}},
		Rows:    export.Rows(rows),
	})
	for _, p := range st.Pareto {
		rows = nil
		for _, it := range p.Items {
			rows = append(rows, []any{label(lang, it.ZH, it.EN), it.Count, it.Cumulative})
		}
		name := map[string]string{"category": l("柏拉图-小类", "Pareto categories"), "root_cause": l("柏拉图-原因", "Pareto causes"),
			"responsibility": l("柏拉图-责任", "Pareto responsibility")}[p.Dim]
		sh := export.Sheet{Name: name,
			Columns: []export.Column{{Title: l("项目", "Item"), Width: 28}, {Title: l("件数", "Count"), Format: export.Int},
				{Title: l("累计占比", "Cumulative"), Format: export.Percent}},
			Rows: export.Rows(rows)}
		if p.Dim == "category" {
			sh.Chart = &export.Chart{Sheet: l("柏拉图图表", "Pareto chart"), Title: l("投诉小类柏拉图", "Complaints by sub-category"),
				Type: export.ColumnChart, Category: 0, Values: []int{1}}
		}
		sheets = append(sheets, sh)
	}
	rows = nil
	for _, m := range st.Trend {
		var mom, yoy any
		if m.MoM != nil {
			mom = *m.MoM
		}
		if m.YoY != nil {
			yoy = *m.YoY
		}
		rows = append(rows, []any{m.Month, m.Count, m.PrevYear, mom, yoy})
	}
	sheets = append(sheets, export.Sheet{
		Name: l("月度趋势", "Trend"),
		Columns: []export.Column{{Title: l("月份", "Month")}, {Title: l("件数", "Count"), Format: export.Int},
			{Title: l("去年同期", "Year before"), Format: export.Int}, {Title: l("环比", "MoM"), Format: export.Percent},
			{Title: l("同比", "YoY"), Format: export.Percent}},
		Rows:  export.Rows(rows),
		Chart: &export.Chart{Sheet: l("趋势图表", "Trend chart"), Title: l("月度投诉趋势", "Complaints per month"), Type: export.ColumnChart, Category: 0, Values: []int{1, 2}},
	})
	return sheets
}

// Long is the statistics table as one sheet with one line per figure, for
// CSV: the workbook's sheets flattened (sheet, item, figure, value), so the
// file carries the same figures as the workbook and the page.
func Long(st *Stats, lang string) export.Sheet {
	l := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	return export.Flatten(l("统计表", "Statistics"), [4]string{l("表", "Table"), l("项目", "Item"), l("指标", "Figure"), l("数值", "Value")},
		Sheets(st, lang)...)
}

func label(lang, zh, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return zh
}

// LossSheets lays out the monthly loss list (FIN-2): the lines and the
// totals per party, amounts in yuan. Times are shown in loc.
func LossSheets(ls *Losses, lang string, loc *time.Location) []export.Sheet {
	if loc == nil {
		loc = time.UTC
	}
	l := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	yuan := func(fen int64) export.Fen { return export.Fen(fen) }
	var rows [][]any
	for _, x := range ls.Lines {
		rows = append(rows, []any{x.Number, x.ClosedAt.In(loc), label(lang, x.CategoryZH, x.CategoryEN),
			casework.Resolutions.Label(x.Resolution, lang), x.Currency, yuan(x.Amount),
			x.Department, x.Person, x.Supplier, float64(x.Share) / 100, yuan(x.Allocated)})
	}
	lines := export.Sheet{
		Name: l("损失分摊明细", "Loss lines"),
		Columns: []export.Column{{Title: l("投诉编号", "Number"), Width: 18}, {Title: l("结案时间", "Closed"), Format: export.DateTime},
			{Title: l("类别", "Category"), Width: 16}, {Title: l("处理方式", "Resolution")}, {Title: l("币种", "Currency")},
			{Title: l("金额（元）", "Amount"), Format: export.Decimal}, {Title: l("责任部门", "Department"), Width: 12},
			{Title: l("责任人", "Person")}, {Title: l("供应商", "Supplier"), Width: 16}, {Title: l("分摊比例", "Share"), Format: export.Percent},
			{Title: l("分摊金额（元）", "Allocated"), Format: export.Decimal}},
		Rows: export.Rows(rows),
	}
	rows = nil
	kinds := map[string]string{"department": l("部门", "Department"), "person": l("个人", "Person"), "supplier": l("供应商", "Supplier"),
		"none": l("未定", "None")}
	for _, t := range ls.Totals {
		rows = append(rows, []any{kinds[t.Kind], t.Name, t.Cases, yuan(t.Allocated)})
	}
	totals := export.Sheet{
		Name: l("责任方合计", "Totals"),
		Columns: []export.Column{{Title: l("类型", "Kind")}, {Title: l("责任方", "Party"), Width: 18}, {Title: l("件数", "Cases"), Format: export.Int},
			{Title: l("分摊金额（元）", "Allocated"), Format: export.Decimal}},
		Rows: export.Rows(rows),
	}
	return []export.Sheet{totals, lines}
}
