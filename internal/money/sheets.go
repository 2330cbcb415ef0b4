package money

import (
	"strings"
	"time"

	"kesu/internal/export"
)

// PenaltySheets lays out the monthly reward/penalty list: the totals per
// party, then the lines, amounts in major units. Times are shown in loc.
func PenaltySheets(m *Monthly, lang string, loc *time.Location) []export.Sheet {
	if loc == nil {
		loc = time.UTC
	}
	l := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	kinds := map[string]string{"department": l("部门", "Department"), "person": l("个人", "Person"), "supplier": l("供应商", "Supplier"),
		KindPenalty: l("罚", "Penalty"), KindReward: l("奖", "Reward")}
	var rows [][]any
	for _, t := range m.Totals {
		rows = append(rows, []any{kinds[t.PartyKind], t.Party, t.Currency, t.Cases, export.Fen(t.Penalties), export.Fen(t.Rewards), export.Fen(t.Net)})
	}
	for _, s := range m.Sums {
		rows = append(rows, []any{l("合计", "Total"), "", s.Currency, m.Cases, export.Fen(s.Penalties), export.Fen(s.Rewards),
			export.Fen(s.Rewards - s.Penalties)})
	}
	totals := export.Sheet{
		Name: l("奖罚汇总", "Totals"),
		Columns: []export.Column{{Title: l("类型", "Kind")}, {Title: l("对象", "Party"), Width: 18}, {Title: l("币种", "Currency")},
			{Title: l("件数", "Cases"), Format: export.Int}, {Title: l("罚款", "Penalties"), Format: export.Decimal},
			{Title: l("奖励", "Rewards"), Format: export.Decimal}, {Title: l("净额", "Net"), Format: export.Decimal}},
		Rows: export.Rows(rows),
	}
	rows = nil
	for _, x := range m.Lines {
		rows = append(rows, []any{x.Number, x.ApprovedAt.In(loc), kinds[x.PartyKind], x.Party, kinds[x.Kind], x.Currency,
			export.Fen(x.Amount), x.Reason})
	}
	lines := export.Sheet{
		Name: l("奖罚明细", "Lines"),
		Columns: []export.Column{{Title: l("投诉编号", "Number"), Width: 18}, {Title: l("批准时间", "Approved"), Format: export.DateTime},
			{Title: l("类型", "Kind")}, {Title: l("对象", "Party"), Width: 18}, {Title: l("奖/罚", "Reward/penalty")},
			{Title: l("币种", "Currency")}, {Title: l("金额", "Amount"), Format: export.Decimal}, {Title: l("事由", "Reason"), Width: 30}},
		Rows: export.Rows(rows),
	}
	return []export.Sheet{totals, lines}
}

// BonusSheets lays out the collection-bonus report: the figures per
// salesperson with the sums per currency, the receivables, and the credit
// notes' exclusions; amounts in major units, counts as whole numbers.
func BonusSheets(b *Bonus, lang string) []export.Sheet {
	l := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	day := func(s string) any {
		t, err := time.Parse(dateLayout, s)
		if err != nil {
			return s
		}
		return t
	}
	figures := []export.Column{{Title: l("应收笔数", "Receivables"), Format: export.Int}, {Title: l("应收金额", "Due"), Format: export.Decimal},
		{Title: l("已收金额", "Collected"), Format: export.Decimal}, {Title: l("期内收回", "Collected within terms"), Format: export.Decimal},
		{Title: l("客诉扣除", "Excluded"), Format: export.Decimal}, {Title: l("奖金基数", "Bonus base"), Format: export.Decimal}}
	sum := func(s BonusSum) []any {
		return []any{s.Receivables, export.Fen(s.Due), export.Fen(s.Collected), export.Fen(s.WithinTerms), export.Fen(s.Excluded), export.Fen(s.Base)}
	}
	var rows [][]any
	for _, r := range b.Rows {
		rows = append(rows, append([]any{r.Salesperson, r.Currency}, sum(r.BonusSum)...))
	}
	for _, s := range b.Sums {
		rows = append(rows, append([]any{l("合计", "Total"), s.Currency}, sum(s)...))
	}
	people := export.Sheet{
		Name:    l("业务员汇总", "Salespeople"),
		Columns: append([]export.Column{{Title: l("业务员", "Salesperson"), Width: 16}, {Title: l("币种", "Currency")}}, figures...),
		Rows:    export.Rows(rows),
	}
	rows = nil
	for _, x := range b.Lines {
		rows = append(rows, []any{x.Salesperson, x.Ref, x.Customer, day(x.DueOn), x.Currency, export.Fen(x.Due), export.Fen(x.Collected),
			export.Fen(x.WithinTerms), export.Fen(x.Excluded), export.Fen(x.Base), strings.Join(x.Complaints, " ")})
	}
	lines := export.Sheet{
		Name: l("应收明细", "Receivables"),
		Columns: []export.Column{{Title: l("业务员", "Salesperson"), Width: 16}, {Title: l("应收单号", "Receivable"), Width: 18},
			{Title: l("客户", "Customer"), Width: 18}, {Title: l("到期日", "Due date"), Format: export.Date}, {Title: l("币种", "Currency")},
			{Title: l("应收金额", "Due"), Format: export.Decimal}, {Title: l("已收金额", "Collected"), Format: export.Decimal},
			{Title: l("期内收回", "Collected within terms"), Format: export.Decimal}, {Title: l("客诉扣除", "Excluded"), Format: export.Decimal},
			{Title: l("奖金基数", "Bonus base"), Format: export.Decimal}, {Title: l("客诉编号", "Complaints"), Width: 20}},
		Rows: export.Rows(rows),
	}
	rows = nil
	for _, x := range b.Exclusions {
		rows = append(rows, []any{x.Salesperson, x.Ref, x.Complaint, x.Note, x.Reason, x.Currency, export.Fen(x.Flagged), export.Fen(x.Excluded)})
	}
	excl := export.Sheet{
		Name: l("客诉扣除", "Exclusions"),
		Columns: []export.Column{{Title: l("业务员", "Salesperson"), Width: 16}, {Title: l("应收单号", "Receivable"), Width: 18},
			{Title: l("客诉编号", "Complaint"), Width: 18}, {Title: l("折让单号", "Credit note"), Width: 20}, {Title: l("折让事由", "Reason"), Width: 30},
			{Title: l("币种", "Currency")}, {Title: l("折让金额", "Credited"), Format: export.Decimal}, {Title: l("扣除金额", "Excluded"), Format: export.Decimal}},
		Rows: export.Rows(rows),
	}
	return []export.Sheet{people, lines, excl}
}
