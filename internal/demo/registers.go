package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/customer"
	"kesu/internal/org"
	"kesu/internal/product"
	"kesu/internal/storage/sqlstore"
)

// Refs are the register records complaints point at; Compose draws from
// them.
type Refs struct {
	Departments map[string]org.Department // by code
	Users       []org.User
	Agents      []org.User // customer-service staff who first receive complaints
	Customers   []customer.Customer
	Suppliers   []product.Supplier
	Products    []product.Product
	Batches     map[int64][]product.Batch // by product ID
}

// adminUsername marks a database that holds the demo registers.
const adminUsername = "demo.admin"

// staff per department: manager first, then deputy, then the others. The
// GM office holds the general manager and the deputy GM, who sign plans
// above a department manager's authority (WF-5).
var staff = map[string][]struct{ name, role string }{
	"gm":         {{"周国栋", org.RoleGM}, {"沈慧敏", org.RoleDeputyGM}},
	"cs":         {{"林晓燕", org.RoleManager}, {"陈静", org.RoleHandler}, {"王芳", org.RoleAgent}, {"李娜", org.RoleAgent}, {"张敏", org.RoleAgent}, {"赵丽", org.RoleAgent}},
	"sales":      {{"刘建华", org.RoleManager}, {"黄志强", org.RoleHandler}, {"吴海燕", org.RoleHandler}},
	"qa":         {{"郭振宇", org.RoleManager}, {"何晓东", org.RoleQAEngineer}, {"马丽萍", org.RoleQAEngineer}},
	"production": {{"孙德明", org.RoleManager}, {"朱永刚", org.RoleHandler}},
	"rd":         {{"高文博", org.RoleManager}, {"罗一鸣", org.RoleHandler}},
	"purchasing": {{"徐春梅", org.RoleManager}, {"胡斌", org.RoleHandler}},
	"warehouse":  {{"杨勇", org.RoleManager}, {"邓小军", org.RoleWarehouse}},
	"logistics":  {{"谢涛", org.RoleManager}, {"韩磊", org.RoleHandler}},
	"finance":    {{"冯秀英", org.RoleManager}, {"曹雪", org.RoleFinance}},
	"admin":      {{"彭丽华", org.RoleManager}, {"蒋倩", org.RoleHandler}},
}

// pinyin of the surnames and given names used above and for complainants.
var pinyin = map[string]string{
	"王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang", "黄": "huang", "赵": "zhao",
	"吴": "wu", "周": "zhou", "徐": "xu", "孙": "sun", "马": "ma", "朱": "zhu", "胡": "hu", "郭": "guo", "何": "he",
	"林": "lin", "罗": "luo", "高": "gao", "沈": "shen", "邓": "deng", "谢": "xie", "韩": "han", "冯": "feng",
	"曹": "cao", "彭": "peng", "蒋": "jiang", "梁": "liang", "宋": "song", "唐": "tang", "许": "xu", "郑": "zheng",
	"国栋": "guodong", "慧敏": "huimin", "晓燕": "xiaoyan", "静": "jing", "芳": "fang", "娜": "na", "敏": "min",
	"丽": "li", "建华": "jianhua", "志强": "zhiqiang", "海燕": "haiyan", "振宇": "zhenyu", "晓东": "xiaodong",
	"丽萍": "liping", "德明": "deming", "永刚": "yonggang", "文博": "wenbo", "一鸣": "yiming", "春梅": "chunmei",
	"斌": "bin", "勇": "yong", "小军": "xiaojun", "涛": "tao", "磊": "lei", "秀英": "xiuying", "雪": "xue",
	"丽华": "lihua", "倩": "qian", "伟": "wei", "强": "qiang", "军": "jun", "洋": "yang", "艳": "yan", "杰": "jie",
	"明": "ming", "超": "chao", "霞": "xia", "平": "ping", "刚": "gang", "桂英": "guiying", "建国": "jianguo",
	"婷": "ting", "浩": "hao", "宇航": "yuhang", "子涵": "zihan", "欣怡": "xinyi", "红梅": "hongmei",
}

// romanize returns the pinyin of a two-part Chinese name as given.surname.
func romanize(name string) string {
	r := []rune(name)
	sur, given := pinyin[string(r[:1])], pinyin[string(r[1:])]
	if sur == "" || given == "" {
		return ""
	}
	return given + "." + sur
}

type customerSeed struct {
	code, name, class, dealer, region, contact, phone, email, address string
}

// customers of every class (seed 004 §5.1); dealer is the code of the
// A-class dealer a sub-distributor or end user belongs to.
var customerSeeds = []customerSeed{
	{"D-SH001", "华东净水科技有限公司", customer.ClassDealer, "", "", "钱立新", "021-5432-8876", "service@hd-water.cn", "上海市闵行区莘庄工业区春东路518号"},
	{"D-GZ002", "广州粤清环保设备有限公司", customer.ClassDealer, "", "", "梁嘉豪", "020-8765-4321", "kefu@yueqing-env.cn", "广州市番禺区市桥街繁华路36号"},
	{"D-CD003", "成都蜀源水处理有限公司", customer.ClassDealer, "", "", "唐晓梅", "028-8612-3345", "shuyuan@sy-water.cn", "成都市武侯区武科东一路9号"},
	{"D-BJ004", "北京京泉商贸有限公司", customer.ClassDealer, "", "", "宋建军", "010-6789-1122", "jq@jingquan-trade.cn", "北京市大兴区西红门镇宏业路12号"},
	{"D-WH005", "武汉楚天净水设备有限公司", customer.ClassDealer, "", "", "郑大鹏", "027-8456-7788", "ct@chutian-water.cn", "武汉市洪山区关山大道355号"},
	{"D-XA006", "西安秦川环境工程有限公司", customer.ClassDealer, "", "", "许卫东", "029-8833-6655", "qinchuan@qc-env.cn", "西安市雁塔区科技路48号"},
	{"D-VN007", "Saigon Clean Water Trading Co., Ltd.", customer.ClassDealer, "", customer.RegionForeign, "Nguyen Van Minh", "+84 28 3823 4567", "minh@saigoncleanwater.vn", "123 Nguyen Hue, District 1, Ho Chi Minh City, Vietnam"},
	{"D-DE008", "AquaRein Wassertechnik GmbH", customer.ClassDealer, "", customer.RegionForeign, "Jonas Becker", "+49 40 3861 2290", "j.becker@aquarein.de", "Wandsbeker Chaussee 180, 22089 Hamburg, Germany"},

	{"S-KS101", "昆山清源净水经营部", customer.ClassSubDistributor, "D-SH001", "", "顾建平", "139-1566-2231", "qingyuan.ks@163.com", "江苏省昆山市玉山镇人民南路221号"},
	{"S-SZ102", "苏州吴中水护家电器商行", customer.ClassSubDistributor, "D-SH001", "", "陆海峰", "138-6210-4477", "shuihujia@126.com", "苏州市吴中区东吴北路88号"},
	{"S-FS103", "佛山顺德净佳水处理商行", customer.ClassSubDistributor, "D-GZ002", "", "何伟明", "137-2888-9012", "jingjia.sd@qq.com", "佛山市顺德区大良街道凤山中路45号"},
	{"S-MY104", "绵阳涪城源清净水店", customer.ClassSubDistributor, "D-CD003", "", "蒋红", "135-5811-3406", "yuanqing.my@163.com", "绵阳市涪城区临园路东段62号"},
	{"S-LF105", "廊坊安次泉优净水专卖店", customer.ClassSubDistributor, "D-BJ004", "", "齐永亮", "136-3316-5520", "quanyou.lf@qq.com", "河北省廊坊市安次区银河南路77号"},
	{"S-YC106", "宜昌净源电器商行", customer.ClassSubDistributor, "D-WH005", "", "黎明", "139-7200-1188", "jingyuan.yc@126.com", "湖北省宜昌市西陵区夷陵大道109号"},
	{"S-HP107", "Hai Phong Nuoc Sach Store", customer.ClassSubDistributor, "D-VN007", customer.RegionForeign, "Tran Thi Lan", "+84 225 3745 118", "lan.tran@hpnuocsach.vn", "45 Lach Tray, Ngo Quyen, Hai Phong, Vietnam"},

	{"U-0001", "王建国", customer.ClassEndUser, "D-SH001", "", "王建国", "138-0013-8000", "jianguo.wang@163.com", "上海市浦东新区张杨路1288弄5号602室"},
	{"U-0002", "李桂英", customer.ClassEndUser, "D-SH001", "", "李桂英", "139-1705-2263", "", "上海市徐汇区田林路200弄12号301室"},
	{"U-0003", "张伟", customer.ClassEndUser, "D-GZ002", "", "张伟", "137-1234-5678", "zhangwei88@qq.com", "广州市天河区林和西路3号1502房"},
	{"U-0004", "陈欣怡", customer.ClassEndUser, "D-GZ002", "", "陈欣怡", "186-2000-3145", "xinyi.chen@outlook.com", "深圳市南山区科苑路15号科兴科学园B座"},
	{"U-0005", "刘洋", customer.ClassEndUser, "D-CD003", "", "刘洋", "135-0800-7712", "", "成都市高新区天府大道北段1700号"},
	{"U-0006", "杨婷", customer.ClassEndUser, "D-BJ004", "", "杨婷", "158-0101-9023", "yangting@126.com", "北京市朝阳区望京西路48号院3号楼"},
	{"U-0007", "赵宇航", customer.ClassEndUser, "D-WH005", "", "赵宇航", "133-0271-5566", "", "武汉市武昌区中北路108号"},
	{"U-0008", "黄红梅", customer.ClassEndUser, "D-XA006", "", "黄红梅", "189-2903-4412", "hongmei.h@163.com", "西安市碑林区南大街52号"},
	{"U-0009", "苏州工业园区星湖小区物业服务中心", customer.ClassEndUser, "S-SZ102", "", "孙经理", "0512-6288-1234", "xinghu.wy@163.com", "苏州工业园区星湖街328号"},
	{"U-0010", "Le Thi Hoa", customer.ClassEndUser, "D-VN007", customer.RegionForeign, "Le Thi Hoa", "+84 90 812 3344", "hoa.le@gmail.com", "78 Tran Phu, Nha Trang, Vietnam"},

	{"W-0001", "杭州西湖区茶语轩茶饮店", customer.ClassWalkIn, "", "", "郑女士", "171-5710-6623", "chayuxuan@qq.com", "杭州市西湖区文三路259号"},
	{"W-0002", "马超", customer.ClassWalkIn, "", "", "马超", "138-5701-2290", "", "宁波市鄞州区天童南路588号"},
	{"W-0003", "南京鼓楼区安心母婴用品店", customer.ClassWalkIn, "", "", "许丽", "152-5198-3307", "anxin.muying@163.com", "南京市鼓楼区中山北路105号"},
	{"W-0004", "胡子涵", customer.ClassWalkIn, "", "", "胡子涵", "177-0210-8843", "zihan.hu@qq.com", "上海市静安区江宁路77号"},

	{"K-0001", "恒泰物业服务集团有限公司", customer.ClassKeyAccount, "", "", "曾志伟(采购部)", "0755-8320-5566", "purchase@hengtai-wy.cn", "深圳市福田区深南大道6008号"},
	{"K-0002", "鑫源连锁餐饮管理有限公司", customer.ClassKeyAccount, "", "", "田晓光", "021-6218-0099", "caigou@xinyuan-food.cn", "上海市长宁区仙霞路318号"},
	{"K-0003", "明德实验学校后勤服务中心", customer.ClassKeyAccount, "", "", "邹老师", "0571-8790-3321", "houqin@mingde-school.cn", "杭州市滨江区江南大道3850号"},
	{"K-0004", "安康市第一人民医院后勤保障科", customer.ClassKeyAccount, "", "", "韦科长", "0915-321-6620", "hqbz@akyy.cn", "陕西省安康市汉滨区兴安中路46号"},
}

var supplierSeeds = []product.Supplier{
	{Code: "SUP-M01", Name: "杭州膜源科技有限公司", Contact: "方志远", Phone: "0571-8866-2210", Email: "sales@moyuan-tech.cn"},
	{Code: "SUP-F02", Name: "宁波滤康滤材有限公司", Contact: "应海波", Phone: "0574-8765-0032", Email: "lvkang@nb-filter.cn"},
	{Code: "SUP-P03", Name: "深圳宝安增压泵电机厂", Contact: "罗家明", Phone: "0755-2761-3380", Email: "pump@ba-motor.cn"},
	{Code: "SUP-K04", Name: "东莞顺美包装制品有限公司", Contact: "邱美玲", Phone: "0769-2280-9911", Email: "shunmei@dg-pack.cn"},
	{Code: "SUP-E05", Name: "佛山汇电电子有限公司", Contact: "潘伟", Phone: "0757-8630-4418", Email: "huidian@fs-elec.cn"},
}

type productSeed struct {
	product.Product
	supplier string // code of the usual supplier of its key part
}

// productSeeds are the catalogue: purifier lines plus two others.
var productSeeds = []productSeed{
	{product.Product{Code: "JLQ-RO400", Name: "反渗透净水器", Model: "RO-400G 五级过滤 厨下式", Line: "净水器"}, "SUP-M01"},
	{product.Product{Code: "JLQ-RO600", Name: "无桶大通量净水器", Model: "RO-600G 直饮 厨下式", Line: "净水器"}, "SUP-M01"},
	{product.Product{Code: "JLQ-UF200", Name: "超滤净水器", Model: "UF-200 不锈钢 0.01微米", Line: "净水器"}, "SUP-M01"},
	{product.Product{Code: "JLQ-QZ40", Name: "前置过滤器", Model: "QZ-40T 40微米 反冲洗", Line: "前置过滤器"}, "SUP-F02"},
	{product.Product{Code: "JLQ-PP10", Name: "PP棉滤芯", Model: "10寸 5微米", Line: "滤芯"}, "SUP-F02"},
	{product.Product{Code: "JLQ-CTO10", Name: "活性炭滤芯", Model: "CTO 10寸 压缩活性炭", Line: "滤芯"}, "SUP-F02"},
	{product.Product{Code: "JLQ-ROM400", Name: "RO膜滤芯", Model: "400G 反渗透膜", Line: "滤芯"}, "SUP-M01"},
	{product.Product{Code: "JLQ-RS2T", Name: "中央软水机", Model: "RS-2T 2吨/小时 树脂再生", Line: "软水机"}, "SUP-E05"},
	{product.Product{Code: "JLQ-GX1", Name: "管线机", Model: "GX-1 壁挂式 即热 5档温控", Line: "管线机"}, "SUP-E05"},
	{product.Product{Code: "JLQ-BP75", Name: "增压泵", Model: "BP-75 24V 75G", Line: "配件"}, "SUP-P03"},
	{product.Product{Code: "JLQ-DR60", Name: "储水式电热水器", Model: "DR-60 60升 2000W", Line: "电热水器"}, "SUP-E05"},
	{product.Product{Code: "JLQ-KJ500", Name: "空气净化器", Model: "KJ-500F HEPA H13", Line: "空气净化器"}, "SUP-E05"},
}

// createRegisters creates staff, department heads, customers, suppliers,
// products and batches.
func createRegisters(ctx context.Context, db *sqlstore.DB, password string, r *rand.Rand, now time.Time) (*Refs, error) {
	if _, err := db.Registers().GetUserByUsername(ctx, adminUsername); err == nil {
		return nil, apperr.New(apperr.Conflict, "demo data was already loaded")
	} else if !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	if err := db.Seed(ctx); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	reg := db.Registers()
	act := audit.System
	refs := &Refs{Departments: map[string]org.Department{}, Batches: map[int64][]product.Batch{}}
	depts, err := reg.ListDepartments(ctx)
	if err != nil {
		return nil, fmt.Errorf("list departments: %w", err)
	}
	for _, d := range depts {
		refs.Departments[d.Code] = d
	}
	// One hash for every demo account: argon2id is deliberately slow and
	// the accounts share the published demo password anyway.
	hash := auth.HashPassword(password)
	admin := org.User{Username: adminUsername, Name: "系统管理员", Role: org.RoleAdmin, Email: "admin@demo.kesu.cn"}
	if d, ok := refs.Departments["admin"]; ok {
		admin.DepartmentID = &d.ID
	}
	if err := reg.CreateUser(ctx, &admin, hash, act); err != nil {
		return nil, fmt.Errorf("create user %s: %w", admin.Username, err)
	}
	refs.Users = append(refs.Users, admin)
	mobile := 0
	for _, d := range depts {
		people := staff[d.Code]
		var ids []int64
		for _, p := range people {
			u := org.User{Username: romanize(p.name), Name: p.name, Role: p.role, DepartmentID: &d.ID,
				Phone: fmt.Sprintf("139-%04d-%04d", 1000+mobile*37, 2000+mobile*113)}
			mobile++
			if u.Username == "" {
				return nil, fmt.Errorf("no pinyin for %s", p.name)
			}
			u.Email = u.Username + "@demo.kesu.cn"
			if err := reg.CreateUser(ctx, &u, hash, act); err != nil {
				return nil, fmt.Errorf("create user %s: %w", u.Username, err)
			}
			refs.Users = append(refs.Users, u)
			if d.Code == "cs" && u.Role != org.RoleManager {
				refs.Agents = append(refs.Agents, u)
			}
			ids = append(ids, u.ID)
		}
		if len(ids) >= 2 {
			d.ManagerID, d.DeputyID = &ids[0], &ids[1]
			if err := reg.UpdateDepartment(ctx, &d, act); err != nil {
				return nil, fmt.Errorf("set head of %s: %w", d.Code, err)
			}
		}
		refs.Departments[d.Code] = d
	}

	byCode := map[string]int64{}
	for _, s := range customerSeeds {
		c := customer.Customer{Code: s.code, Name: s.name, Class: s.class, Region: s.region, Contact: s.contact,
			Phone: s.phone, Email: s.email, Address: s.address}
		if s.dealer != "" {
			id, ok := byCode[s.dealer]
			if !ok {
				return nil, fmt.Errorf("customer %s: dealer %s not created first", s.code, s.dealer)
			}
			c.DealerID = &id
		}
		// A customer under a sub-distributor is still serviced by the
		// dealer above it (谁销售谁服务), so link to that dealer.
		if strings.HasPrefix(s.dealer, "S-") {
			for _, p := range refs.Customers {
				if p.Code == s.dealer {
					c.DealerID = p.DealerID
				}
			}
		}
		if err := reg.CreateCustomer(ctx, &c, act); err != nil {
			return nil, fmt.Errorf("create customer %s: %w", s.code, err)
		}
		byCode[s.code] = c.ID
		refs.Customers = append(refs.Customers, c)
	}

	supplierID := map[string]int64{}
	for _, s := range supplierSeeds {
		if err := reg.CreateSupplier(ctx, &s, act); err != nil {
			return nil, fmt.Errorf("create supplier %s: %w", s.Code, err)
		}
		supplierID[s.Code] = s.ID
		refs.Suppliers = append(refs.Suppliers, s)
	}
	quarantined := false
	for pi, ps := range productSeeds {
		p := ps.Product
		if err := reg.CreateProduct(ctx, &p, act); err != nil {
			return nil, fmt.Errorf("create product %s: %w", p.Code, err)
		}
		refs.Products = append(refs.Products, p)
		sid := supplierID[ps.supplier]
		for k := range 3 + r.IntN(3) {
			day := now.AddDate(0, 0, -20-r.IntN(300)).Truncate(24 * time.Hour)
			b := product.Batch{ProductID: p.ID, ProducedOn: &day, Quantity: int64(200 * (1 + r.IntN(25))),
				LotNo: fmt.Sprintf("%s-%c%02d", day.Format("20060102"), 'A'+rune(pi%6), k+1), SupplierID: &sid}
			if !quarantined && p.Code == "JLQ-RO400" && k == 1 {
				b.Status, quarantined = product.BatchQuarantined, true
			}
			if err := reg.CreateBatch(ctx, &b, act); err != nil {
				return nil, fmt.Errorf("create batch %s: %w", b.LotNo, err)
			}
			refs.Batches[p.ID] = append(refs.Batches[p.ID], b)
		}
	}
	return refs, nil
}

// ReadRefs reads back the registers of a database that holds the demo
// data, for adding more complaints to it.
func ReadRefs(ctx context.Context, db *sqlstore.DB) (*Refs, error) {
	reg := db.Registers()
	refs := &Refs{Departments: map[string]org.Department{}, Batches: map[int64][]product.Batch{}}
	depts, err := reg.ListDepartments(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range depts {
		refs.Departments[d.Code] = d
	}
	if refs.Users, err = reg.ListUsers(ctx); err != nil {
		return nil, err
	}
	for _, u := range refs.Users {
		if d, ok := refs.Departments["cs"]; ok && u.DepartmentID != nil && *u.DepartmentID == d.ID && u.Role != org.RoleManager {
			refs.Agents = append(refs.Agents, u)
		}
	}
	for off := 0; ; off += 500 {
		cs, err := reg.ListCustomers(ctx, customer.Filter{Limit: 500, Offset: off})
		if err != nil {
			return nil, err
		}
		refs.Customers = append(refs.Customers, cs...)
		if len(cs) < 500 {
			break
		}
	}
	if refs.Suppliers, err = reg.ListSuppliers(ctx); err != nil {
		return nil, err
	}
	for off := 0; ; off += 500 {
		ps, err := reg.ListProducts(ctx, "", 500, off)
		if err != nil {
			return nil, err
		}
		refs.Products = append(refs.Products, ps...)
		if len(ps) < 500 {
			break
		}
	}
	for _, p := range refs.Products {
		bs, err := reg.ListBatches(ctx, p.ID, "", 500, 0)
		if err != nil {
			return nil, err
		}
		refs.Batches[p.ID] = bs
	}
	return refs, nil
}
