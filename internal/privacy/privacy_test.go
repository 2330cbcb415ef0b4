package privacy

import (
	"testing"

	"kesu/internal/complaint"
	"kesu/internal/customer"
)

func TestMask(t *testing.T) {
	cases := []struct {
		name string
		f    func(string) string
		in   string
		want string
	}{
		{"phone empty", Phone, "", ""},
		{"phone mobile", Phone, "13800138000", "138****8000"},
		{"phone landline", Phone, "021-55501234", "021****1234"},
		{"phone short", Phone, "1234567", "****"},
		{"email empty", Email, "", ""},
		{"email", Email, "zhang@example.com", "z***@example.com"},
		{"email chinese local part", Email, "张三@example.cn", "张***@example.cn"},
		{"email without at", Email, "zhang", "***"},
		{"email without local part", Email, "@example.com", "***"},
		{"address empty", Address, "", ""},
		{"address", Address, "浙江省杭州市西湖区文三路 1 号", "浙江省杭州市****"},
		{"address short", Address, "杭州市西湖区", "****"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f(tc.in); got != tc.want {
				t.Errorf("%q → %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestComplaintAndCustomer(t *testing.T) {
	c := complaint.Complaint{Subject: "漏水", ShipAddress: "江苏省南京市鼓楼区中山路 8 号",
		Complainant: complaint.Complainant{Name: "张三", Phone: "13800138000", Email: "zhang@example.com",
			Address: "浙江省杭州市西湖区文三路 1 号", Company: "某公司"}}
	m := Complaint(c)
	if m.Complainant.Phone != "138****8000" || m.Complainant.Email != "z***@example.com" ||
		m.Complainant.Address != "浙江省杭州市****" || m.ShipAddress != "江苏省南京市****" {
		t.Errorf("masked complaint %+v, ship %q", m.Complainant, m.ShipAddress)
	}
	if m.Complainant.Name != "张三" || m.Complainant.Company != "某公司" || m.Subject != "漏水" {
		t.Errorf("masking changed other fields: %+v", m)
	}
	if c.Complainant.Phone != "13800138000" {
		t.Error("masking changed the original")
	}
	cu := Customer(customer.Customer{Name: "李四", Contact: "李四", Phone: "13911111111", Email: "li@example.com", Address: "上海市浦东新区世纪大道 100 号"})
	if cu.Phone != "139****1111" || cu.Email != "l***@example.com" || cu.Address != "上海市浦东新****" || cu.Name != "李四" {
		t.Errorf("masked customer %+v", cu)
	}
}

func TestEventsMaskContactChanges(t *testing.T) {
	evs := []complaint.Event{
		{Kind: "changed", Data: map[string]any{"changes": []any{
			map[string]any{"field": "complainant.phone", "from": "13812348000", "to": "13912349999"},
			map[string]any{"field": "severity", "from": "minor", "to": "major"},
		}}},
		{Kind: "note", Body: "电话 13812348000 已联系"},
	}
	got := Events(evs)
	ch := got[0].Data["changes"].([]any)
	if m := ch[0].(map[string]any); m["from"] != "138****8000" || m["to"] != "139****9999" {
		t.Errorf("phone change shown as %v", m)
	}
	if m := ch[1].(map[string]any); m["from"] != "minor" || m["to"] != "major" {
		t.Errorf("severity change masked: %v", m)
	}
	if orig := evs[0].Data["changes"].([]any)[0].(map[string]any); orig["from"] != "13812348000" {
		t.Error("masking changed the caller's events")
	}
	if !HasPersonalChange(evs[0]) || HasPersonalChange(evs[1]) {
		t.Error("HasPersonalChange")
	}
	if !Unchanged("complainant.email", "zhang@example.com", "z***@example.com") || Unchanged("complainant.email", "zhang@example.com", "li@example.com") {
		t.Error("Unchanged")
	}
}

func TestRedact(t *testing.T) {
	known := []string{"王小明", "上海市浦东新区张江路88号", "上海", "x", ""}
	cases := []struct{ in, want string }{
		{"", ""},
		{"王小明来电：净水器漏水", "***来电：净水器漏水"},
		{"寄回 上海市浦东新区张江路88号", "寄回 ***"},
		{"电话 139-1234-5678 或 13912345678、+86 13912345678", "电话 *** 或 ***、***"},
		{"座机 021-55501234", "座机 ***"},
		{"邮件 wang.xm@example.com 已发", "邮件 *** 已发"},
		{"批号 20261101-B07，数量 120", "批号 20261101-B07，数量 120"},
		{"x 不算名字", "x 不算名字"},
	}
	for _, c := range cases {
		if got := Redact(c.in, known); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
