package printform

import (
	"strconv"
	"time"

	fin "kesu/internal/money"
)

// FormPenalties is the monthly reward/penalty list 月度奖罚清单.
const FormPenalties = "penalties"

// MonthlyPenalties is the monthly reward/penalty list for HR and finance
// (002 第6篇: 每月4日…奖罚情况报主管总经理和财务部) as a printable form: the
// totals per party with the sums per currency in figures and in words,
// the lines of the approved notices, and the signature boxes; in Chinese
// or, with lang "en", in English. Times are shown in loc.
func MonthlyPenalties(m *fin.Monthly, company, lang string, loc *time.Location, printed time.Time) Doc {
	w := monthlyWords["zh"]
	if lang == "en" {
		w = monthlyWords["en"]
	}
	if loc == nil {
		loc = time.UTC
	}
	d := Doc{Company: company, Title: w["title"], Number: m.Month, Lang: lang, Footer: w["printed"] + printed.In(loc).Format("2006-01-02 15:04")}
	d.Sections = append(d.Sections, Section{Heading: w["summary"], Fields: []Field{
		{Label: w["month"], Value: m.Month},
		{Label: w["cases"], Value: strconv.Itoa(m.Cases)},
	}})
	t := &Table{Head: []string{w["kind"], w["party"], w["cases"], w["penalties"], w["rewards"], w["net"]}, Widths: []float64{1.2, 3, 0.8, 1.6, 1.6, 1.8}}
	for _, x := range m.Totals {
		t.Rows = append(t.Rows, []string{w["party."+x.PartyKind], x.Party, strconv.Itoa(x.Cases), fin.Format(x.Penalties),
			fin.Format(x.Rewards), x.Currency + " " + fin.Format(x.Net)})
	}
	for _, s := range m.Sums {
		t.Rows = append(t.Rows, []string{w["sum"], "", strconv.Itoa(m.Cases), fin.Format(s.Penalties), fin.Format(s.Rewards),
			s.Currency + " " + fin.Format(s.Rewards-s.Penalties)})
	}
	d.Sections = append(d.Sections, Section{Heading: w["totals"], Table: t})
	if len(m.Sums) > 0 {
		st := &Table{Head: []string{w["currency"], w["penalties_words"], w["rewards_words"]}, Widths: []float64{1, 3, 3}}
		for _, s := range m.Sums {
			words := amountWords(s.Currency, lang)
			st.Rows = append(st.Rows, []string{s.Currency, words(s.Penalties), words(s.Rewards)})
		}
		d.Sections = append(d.Sections, Section{Heading: w["in_words"], Table: st})
	}
	lt := &Table{Head: []string{w["number"], w["approved"], w["party"], w["sort"], w["amount"], w["reason"]},
		Widths: []float64{2.2, 1.8, 2.4, 0.9, 1.5, 2.5}}
	for _, x := range m.Lines {
		lt.Rows = append(lt.Rows, []string{x.Number, x.ApprovedAt.In(loc).Format("2006-01-02 15:04"), w["party."+x.PartyKind] + w["colon"] + x.Party,
			w["kind."+x.Kind], x.Currency + " " + fin.Format(x.Amount), x.Reason})
	}
	if len(lt.Rows) == 0 {
		d.Sections = append(d.Sections, Section{Heading: w["lines"], Text: w["none"]})
	} else {
		d.Sections = append(d.Sections, Section{Heading: w["lines"], Table: lt})
	}
	d.Sections = append(d.Sections, Section{Heading: w["sign"], Signatures: []string{w["sig.prepared"], w["sig.hr"], w["sig.finance"], w["sig.gm"]}})
	return d
}

var monthlyWords = map[string]map[string]string{
	"zh": {"title": "月度奖罚清单", "printed": "打印时间：", "summary": "一、概况", "month": "月份", "cases": "件数", "totals": "二、奖罚汇总",
		"kind": "类型", "party": "对象", "penalties": "罚款", "rewards": "奖励", "net": "净额", "sum": "合计", "currency": "币种",
		"in_words": "三、合计大写", "penalties_words": "罚款合计（大写）", "rewards_words": "奖励合计（大写）", "lines": "四、奖罚明细",
		"number": "投诉编号", "approved": "批准时间", "sort": "奖/罚", "amount": "金额", "reason": "事由", "none": "本月无经总经理批准的奖罚。",
		"party.department": "部门", "party.person": "个人", "party.supplier": "供应商", "colon": "：", "kind.penalty": "罚", "kind.reward": "奖",
		"sign": "五、签收", "sig.prepared": "制表", "sig.hr": "行政人事部", "sig.finance": "财务部", "sig.gm": "总经理"},
	"en": {"title": "Monthly rewards and penalties", "printed": "Printed: ", "summary": "1. Summary", "month": "Month", "cases": "Cases",
		"totals": "2. Totals", "kind": "Kind", "party": "Party", "penalties": "Penalties", "rewards": "Rewards", "net": "Net", "sum": "Total",
		"currency": "Currency", "in_words": "3. Totals in words", "penalties_words": "Penalties in words", "rewards_words": "Rewards in words",
		"lines": "4. Lines", "number": "Complaint", "approved": "Approved", "sort": "Kind", "amount": "Amount", "reason": "Reason",
		"none": "No notices approved by the general manager this month.", "party.department": "Department", "party.person": "Person",
		"party.supplier": "Supplier", "colon": ": ", "kind.penalty": "Penalty", "kind.reward": "Reward", "sign": "5. Received",
		"sig.prepared": "Prepared by", "sig.hr": "HR", "sig.finance": "Finance", "sig.gm": "General manager"},
}
