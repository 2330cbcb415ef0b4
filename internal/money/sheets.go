package money

import (
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
