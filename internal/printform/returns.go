package printform

import (
	"strconv"

	fin "kesu/internal/money"
)

// FormReturn is the return slip 成品退货单.
const FormReturn = "return"

// ReturnCopies are its four copies (003 第十三条: 第一联自存督促，其余三联送成品
// 仓储；第二联成品仓储存，第三联会计科存，第四联业务部存).
var ReturnCopies = []string{"第一联 业务部自存督促", "第二联 成品仓储存", "第三联 会计科存", "第四联 业务部存"}

var returnHandlings = map[string]string{"repair": "维修", "rework": "重处理", "scrap": "报废", "restock": "入库", "replace": "换货"}

var returnSteps = map[string]string{"inbound": "入库单", "test": "检测", "repair": "维修", "retest": "复检", "stock_in": "入库"}

var returnStatus = map[string]string{fin.ReturnApproved: "已核定，待仓库签收", fin.ReturnBooked: "已按实退量入帳",
	fin.ReturnReferred: "超出允收比率，退回核定人"}

// ReturnSlip is the return slip of a case: the customer, the reason, the
// handling and the approved quantity, the quantity the warehouse received
// and signed for, the quantity booked, the steps of defective goods, and
// the signature boxes.
func ReturnSlip(c Case, n *fin.ReturnSlip) Doc {
	m := c.Complaint
	d := Doc{Company: c.Company, Title: "成品退货单", Number: n.Number, Copies: ReturnCopies, Footer: c.footer()}
	customer := m.CustomerName
	if customer == "" {
		customer = m.Complainant.Company
	}
	if customer == "" {
		customer = m.Complainant.Name
	}
	qty := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	d.Sections = append(d.Sections, Section{Heading: "一、退货信息", Fields: []Field{
		{Label: "客户", Value: customer},
		{Label: "投诉编号", Value: m.Number},
		{Label: "处理方式", Value: returnHandlings[n.Handling]},
		{Label: "核定退货量", Value: strconv.FormatInt(n.ApprovedQty, 10)},
		{Label: "核定人", Value: c.name(n.ApprovedBy)},
		{Label: "状态", Value: returnStatus[n.Status]},
		{Label: "退货缘由", Value: n.Reason, Wide: true},
	}}, Section{Heading: "二、仓储签收", Fields: []Field{
		{Label: "实退量", Value: qty(n.ReceivedQty)},
		{Label: "超量允收比率", Value: fin.Format(n.Tolerance) + "%"},
		{Label: "入帐数量", Value: qty(n.BookedQty)},
		{Label: "签收人", Value: n.Signer},
		{Label: "签收时间", Value: c.dt(n.ReceivedAt)},
	}})
	if len(n.Steps) > 0 {
		t := &Table{Head: []string{"步骤", "时间", "经办", "说明"}, Widths: []float64{1, 2, 1, 3}}
		for _, st := range n.Steps {
			at := st.At
			t.Rows = append(t.Rows, []string{returnSteps[st.Step], c.dt(&at), c.name(st.ByUserID), st.Note})
		}
		d.Sections = append(d.Sections, Section{Heading: "三、不良品处理", Table: t})
	}
	d.Sections = append(d.Sections, Section{Heading: "核签", Signatures: []string{"经（副）理批示", "成品仓储签收", "会计科核对"}})
	return d
}
