package complaint

import "kesu/internal/enum"

// Channels are the ways a complaint reaches the company (SPEC INT-1).
var Channels = enum.Set{
	{Code: "phone", ZH: "电话", EN: "Phone / hotline"},
	{Code: "email", ZH: "电子邮件", EN: "Email"},
	{Code: "web", ZH: "在线客服/网页表单", EN: "Web form / online service"},
	{Code: "letter", ZH: "信函", EN: "Letter"},
	{Code: "fax", ZH: "传真", EN: "Fax"},
	{Code: "visit", ZH: "来访/现场", EN: "Visit / on site"},
	{Code: "wechat", ZH: "微信", EN: "WeChat"},
	{Code: "message_board", ZH: "网站留言", EN: "Website message board"},
	{Code: "suggestion_box", ZH: "意见箱", EN: "Suggestion box"},
	{Code: "media", ZH: "新闻媒体", EN: "Media report"},
	{Code: "regulator", ZH: "行政主管部门", EN: "Regulator / authority"},
	{Code: "sales_rep", ZH: "相关人员携带", EN: "Carried by sales rep"},
	{Code: "returned_goods", ZH: "退货到达", EN: "Returned goods arriving"},
	{Code: "api", ZH: "系统接口", EN: "API / integration"},
	{Code: "other", ZH: "其他", EN: "Other"},
}

// Severities grade a complaint (SPEC TRI-2).
var Severities = enum.Set{
	{Code: "critical", ZH: "严重", EN: "Critical"},
	{Code: "major", ZH: "重要", EN: "Major"},
	{Code: "minor", ZH: "一般", EN: "Minor"},
}

// Requests are what the customer asks for (SPEC INT-2).
var Requests = enum.Set{
	{Code: "refund", ZH: "退款", EN: "Refund"},
	{Code: "replacement", ZH: "换货", EN: "Replacement"},
	{Code: "return", ZH: "退货", EN: "Return"},
	{Code: "repair", ZH: "维修", EN: "Repair"},
	{Code: "discount", ZH: "折让", EN: "Discount"},
	{Code: "compensation", ZH: "赔偿", EN: "Compensation"},
	{Code: "apology", ZH: "道歉", EN: "Apology"},
	{Code: "explanation", ZH: "说明", EN: "Explanation"},
	{Code: "parts", ZH: "配件", EN: "Parts"},
	{Code: "other", ZH: "其他", EN: "Other"},
}

// Statuses of a complaint. The foundation knows only "registered"; the
// workflow module adds the lifecycle.
var Statuses = enum.Set{
	{Code: StatusRegistered, ZH: "已登记", EN: "Registered"},
}

// StatusRegistered is the state of a newly recorded complaint.
const StatusRegistered = "registered"

// Category is one node of the two-level complaint taxonomy (SPEC TRI-1).
type Category struct {
	Code    string `json:"code"`
	Parent  string `json:"parent,omitempty"`
	ZH      string `json:"zh"`
	EN      string `json:"en"`
	Quality bool   `json:"quality"` // quality complaints belong to QA, others to sales
	Sort    int    `json:"sort"`
}

// Label returns the category's label in lang.
func (c Category) Label(lang string) string {
	if lang == "en" {
		return c.EN
	}
	return c.ZH
}

// DefaultCategories is the taxonomy shipped with kesu, from the seed
// procedures; administrators can edit it.
var DefaultCategories = []Category{
	{Code: "quality", ZH: "质量", EN: "Quality", Quality: true, Sort: 10},
	{Code: "quality.function", Parent: "quality", ZH: "功能失效", EN: "Function failure", Quality: true, Sort: 11},
	{Code: "quality.leak", Parent: "quality", ZH: "漏水/渗漏", EN: "Leak", Quality: true, Sort: 12},
	{Code: "quality.appearance", Parent: "quality", ZH: "外观不良", EN: "Poor appearance", Quality: true, Sort: 13},
	{Code: "quality.dimension", Parent: "quality", ZH: "尺寸/规格不符", EN: "Dimension / spec mismatch", Quality: true, Sort: 14},
	{Code: "quality.material", Parent: "quality", ZH: "材料/成分问题", EN: "Material / ingredient", Quality: true, Sort: 15},
	{Code: "quality.safety", Parent: "quality", ZH: "安全隐患", EN: "Safety hazard", Quality: true, Sort: 16},
	{Code: "quality.missing_parts", Parent: "quality", ZH: "缺件", EN: "Missing parts", Quality: true, Sort: 17},
	{Code: "service", ZH: "服务", EN: "Service", Sort: 20},
	{Code: "service.attitude", Parent: "service", ZH: "服务态度", EN: "Staff attitude", Sort: 21},
	{Code: "service.response", Parent: "service", ZH: "响应不及时", EN: "Slow response", Sort: 22},
	{Code: "service.installation", Parent: "service", ZH: "安装/维修不当", EN: "Installation / repair", Sort: 23},
	{Code: "service.error", Parent: "service", ZH: "业务差错", EN: "Staff error", Sort: 24},
	{Code: "price", ZH: "价格", EN: "Price", Sort: 30},
	{Code: "price.overcharge", Parent: "price", ZH: "多收费", EN: "Overcharge", Sort: 31},
	{Code: "price.invoice", Parent: "price", ZH: "发票/结算", EN: "Invoice / settlement", Sort: 32},
	{Code: "delivery", ZH: "交期", EN: "Delivery / lead time", Sort: 40},
	{Code: "delivery.late", Parent: "delivery", ZH: "交货延误", EN: "Late delivery", Sort: 41},
	{Code: "quantity", ZH: "数量不足", EN: "Quantity short", Sort: 50},
	{Code: "packaging", ZH: "包装破损", EN: "Packaging damage", Sort: 60},
	{Code: "wrong_shipment", ZH: "发货错误", EN: "Wrong shipment", Sort: 70},
	{Code: "sample_late", ZH: "交样延误", EN: "Sample late", Sort: 80},
	{Code: "documents", ZH: "客服资料", EN: "Documents / customer service", Sort: 90},
	{Code: "other", ZH: "其他", EN: "Other", Sort: 100},
}
