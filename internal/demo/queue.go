package demo

import (
	"context"

	"kesu/internal/audit"
	"kesu/internal/queue"
	"kesu/internal/storage/sqlstore"
)

// demoBranch is a bank branch of the queue demo (seed 002 第1篇): a large
// branch with separate lines per service ("大网点，排小队") and a small one
// with one pooled line ("小网点，排大队").
type demoBranch struct {
	branch   queue.Branch
	types    []queue.ServiceType
	counters [][]string // prefixes each counter serves
}

var demoBranches = []demoBranch{
	{
		branch: queue.Branch{Code: "SH001", Name: "上海分行营业部", NameEN: "Shanghai Branch Main Office", Address: "上海市黄浦区中山东一路 12 号",
			Policy: queue.Dedicated, Opens: "09:00", Closes: "17:00"},
		types: []queue.ServiceType{
			{Prefix: "A", Name: "简单业务（存取款、转账）", NameEN: "Simple (cash, transfers)", Documents: "身份证\n银行卡或存折",
				DocumentsEN: "ID card\nBank card or passbook", HandleMinutes: 3},
			{Prefix: "B", Name: "复杂业务（开户、挂失、大额取款）", NameEN: "Complex (accounts, loss reports, large withdrawals)",
				Documents:     "身份证\n银行卡或存折\n大额取款预约单（5 万元以上）\n开户申请书（可在等候时填写）",
				DocumentsEN:   "ID card\nBank card or passbook\nLarge withdrawal booking (over CNY 50,000)\nAccount application form (fill in while you wait)",
				HandleMinutes: 10, Priority: 1},
			{Prefix: "C", Name: "对公业务", NameEN: "Business accounts", Documents: "营业执照\n法定代表人身份证\n授权委托书",
				DocumentsEN: "Business licence\nLegal representative's ID\nPower of attorney", HandleMinutes: 15, Priority: 2},
		},
		counters: [][]string{{"A"}, {"A"}, {"A"}, {"B"}, {"B"}, {"C", "B"}},
	},
	{
		branch: queue.Branch{Code: "SH027", Name: "浦东陆家嘴支行", NameEN: "Pudong Lujiazui Sub-branch", Address: "上海市浦东新区陆家嘴环路 100 号",
			Policy: queue.Pooled, Opens: "09:00", Closes: "16:30"},
		types: []queue.ServiceType{
			{Prefix: "A", Name: "个人业务", NameEN: "Personal banking", Documents: "身份证\n银行卡或存折", DocumentsEN: "ID card\nBank card or passbook", HandleMinutes: 5},
			{Prefix: "B", Name: "理财与贷款", NameEN: "Wealth and loans", Documents: "身份证\n收入证明", DocumentsEN: "ID card\nProof of income", HandleMinutes: 12},
		},
		counters: [][]string{{"A", "B"}, {"A", "B"}},
	},
}

// createQueueBranches sets up the demo branches, their services and
// counters, the branches in department dept (customer service, whose
// agents work the counters); it returns how many branches it created.
func createQueueBranches(ctx context.Context, db *sqlstore.DB, dept int64) (int, error) {
	s := db.Queue()
	for _, d := range demoBranches {
		b := d.branch
		b.DepartmentID = &dept
		if err := s.SaveBranch(ctx, &b, audit.System, nil); err != nil {
			return 0, err
		}
		ids := map[string]int64{}
		for _, t := range d.types {
			t.BranchID = b.ID
			if err := s.SaveType(ctx, &t, audit.System, nil); err != nil {
				return 0, err
			}
			ids[t.Prefix] = t.ID
		}
		for i, prof := range d.counters {
			c := queue.Counter{BranchID: b.ID, Name: []string{"1号窗口", "2号窗口", "3号窗口", "4号窗口", "5号窗口", "6号窗口"}[i], Open: true}
			for _, p := range prof {
				c.Types = append(c.Types, ids[p])
			}
			if err := s.SaveCounter(ctx, &c, audit.System, nil); err != nil {
				return 0, err
			}
		}
	}
	return len(demoBranches), nil
}
