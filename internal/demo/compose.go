package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/product"
)

// scenario is one kind of complaint, with the texts it is told in. Texts
// hold {placeholders} filled per complaint.
type scenario struct {
	category string
	weight   int
	dept     string   // owning department code
	lines    []string // product lines it happens to; nil for any
	cases    []string // "subject|other subject => detail"
	requests []string // candidate requests
	severity [3]int   // weights of critical, major, minor
	safety   int      // per cent flagged 危及人身、财产安全
}

var purifiers = []string{"净水器", "前置过滤器", "管线机", "软水机"}

var scenarios = []scenario{
	{category: "quality.leak", weight: 8, dept: "qa", lines: []string{"净水器", "前置过滤器", "软水机", "管线机"}, cases: []string{
		"{product}漏水|{product}安装后{part}漏水 => 安装{days}天后发现{part}处持续漏水，已自行关闭进水阀。",
		"夜间漏水泡坏橱柜|{product}漏水导致橱柜受损 => 用户称{product}{part}漏水，早上起床发现厨房地面积水约{n}平方米，橱柜底板已经泡胀起泡。",
		"{model}滤瓶漏水|滤瓶与机头连接处漏水 => 滤瓶与机头连接处漏水，经销商上门更换密封圈后仍然滴水，怀疑滤瓶有裂纹。",
		"{product}漏水殃及楼下邻居 => 机器停用一晚后{part}漏水，水渗到楼下邻居家天花板，邻居要求赔偿。",
		"批次{batch}多台漏水|{product}批量漏水 => 同一批次{batch}已有{n}台出现{part}漏水，经销商怀疑是批量问题，要求品质部确认。"},
		requests: []string{"repair", "replacement", "compensation", "explanation"}, severity: [3]int{3, 5, 2}, safety: 8},
	{category: "quality.function", weight: 6, dept: "qa", lines: []string{"净水器"}, cases: []string{
		"出水有异味|纯水有霉味 => 用户反映{product}出水有一股塑料味和霉味，放水{n}分钟后仍然存在，不敢饮用。",
		"滤芯更换后流量变小|换芯后出水变小 => 更换{part}附近的滤芯后出水流量明显变小，接一杯水要一分多钟，之前不是这样。",
		"TDS值偏高|纯水TDS超标 => TDS笔检测纯水值在{n}0左右，明显高于说明书标称的不超过50。",
		"增压泵噪音大|净水器频繁启停 => 机器半夜自动启动，增压泵嗡嗡响，{days}天来一直如此，影响休息。",
		"制水速度很慢|废水比例异常 => 制水{n}分钟只出一小杯水，废水一直在流，怀疑RO膜或比例阀故障。"},
		requests: []string{"repair", "replacement", "explanation", "parts"}, severity: [3]int{1, 5, 4}},
	{category: "quality.function", weight: 4, dept: "rd", lines: []string{"管线机", "软水机", "电热水器", "空气净化器"}, cases: []string{
		"{product}不加热|{product}显示屏报错E{n} => {product}使用{months}个月后不加热，显示屏报错代码E{n}，断电重启无效。",
		"软水机不再生|软化后出水仍然偏硬 => 软水机到了设定时间不再生，树脂罐盐量未减少，出水硬度偏高，洗澡皮肤发干。",
		"{product}开机无反应 => 插电后指示灯不亮，更换插座后仍然开机无反应。",
		"触摸按键失灵|{product}档位无法切换 => 触摸按键经常失灵，需要按很多次才有反应，档位无法切换。"},
		requests: []string{"repair", "replacement", "return"}, severity: [3]int{1, 6, 3}},
	{category: "quality.function", weight: 6, dept: "qa", lines: []string{"滤芯", "前置过滤器"}, cases: []string{
		"滤芯更换后流量变小|新滤芯流量小 => 按提醒更换{product}后流量变小，怀疑新滤芯堵塞或型号不对。",
		"{product}使用寿命过短 => {product}标称使用{months}个月，实际不到两个月就堵了，当地水质并不差。",
		"新滤芯出水发黑 => 新装{product}冲洗{n}分钟后出水仍然发黑，有细小颗粒。",
		"前置过滤器反冲洗阀卡死 => 前置过滤器反冲洗阀门拧不动，强行拧动后手柄断裂。"},
		requests: []string{"replacement", "parts", "explanation", "refund"}, severity: [3]int{0, 4, 6}},
	{category: "quality.appearance", weight: 4, dept: "qa", cases: []string{
		"{product}外壳划伤|疑似收到返修机 => 开箱发现{product}外壳有{n}处明显划痕，像是返修机。",
		"面板色差明显 => 前面板与侧板颜色不一致，放在开放式厨房很显眼。",
		"鹅颈龙头镀层脱落 => 龙头使用{months}个月后镀层起皮脱落，露出底材。",
		"机身有凹痕 => 机身右侧有一个凹痕，快递外箱完好，应为出厂前造成。"},
		requests: []string{"replacement", "discount", "explanation"}, severity: [3]int{0, 3, 7}},
	{category: "quality.dimension", weight: 3, dept: "rd", cases: []string{
		"滤芯尺寸与滤瓶不匹配 => {product}装入滤瓶后拧不到底，比旧滤芯长约{n}毫米。",
		"接口螺纹规格不符 => 进水接口为4分螺纹，与说明书写的2分不符，需另购转换接头。",
		"安装孔位与图纸不一致 => 按安装图纸打孔后发现孔距差{n}毫米，机器挂不上墙。"},
		requests: []string{"replacement", "parts", "explanation"}, severity: [3]int{0, 5, 5}},
	{category: "quality.material", weight: 5, dept: "purchasing", lines: []string{"滤芯", "净水器", "前置过滤器"}, cases: []string{
		"出水有黑色颗粒|出水有活性炭粉末 => 出水中有黑色细小颗粒，疑似活性炭粉末，泡茶时杯底可见。",
		"PP棉滤芯发黄变形 => PP棉滤芯使用{days}天就发黄变形，供应商滤材可能有问题，批号{batch}。",
		"滤芯塑料异味重 => 拆开包装后{product}有很重的塑料味，冲洗很久仍然有。",
		"滤瓶材质发脆开裂 => 滤瓶冬季出现裂纹，材质发脆，怀疑原料回料比例偏高。"},
		requests: []string{"replacement", "explanation", "refund"}, severity: [3]int{2, 5, 3}},
	{category: "quality.safety", weight: 3, dept: "qa", lines: []string{"管线机", "电热水器", "配件", "软水机", "空气净化器"}, cases: []string{
		"{product}外壳带电|触摸{product}麻手 => 用户触摸{product}金属面板时有麻手感，家中老人小孩经常使用，非常担心。",
		"漏电保护频繁跳闸 => {product}插电后漏电保护开关频繁跳闸，电工检查线路无问题。",
		"电源适配器发烫冒烟 => 电源适配器工作{n}分钟后发烫冒烟，已断电，未造成人员受伤。",
		"{product}有烧焦味 => 使用中闻到烧焦味并伴有异响，已拔掉电源，请尽快派人检查。"},
		requests: []string{"return", "refund", "compensation", "explanation"}, severity: [3]int{8, 2, 0}, safety: 90},
	{category: "quality.missing_parts", weight: 4, dept: "warehouse", cases: []string{
		"包装内缺少鹅颈龙头 => 开箱后发现缺少鹅颈龙头，安装师傅无法完成安装，白跑一趟。",
		"缺少滤芯扳手和说明书 => 包装内没有滤芯扳手和说明书，配件清单上却有。",
		"{product}缺件无法安装|缺少{part} => 缺少{part}，导致{product}无法安装使用，用户已等待{days}天。"},
		requests: []string{"parts", "apology"}, severity: [3]int{2, 5, 3}},
	{category: "service.attitude", weight: 5, dept: "cs", cases: []string{
		"客服人员态度差|电话被客服挂断 => 用户称打400热线咨询{product}问题时，客服语气不耐烦，问题没说完就挂断电话。",
		"安装师傅态度恶劣 => 安装师傅进门不穿鞋套，用户提醒后出言不逊，还在室内抽烟。",
		"催问维修进度被敷衍 => 第{n}次来电催问维修进度，客服只说“等通知”，没有任何解释。"},
		requests: []string{"apology", "explanation"}, severity: [3]int{0, 4, 6}},
	{category: "service.response", weight: 6, dept: "cs", cases: []string{
		"报修{days}天无人联系 => 用户{days}天前报修{product}，至今没有任何人联系上门。",
		"400热线一直打不通 => 连续{n}天拨打400热线都是忙音或无人接听。",
		"投诉处理进度太慢 => 上次投诉已过去{days}天，只收到受理短信，没有处理结果。",
		"预约上门时间一再改期 => 预约的上门维修已改期{n}次，用户请假在家等待，非常不满。"},
		requests: []string{"repair", "apology", "explanation"}, severity: [3]int{0, 6, 4}},
	{category: "service.installation", weight: 7, dept: "cs", lines: purifiers, cases: []string{
		"安装师傅迟到 => 约定上午{hour}点上门安装，师傅迟到近{n}小时且未提前告知。",
		"安装后接口未拧紧导致漏水 => 安装师傅走后不到一天，{part}接口松动漏水，橱柜被泡。",
		"打孔损坏厨房台面 => 安装打孔时崩裂石英石台面，师傅说不负责，要求公司处理。",
		"安装不规范废水管未固定 => 废水管没有固定在下水管上，半夜脱落，厨房地面积水。"},
		requests: []string{"repair", "compensation", "apology"}, severity: [3]int{1, 5, 4}},
	{category: "service.error", weight: 3, dept: "cs", cases: []string{
		"换芯提醒时间错误 => 系统短信提醒更换滤芯，但{days}天前刚换过，疑似登记错误。",
		"登记信息错误寄错地址 => 补发的{product}寄到了旧地址，用户多次说明已搬家。",
		"维修单遗失无人跟进 => 上次维修登记后维修单遗失，用户再次来电才发现没人跟进。"},
		requests: []string{"apology", "explanation", "parts"}, severity: [3]int{0, 3, 7}},
	{category: "price.overcharge", weight: 4, dept: "sales", cases: []string{
		"上门维修多收费|保修期内收取上门费 => 保修期内上门维修{product}，师傅收取上门费{amount}元，用户认为不合理。",
		"{product}价格高于官网 => 经销商处购买{product}价格为{amount}元，比官网高出不少。",
		"安装额外收取材料费 => 安装时师傅额外收取管件、龙头等材料费{amount}元，事前没有说明。"},
		requests: []string{"refund", "explanation"}, severity: [3]int{0, 3, 7}},
	{category: "price.invoice", weight: 3, dept: "finance", cases: []string{
		"发票迟迟未开具 => 订单{order}付款已{days}天，增值税专用发票仍未开具。",
		"发票抬头错误 => 收到的发票抬头和税号有误，需重开，财务无法入账。",
		"月结对账金额不符 => 本月对账单金额比我方记录多{amount}元，请核对售后配件扣款。"},
		requests: []string{"explanation", "other"}, severity: [3]int{0, 4, 6}},
	{category: "delivery.late", weight: 6, dept: "sales", cases: []string{
		"订单{order}交期延误 => 订单{order}约定{days}天前交货，至今未发，影响我方门店活动。",
		"发货逾期{days}天 => 采购{product}{qty}台，承诺一周内发货，现已逾期{days}天。",
		"旺季备货迟迟不到 => 双十一备货订单迟迟未到，多次催促业务员无明确答复，门店已缺货。"},
		requests: []string{"compensation", "explanation", "discount"}, severity: [3]int{3, 5, 2}},
	{category: "quantity", weight: 3, dept: "warehouse", cases: []string{
		"到货数量不足|整箱数量与装箱单不符 => 订单{order}装箱单{qty}件，实际点收少{n}件，外箱封条完好。",
		"少发{product}{n}支 => 到货后清点{product}少了{n}支，请尽快补发。"},
		requests: []string{"parts", "explanation"}, severity: [3]int{0, 5, 5}},
	{category: "packaging", weight: 5, dept: "logistics", cases: []string{
		"包装破损|外箱压烂机器变形 => 物流送达时外箱破损严重，{product}有{n}台机身变形，已拍照并请司机签字确认。",
		"外包装受潮塌陷 => 外包装受潮塌陷，内部泡沫缺失，到货{n}台中有明显磕碰。",
		"运输中滤瓶摔裂 => 收货时发现包装破损，开箱后滤瓶摔裂，无法销售。"},
		requests: []string{"replacement", "compensation", "return"}, severity: [3]int{1, 5, 4}},
	{category: "wrong_shipment", weight: 4, dept: "warehouse", cases: []string{
		"发货错型号 => 订购的是{model}，实际收到的是其他型号，共{qty}台。",
		"发错电压规格 => 出口订单要求220V/50Hz，实际发来的机器铭牌为110V。",
		"{product}发成旧款 => 订单{order}要求新款，仓库发了旧款{product}，包装和宣传不一致。"},
		requests: []string{"replacement", "return", "apology"}, severity: [3]int{2, 6, 2}},
	{category: "sample_late", weight: 2, dept: "rd", cases: []string{
		"样机交样延误 => 工程项目需要的{product}样机约定{days}天前送达，至今未到，影响投标。",
		"定制样品未按期送达 => 客户定制款样品交期一再推迟，对方采购已发函催促。"},
		requests: []string{"explanation", "apology"}, severity: [3]int{2, 5, 3}},
	{category: "documents", weight: 3, dept: "cs", cases: []string{
		"说明书缺页 => {product}说明书第{n}页至第{n2}页缺失，无法查看安装步骤。",
		"未提供出厂检验报告 => 客户要求提供批号{batch}的出厂检验报告和涉水批件，业务员迟迟未提供。",
		"保修卡未盖章 => 保修卡没有盖经销商章，用户担心以后无法保修。",
		"缺少CE认证文件 => 出口清关需要CE认证和材质安全证明，文件未随货提供，货物滞留港口。"},
		requests: []string{"explanation", "other"}, severity: [3]int{0, 3, 7}},
	{category: "other", weight: 3, dept: "sales", cases: []string{
		"促销赠品未兑现 => 购买时承诺赠送一年滤芯，至今未收到，经销商推给厂家。",
		"对广告宣传有异议 => 广告称“可直饮、去除99%有害物质”，用户质疑依据。",
		"以旧换新政策不清 => 门店以旧换新政策前后说法不一，旧机回收价与宣传不符。"},
		requests: []string{"explanation", "other", "apology"}, severity: [3]int{0, 2, 8}},
}

var intros = map[string][]string{
	"phone":          {"客户来电反映：", "客户拨打400热线称："},
	"email":          {"客户来邮称：", "收到客户邮件："},
	"web":            {"客户通过官网在线客服反馈：", "网页表单提交："},
	"letter":         {"收到客户来函，称"},
	"fax":            {"客户传真告知："},
	"visit":          {"客户到公司前台来访，称", "客户到门店现场反映："},
	"wechat":         {"客户通过微信公众号留言：", "经销商微信群反馈："},
	"message_board":  {"官网留言板留言："},
	"suggestion_box": {"意见箱收到投诉单："},
	"media":          {"当地晚报消费维权栏目报道：", "短视频平台曝光："},
	"regulator":      {"市场监督管理局12315平台转办：", "消费者协会转来投诉："},
	"sales_rep":      {"业务员拜访客户时带回反馈：", "区域经理转述："},
	"returned_goods": {"仓库收到客户退回货物，随附说明：", "退回货物已到仓，客户附言："},
	"api":            {"经销商系统接口推送："},
	"other":          {""},
}

var channelWeights = map[string]int{
	"phone": 30, "wechat": 15, "web": 12, "email": 8, "visit": 5, "message_board": 4, "sales_rep": 6, "returned_goods": 4,
	"letter": 2, "fax": 1, "suggestion_box": 2, "media": 1, "regulator": 2, "api": 3, "other": 2,
}

// requestPhrases say what the customer asks for in the description.
var requestPhrases = map[string]string{
	"refund": "退款", "replacement": "换货", "return": "退货", "repair": "尽快上门维修", "discount": "给予折让",
	"compensation": "赔偿损失", "apology": "书面道歉", "explanation": "给出书面说明", "parts": "补发配件", "other": "尽快处理",
}

var (
	parts      = []string{"快接头", "滤瓶", "废水比例阀", "高压开关", "进水三通", "鹅颈龙头", "压力桶球阀", "RO膜壳"}
	surnames   = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高", "梁", "宋", "唐", "郑"}
	givenNames = []string{"伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "明", "超", "霞", "平", "刚", "桂英", "建国", "婷", "浩", "宇航", "子涵", "欣怡", "红梅", "建华", "志强", "海燕"}
	cities     = []string{"上海市浦东新区", "杭州市余杭区", "南京市江宁区", "苏州市吴江区", "广州市白云区", "深圳市龙华区", "成都市锦江区", "武汉市江汉区", "西安市未央区", "北京市海淀区", "长沙市岳麓区", "郑州市金水区"}
	mailHosts  = []string{"163.com", "qq.com", "126.com", "sina.com", "outlook.com"}
	mobiles    = []string{"138", "139", "137", "135", "150", "158", "186", "189", "177", "133"}
	places     = []string{"用户家中厨房", "经销商仓库", "安装现场", "收货时", "门店展示区", "客户工厂茶水间"}
)

// Hint steers Compose; zero fields leave the choice to chance.
type Hint struct {
	Channel  string
	Category string
	Request  string // make sure this request is asked
}

// Composer writes plausible complaints from the registers, deterministic
// for a given random source.
type Composer struct {
	r        *rand.Rand
	refs     *Refs
	channels []string
	chTotal  int
	scTotal  int
	byLine   map[string][]product.Product
	seq      int
}

// NewComposer returns a Composer drawing from refs with r.
func NewComposer(r *rand.Rand, refs *Refs) *Composer {
	g := &Composer{r: r, refs: refs, byLine: map[string][]product.Product{}}
	for _, c := range complaint.Channels {
		g.channels = append(g.channels, c.Code)
		g.chTotal += max(channelWeights[c.Code], 1)
	}
	for _, s := range scenarios {
		g.scTotal += s.weight
	}
	for _, p := range refs.Products {
		g.byLine[p.Line] = append(g.byLine[p.Line], p)
	}
	return g
}

func (g *Composer) pick(s []string) string { return s[g.r.IntN(len(s))] }

func (g *Composer) channel() string {
	n := g.r.IntN(g.chTotal)
	for _, c := range g.channels {
		if n -= max(channelWeights[c], 1); n < 0 {
			return c
		}
	}
	return "phone"
}

func (g *Composer) scenario(category string) scenario {
	if category != "" {
		var match []scenario
		for _, s := range scenarios {
			if s.category == category || strings.HasPrefix(s.category, category+".") {
				match = append(match, s)
			}
		}
		if len(match) > 0 {
			return match[g.r.IntN(len(match))]
		}
	}
	n := g.r.IntN(g.scTotal)
	for _, s := range scenarios {
		if n -= s.weight; n < 0 {
			return s
		}
	}
	return scenarios[0]
}

func (g *Composer) weighted(w [3]int) string {
	n := g.r.IntN(w[0] + w[1] + w[2])
	for i, code := range []string{"critical", "major", "minor"} {
		if n -= w[i]; n < 0 {
			return code
		}
	}
	return "minor"
}

// Mobile returns a mainland mobile number written like 138-0013-8000.
func (g *Composer) Mobile() string {
	return fmt.Sprintf("%s-%04d-%04d", g.pick(mobiles), g.r.IntN(10000), g.r.IntN(10000))
}

// Person returns a random Chinese name and a matching e-mail address.
func (g *Composer) Person() (name, email string) {
	sur, given := g.pick(surnames), g.pick(givenNames)
	name = sur + given
	email = fmt.Sprintf("%s.%s%02d@%s", pinyin[given], pinyin[sur], g.r.IntN(100), g.pick(mailHosts))
	return name, email
}

func isPerson(c customer.Customer) bool {
	return (c.Class == customer.ClassEndUser || c.Class == customer.ClassWalkIn) && len([]rune(c.Name)) <= 4
}

// Compose returns a new complaint received at at, and the staff member who
// recorded it. The complaint is not stored.
func (g *Composer) Compose(at time.Time, h Hint) (complaint.Complaint, audit.Actor) {
	r := g.r
	g.seq++
	sc := g.scenario(h.Category)
	ch := h.Channel
	if ch == "" {
		ch = g.channel()
	}
	c := complaint.Complaint{Channel: ch, ReceivedAt: at, Category: sc.category, Severity: g.weighted(sc.severity),
		Safety: r.IntN(100) < sc.safety}

	// Who complains: a registered customer most of the time.
	var cust *customer.Customer
	if len(g.refs.Customers) > 0 && r.IntN(100) < 85 {
		cust = &g.refs.Customers[r.IntN(len(g.refs.Customers))]
		c.CustomerID = &cust.ID
	}
	switch {
	case cust != nil && isPerson(*cust):
		c.Complainant = complaint.Complainant{Name: cust.Name, Phone: cust.Phone, Email: cust.Email, Address: cust.Address}
	case cust != nil:
		c.Complainant = complaint.Complainant{Name: cust.Contact, Phone: cust.Phone, Email: cust.Email, Address: cust.Address, Company: cust.Name}
	default:
		name, email := g.Person()
		c.Complainant = complaint.Complainant{Name: name, Phone: g.Mobile(),
			Address: fmt.Sprintf("%s%s路%d号", g.pick(cities), g.pick([]string{"人民", "建设", "解放", "中山", "长江", "和平"}), 1+r.IntN(999))}
		if r.IntN(2) == 0 {
			c.Complainant.Email = email
		}
	}
	if c.Complainant.Name == "" {
		c.Complainant.Name, _ = g.Person()
	}
	b2b := cust != nil && (cust.Class == customer.ClassDealer || cust.Class == customer.ClassSubDistributor || cust.Class == customer.ClassKeyAccount)

	// What it is about.
	var prod *product.Product
	var candidates []product.Product
	for _, l := range sc.lines {
		candidates = append(candidates, g.byLine[l]...)
	}
	if len(candidates) == 0 {
		candidates = g.refs.Products
	}
	if len(candidates) > 0 && (sc.lines != nil || r.IntN(100) < 80) {
		p := candidates[r.IntN(len(candidates))]
		prod = &p
		c.ProductID = &p.ID
		if bs := g.refs.Batches[p.ID]; len(bs) > 0 && r.IntN(100) < 70 {
			c.BatchNo = bs[r.IntN(len(bs))].LotNo
		}
		c.PartNo = fmt.Sprintf("%s-%02d", p.Code, 1+r.IntN(40))
	}
	if b2b || r.IntN(3) == 0 {
		c.OrderNo = fmt.Sprintf("SO%s%04d", at.AddDate(0, 0, -10-r.IntN(60)).Format("20060102"), 1+r.IntN(9999))
	}
	qty := int64(1)
	if b2b {
		qty = int64(10 * (1 + r.IntN(50)))
	}
	if prod != nil && r.IntN(100) < 70 {
		def := min(qty, int64(1+r.IntN(int(min(qty, 30)))))
		c.QtyShipped, c.QtyDefective = &qty, &def
		ship := at.AddDate(0, 0, -3-r.IntN(120)).Truncate(24 * time.Hour)
		c.ShipDate = &ship
		c.ShipAddress = c.Complainant.Address
		months := 1 + r.IntN(18)
		c.UsageTime = fmt.Sprintf("约%d个月", months)
		found := at.Add(-time.Duration(1+r.IntN(72)) * time.Hour)
		c.FoundAt = &found
		c.FoundPlace = g.pick(places)
	}

	// What the customer asks for.
	reqs := []string{}
	if r.IntN(100) < 90 {
		reqs = append(reqs, g.pick(sc.requests))
		if r.IntN(100) < 25 {
			reqs = append(reqs, g.pick(sc.requests))
		}
	}
	if h.Request != "" && !slices.Contains(reqs, h.Request) {
		reqs = append(reqs, h.Request)
	}
	c.Requests = slices.Compact(reqs)

	if d, ok := g.refs.Departments[sc.dept]; ok {
		c.DepartmentID = &d.ID
	}

	// The text.
	pname, model, batch := "净水器", "RO-400G", "20260512-A03"
	if prod != nil {
		pname, model = prod.Name, strings.Fields(prod.Model)[0]
	}
	if c.BatchNo != "" {
		batch = c.BatchNo
	}
	order := c.OrderNo
	if order == "" {
		order = fmt.Sprintf("SO%s%04d", at.Format("20060102"), 1+r.IntN(9999))
	}
	n := 2 + r.IntN(9)
	rep := strings.NewReplacer("{product}", pname, "{model}", model, "{batch}", batch, "{order}", order,
		"{part}", g.pick(parts), "{days}", fmt.Sprint(2+r.IntN(20)), "{months}", fmt.Sprint(3+r.IntN(10)),
		"{n2}", fmt.Sprint(n+2), "{n}", fmt.Sprint(n), "{qty}", fmt.Sprint(qty), "{hour}", fmt.Sprint(8+r.IntN(4)),
		"{amount}", fmt.Sprint(50*(2+r.IntN(40))))
	k := r.IntN(len(sc.cases))
	subjects, detail, _ := strings.Cut(sc.cases[k], " => ")
	c.Subject = rep.Replace(g.pick(strings.Split(subjects, "|")))
	var d strings.Builder
	d.WriteString(g.pick(intros[ch]))
	d.WriteString(rep.Replace(detail))
	if len(sc.cases) > 1 && r.IntN(4) == 0 {
		_, more, _ := strings.Cut(sc.cases[(k+1+r.IntN(len(sc.cases)-1))%len(sc.cases)], " => ")
		d.WriteString("另外，" + rep.Replace(more))
	}
	if c.UsageTime != "" && strings.HasPrefix(sc.category, "quality") && r.IntN(2) == 0 {
		fmt.Fprintf(&d, "产品已使用%s，问题在%s发现。", c.UsageTime, c.FoundPlace)
	}
	if prod != nil && r.IntN(2) == 0 {
		fmt.Fprintf(&d, "产品型号%s", prod.Model)
		if c.BatchNo != "" {
			fmt.Fprintf(&d, "，批号%s", c.BatchNo)
		}
		d.WriteString("。")
	}
	if c.QtyDefective != nil && qty > 1 {
		fmt.Fprintf(&d, "本批共到货%d台，不良%d台。", qty, *c.QtyDefective)
	}
	if len(c.Requests) > 0 {
		words := make([]string, len(c.Requests))
		for i, q := range c.Requests {
			words[i] = requestPhrases[q]
		}
		fmt.Fprintf(&d, "客户要求%s。", strings.Join(words, "并"))
	} else {
		d.WriteString("客户希望尽快给出处理意见。")
	}
	if utf8.RuneCountInString(c.Subject)+utf8.RuneCountInString(d.String()) < 45 {
		d.WriteString("请相关部门跟进并回复客户。")
	}
	c.Description = d.String()

	var actor audit.Actor
	if len(g.refs.Agents) > 0 {
		u := g.refs.Agents[g.seq%len(g.refs.Agents)]
		actor = audit.Actor{UserID: u.ID, Name: u.Name}
	} else {
		actor = audit.System
	}
	return c, actor
}
