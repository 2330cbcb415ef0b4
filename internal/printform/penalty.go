package printform

import (
	"strconv"
	"strings"

	"kesu/internal/casework"
	fin "kesu/internal/money"
)

// FormPenalty is the reward/penalty notice 奖罚通知单.
const FormPenalty = "penalty"

// Allocation is one responsible party's part of a case's loss, named.
type Allocation struct {
	Party  string
	Share  int // percent
	Amount int64
}

// PenaltyCase is what the reward/penalty notice prints beside the case:
// the costed loss and its allocation, the approved notice and the name of
// the general manager who approved it.
type PenaltyCase struct {
	Case
	Loss       *fin.Loss
	Allocation []Allocation
	Notice     *fin.Penalty
	Approver   string
}

// PenaltyNotice is the reward/penalty notice of a case (002 第6篇, FIN-2)
// in Chinese or, with lang "en", in English: the case, its loss and the
// costing, each line with the party, reward or penalty, the amount in
// figures and in words and the reason, the GM's approval and the
// signature boxes. The caller prints only an approved notice.
func PenaltyNotice(c PenaltyCase, lang string) Doc {
	w := penaltyWords["zh"]
	if lang == "en" {
		w = penaltyWords["en"]
	}
	m, n := c.Complaint, c.Notice
	words := amountWords(n.Currency, lang)
	d := Doc{Company: c.Company, Title: w["title"], Number: m.Number, Lang: lang, Footer: w["printed"] + c.dt(&c.Printed)}
	customer := m.CustomerName
	if customer == "" {
		customer = m.Complainant.Company
	}
	if customer == "" {
		customer = m.Complainant.Name
	}
	cs := Section{Heading: w["case"], Fields: []Field{
		{Label: w["number"], Value: m.Number},
		{Label: w["customer"], Value: customer},
		{Label: w["product"], Value: strings.TrimSpace(m.ProductName + " " + m.Model)},
		{Label: w["batch"], Value: m.BatchNo},
		{Label: w["status"], Value: c.Status},
		{Label: w["department"], Value: c.Department},
		{Label: w["subject"], Value: m.Subject, Wide: true},
	}}
	if r := c.Record; r != nil {
		resp := casework.Responsibilities.Label(r.Responsibility, lang)
		if r.ResponsibilityNote != "" {
			resp = strings.TrimSpace(resp + " — " + r.ResponsibilityNote)
		}
		cs.Fields = append(cs.Fields, Field{Label: w["responsibility"], Value: resp, Wide: true},
			Field{Label: w["root_cause"], Value: r.RootCause, Wide: true})
	}
	d.Sections = append(d.Sections, cs)

	ls := Section{Heading: w["loss"]}
	if l := c.Loss; l != nil {
		t := &Table{Head: []string{w["component"], w["basis"], w["amount"]}, Widths: []float64{2, 4, 2}}
		t.Rows = [][]string{
			{w["parts"], "", fin.Format(l.Parts)},
			{w["labour"], strconv.FormatInt(l.LabourMinutes, 10) + " " + w["minutes"] + " × " + fin.Format(l.LabourRate) + w["per_hour"], fin.Format(l.Labour)},
			{w["freight"], "", fin.Format(l.Freight)},
			{w["compensation"], "", fin.Format(l.Compensation)},
			{w["returns"], strconv.FormatInt(l.ReturnedUnits, 10) + " × " + fin.Format(l.ReturnRate), fin.Format(l.Returns)},
			{w["total"], amountWords(l.Currency, lang)(l.Total), fin.Format(l.Total) + " " + l.Currency},
		}
		ls.Table = t
	} else {
		ls.Text = w["no_loss"]
	}
	d.Sections = append(d.Sections, ls)
	if len(c.Allocation) > 0 {
		t := &Table{Head: []string{w["party"], w["share"], w["allocated"]}, Widths: []float64{4, 1, 2}}
		for _, a := range c.Allocation {
			t.Rows = append(t.Rows, []string{a.Party, strconv.Itoa(a.Share) + "%", fin.Format(a.Amount)})
		}
		d.Sections = append(d.Sections, Section{Heading: w["allocation"], Table: t})
	}

	t := &Table{Head: []string{w["no"], w["party"], w["kind"], w["amount"], w["words"], w["reason"]},
		Widths: []float64{0.7, 2.7, 1.1, 1.3, 3.1, 2.1}}
	for i, l := range n.Lines {
		t.Rows = append(t.Rows, []string{strconv.Itoa(i + 1), w["party."+l.Party.Kind()] + w["colon"] + l.Name, w["kind."+l.Kind],
			fin.Format(l.Amount), words(l.Amount), l.Reason})
	}
	t.Rows = append(t.Rows,
		[]string{"", w["penalties"], w["kind.penalty"], fin.Format(n.Penalties) + " " + n.Currency, words(n.Penalties), ""},
		[]string{"", w["rewards"], w["kind.reward"], fin.Format(n.Rewards) + " " + n.Currency, words(n.Rewards), ""})
	d.Sections = append(d.Sections, Section{Heading: w["lines"], Table: t})

	state := w["pending"]
	if n.Status == fin.StatusApproved {
		state = w["approved"]
	}
	d.Sections = append(d.Sections, Section{Heading: w["approval"], Fields: []Field{
		{Label: w["state"], Value: state},
		{Label: w["gm"], Value: c.Approver},
		{Label: w["approved_at"], Value: c.dt(n.ApprovedAt)},
	}, Signatures: strings.Split(w["signatures"], "|")})
	return d
}

// amountWords spells amounts of currency in lang; the words name yuan and
// fen, so other currencies print in figures only.
func amountWords(currency, lang string) func(int64) string {
	switch {
	case currency != "CNY":
		return func(int64) string { return "" }
	case lang == "en":
		return fin.WordsEN
	}
	return fin.WordsZH
}

var penaltyWords = map[string]map[string]string{
	"zh": {"title": "奖罚通知单", "printed": "打印时间：", "case": "一、案件", "number": "投诉编号", "customer": "客户", "product": "产品",
		"batch": "批号", "status": "状态", "department": "处理部门", "subject": "投诉主题", "responsibility": "责任判定",
		"root_cause": "原因分析", "loss": "二、损失核算", "component": "项目", "basis": "计算依据", "amount": "金额（元）",
		"parts": "配件费", "labour": "工时费", "minutes": "分钟", "per_hour": "/小时", "freight": "运费", "compensation": "赔偿",
		"returns": "退货处理费", "total": "损失合计", "no_loss": "本案未核算损失。", "allocation": "三、损失分摊", "party": "责任方",
		"share": "比例", "allocated": "分摊金额", "lines": "四、奖罚明细", "no": "序号", "kind": "奖/罚", "words": "大写金额",
		"reason": "事由", "party.department": "部门", "party.person": "个人", "party.supplier": "供应商", "colon": "：",
		"kind.penalty": "罚款", "kind.reward": "奖励", "penalties": "罚款合计", "rewards": "奖励合计", "approval": "五、审批",
		"state": "审批状态", "pending": "待总经理审批", "approved": "总经理已批准", "gm": "总经理", "approved_at": "批准时间",
		"signatures": "制表|部门经理|总经理|行政人事部|财务部"},
	"en": {"title": "Reward/penalty notice", "printed": "Printed: ", "case": "1. The case", "number": "Complaint", "customer": "Customer",
		"product": "Product", "batch": "Lot", "status": "Status", "department": "Handling department", "subject": "Subject",
		"responsibility": "Responsibility", "root_cause": "Root cause", "loss": "2. Loss and costing", "component": "Item",
		"basis": "Basis", "amount": "Amount (CNY)", "parts": "Parts", "labour": "Labour", "minutes": "min", "per_hour": "/h",
		"freight": "Freight", "compensation": "Compensation", "returns": "Returns handling", "total": "Total loss",
		"no_loss": "No loss was costed on this case.", "allocation": "3. Allocation of the loss", "party": "Party", "share": "Share",
		"allocated": "Allocated", "lines": "4. Rewards and penalties", "no": "No.", "kind": "Kind", "words": "Amount in words",
		"reason": "Reason", "party.department": "Department", "party.person": "Person", "party.supplier": "Supplier", "colon": ": ",
		"kind.penalty": "Penalty", "kind.reward": "Reward", "penalties": "Total penalties", "rewards": "Total rewards",
		"approval": "5. Approval", "state": "Status", "pending": "Awaiting the general manager", "approved": "Approved by the general manager",
		"gm": "General manager", "approved_at": "Approved at", "signatures": "Prepared by|Department manager|General manager|HR|Finance"},
}
