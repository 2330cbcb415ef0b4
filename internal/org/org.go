// Package org holds the organisation: the department tree and the staff
// users with their roles (SPEC ORG-1, SEC-1).
package org

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/enum"
)

// Department is one node of the department tree.
type Department struct {
	ID        int64  `json:"id"`
	Code      string `json:"code"`
	Name      string `json:"name"`
	NameEN    string `json:"name_en,omitempty"`
	ParentID  *int64 `json:"parent_id,omitempty"`
	ManagerID *int64 `json:"manager_id,omitempty"`
	DeputyID  *int64 `json:"deputy_id,omitempty"` // 代理人: acts when the manager is away
	Manager   string `json:"manager,omitempty"`   // filled on read
	Deputy    string `json:"deputy,omitempty"`    // filled on read
	Sort      int    `json:"sort"`
	Version   int    `json:"version"`
}

// DefaultDepartments are the departments the seed procedures name; they are
// created on first start and can be edited.
var DefaultDepartments = []Department{
	{Code: "gm", Name: "总经理室", NameEN: "GM office", Sort: 10},
	{Code: "cs", Name: "客服部", NameEN: "Customer service", Sort: 20},
	{Code: "sales", Name: "营销部", NameEN: "Sales & marketing", Sort: 30},
	{Code: "qa", Name: "品质部", NameEN: "Quality assurance", Sort: 40},
	{Code: "production", Name: "生产部", NameEN: "Production", Sort: 50},
	{Code: "rd", Name: "研发部", NameEN: "R&D / engineering", Sort: 60},
	{Code: "purchasing", Name: "采购部", NameEN: "Purchasing", Sort: 70},
	{Code: "warehouse", Name: "仓库", NameEN: "Warehouse", Sort: 80},
	{Code: "logistics", Name: "物流部", NameEN: "Logistics", Sort: 90},
	{Code: "finance", Name: "财务部", NameEN: "Finance", Sort: 100},
	{Code: "admin", Name: "行政人事部", NameEN: "Administration / HR", Sort: 110},
}

// Roles (SPEC SEC-1).
const (
	RoleAdmin      = "admin"
	RoleAgent      = "agent"
	RoleHandler    = "handler"
	RoleQAEngineer = "qa_engineer"
	RoleManager    = "manager"
	RoleDeputyGM   = "deputy_gm"
	RoleGM         = "gm"
	RoleFinance    = "finance"
	RoleWarehouse  = "warehouse"
	RoleAuditor    = "auditor"
)

// Roles lists the roles a user can have.
var Roles = enum.Set{
	{Code: RoleAdmin, ZH: "管理员", EN: "Administrator"},
	{Code: RoleAgent, ZH: "客服", EN: "Agent"},
	{Code: RoleHandler, ZH: "处理人", EN: "Handler"},
	{Code: RoleQAEngineer, ZH: "品质工程师", EN: "QA engineer"},
	{Code: RoleManager, ZH: "部门经理", EN: "Manager"},
	{Code: RoleDeputyGM, ZH: "副总经理", EN: "Deputy GM"},
	{Code: RoleGM, ZH: "总经理", EN: "General manager"},
	{Code: RoleFinance, ZH: "财务", EN: "Finance"},
	{Code: RoleWarehouse, ZH: "仓库", EN: "Warehouse"},
	{Code: RoleAuditor, ZH: "审计员(只读)", EN: "Auditor (read-only)"},
}

// User is a staff member who signs in to kesu.
type User struct {
	ID           int64     `json:"id"`
	Username     string    `json:"username"`
	Name         string    `json:"name"`
	Email        string    `json:"email,omitempty"`
	Phone        string    `json:"phone,omitempty"`
	Role         string    `json:"role"`
	DepartmentID *int64    `json:"department_id,omitempty"`
	Department   string    `json:"department,omitempty"` // filled on read
	Lang         string    `json:"lang"`
	Disabled     bool      `json:"disabled"`
	Version      int       `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
}

var usernameRe = regexp.MustCompile(`^[a-z][a-z0-9._\-]{1,31}$`)

// ValidateUser checks a user record.
func ValidateUser(u *User) error {
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	u.Name = strings.TrimSpace(u.Name)
	if u.Lang == "" {
		u.Lang = "zh"
	}
	var v apperr.Validation
	if v.Required("username", u.Username) && !usernameRe.MatchString(u.Username) {
		v.Add("username", "invalid_username", "")
	}
	if v.Required("name", u.Name) {
		v.Text("name", u.Name, 100)
	}
	if v.Required("role", u.Role) {
		v.OneOf("role", u.Role, Roles.Codes())
	}
	v.Email("email", u.Email)
	v.Phone("phone", u.Phone)
	v.OneOf("lang", u.Lang, []string{"zh", "en"})
	return v.Err()
}

// ValidateDepartment checks a department record.
func ValidateDepartment(d *Department) error {
	d.Code = strings.TrimSpace(d.Code)
	d.Name = strings.TrimSpace(d.Name)
	var v apperr.Validation
	if v.Required("code", d.Code) {
		v.Code("code", d.Code, 32)
	}
	if v.Required("name", d.Name) {
		v.Text("name", d.Name, 100)
	}
	v.Text("name_en", d.NameEN, 100)
	if d.ParentID != nil && d.ID != 0 && *d.ParentID == d.ID {
		v.Add("parent_id", "self_reference", "")
	}
	return v.Err()
}

// Store persists departments and users. Credentials live in auth.
type Store interface {
	CreateDepartment(ctx context.Context, d *Department, actor audit.Actor) error
	UpdateDepartment(ctx context.Context, d *Department, actor audit.Actor) error
	DeleteDepartment(ctx context.Context, id int64, actor audit.Actor) error
	GetDepartment(ctx context.Context, id int64) (*Department, error)
	ListDepartments(ctx context.Context) ([]Department, error)

	CreateUser(ctx context.Context, u *User, passwordHash string, actor audit.Actor) error
	UpdateUser(ctx context.Context, u *User, actor audit.Actor) error
	GetUser(ctx context.Context, id int64) (*User, error)
	GetUserByUsername(ctx context.Context, username string) (*User, error)
	ListUsers(ctx context.Context) ([]User, error)
}

// Subtrees maps each department to itself and every department below it,
// each list sorted. A cycle an administrator made stops the walk where it
// comes round again.
func Subtrees(ds []Department) map[int64][]int64 {
	children := map[int64][]int64{}
	for _, d := range ds {
		if d.ParentID != nil {
			children[*d.ParentID] = append(children[*d.ParentID], d.ID)
		}
	}
	sub := make(map[int64][]int64, len(ds))
	for _, d := range ds {
		var all []int64
		seen := map[int64]bool{}
		queue := []int64{d.ID}
		for len(queue) > 0 {
			x := queue[0]
			queue = queue[1:]
			if seen[x] {
				continue
			}
			seen[x] = true
			all = append(all, x)
			queue = append(queue, children[x]...)
		}
		slices.Sort(all)
		sub[d.ID] = all
	}
	return sub
}
