package printform

import (
	"kesu/internal/casework"
	fin "kesu/internal/money"
)

// FormCredit is the credit note 销货折让证明单.
const FormCredit = "credit"

// CreditCopies are its two copies (003 第九条: 一式二联…一份存业务部，一份送会计作帐).
var CreditCopies = []string{"第一联 业务部存", "第二联 会计联（作帐）"}

// CreditNote is the credit note of a case: the customer, the amount, the
// reason and the receivables it reduces, the approvals of its amount, and
// the boxes for the approvers' and the customer's signature and seal.
func CreditNote(c Case, n *fin.CreditNote) Doc {
	m := c.Complaint
	d := Doc{Company: c.Company, Title: "销货折让证明单", Number: n.Number, Copies: CreditCopies, Footer: c.footer()}
	customer := m.CustomerName
	if customer == "" {
		customer = m.Complainant.Company
	}
	if customer == "" {
		customer = m.Complainant.Name
	}
	d.Sections = append(d.Sections, Section{Heading: "一、折让信息", Fields: []Field{
		{Label: "客户", Value: customer},
		{Label: "投诉编号", Value: m.Number},
		{Label: "处理方式", Value: resolutionLabel(c.Record)},
		{Label: "折让金额", Value: fin.Format(n.Amount) + " " + n.Currency},
		{Label: "折让原因", Value: n.Reason, Wide: true},
	}})
	t := &Table{Head: []string{"应收账款 / 发票号", "折让金额"}, Widths: []float64{4, 2}}
	var sum int64
	for _, r := range n.Receivables {
		t.Rows = append(t.Rows, []string{r.Ref, fin.Format(r.Amount)})
		sum += r.Amount
	}
	t.Rows = append(t.Rows, []string{"合计", fin.Format(sum) + " " + n.Currency})
	d.Sections = append(d.Sections,
		Section{Heading: "二、冲减的应收账款", Table: t},
		Section{Heading: "三、核签", Table: c.approvalTable()},
		Section{Heading: "客户签章", Fields: signedFields(c, n), Signatures: []string{"经（副）理", "总（副）经理", "客户签章"}})
	return d
}

func resolutionLabel(r *casework.Record) string {
	if r == nil {
		return ""
	}
	return casework.Resolutions.Label(r.Resolution, "zh")
}

func signedFields(c Case, n *fin.CreditNote) []Field {
	if n.SignedAt == nil {
		return nil
	}
	how := map[string]string{"upload": "签章回执已存档", "online": "客户在线确认"}[n.SignedHow]
	return []Field{{Label: "客户确认", Value: how + " " + n.Signer}, {Label: "确认时间", Value: c.dt(n.SignedAt)}}
}
