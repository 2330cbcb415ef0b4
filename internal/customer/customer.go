// Package customer holds the customer register: classes, dealer links and
// regions (SPEC CUS-1, CUS-4).
package customer

import (
	"context"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/enum"
)

// Customer classes (seed 004 §5.1).
const (
	ClassDealer         = "dealer"          // A类经销商: contract, buys directly
	ClassSubDistributor = "sub_distributor" // 分销商: under a dealer
	ClassEndUser        = "end_user"        // 终端用户
	ClassWalkIn         = "walk_in"         // 散户: buys directly, no contract
	ClassKeyAccount     = "key_account"     // 大客户/企业客户
)

// Classes lists the customer classes.
var Classes = enum.Set{
	{Code: ClassDealer, ZH: "A类经销商", EN: "A-class dealer"},
	{Code: ClassSubDistributor, ZH: "分销商", EN: "Sub-distributor"},
	{Code: ClassEndUser, ZH: "终端用户", EN: "End user"},
	{Code: ClassWalkIn, ZH: "散户", EN: "Walk-in customer"},
	{Code: ClassKeyAccount, ZH: "大客户", EN: "Key account"},
}

// Regions.
const (
	RegionDomestic = "domestic"
	RegionForeign  = "foreign"
)

// Regions changes closure deadlines (seed 003 第十条).
var Regions = enum.Set{
	{Code: RegionDomestic, ZH: "国内", EN: "Domestic"},
	{Code: RegionForeign, ZH: "国外", EN: "Foreign"},
}

// Customer is one customer record.
type Customer struct {
	ID       int64     `json:"id"`
	Code     string    `json:"code"`
	Name     string    `json:"name"`
	Class    string    `json:"class"`
	DealerID *int64    `json:"dealer_id,omitempty"` // the dealer a sub-distributor or end user belongs to
	Dealer   string    `json:"dealer,omitempty"`    // dealer name, filled on read
	Region   string    `json:"region"`
	Contact  string    `json:"contact,omitempty"`
	Phone    string    `json:"phone,omitempty"`
	Email    string    `json:"email,omitempty"`
	Address  string    `json:"address,omitempty"`
	Note     string    `json:"note,omitempty"`
	Version  int       `json:"version"`
	Created  time.Time `json:"created_at"`
}

// NeedsDealer reports whether class must be linked to a dealer.
func NeedsDealer(class string) bool {
	return class == ClassSubDistributor || class == ClassEndUser
}

// Validate checks a customer record. A sub-distributor may omit its dealer
// only if the end user's dealer is unknown; the store checks the dealer's
// own class.
func Validate(c *Customer) error {
	c.Code = strings.TrimSpace(c.Code)
	c.Name = strings.TrimSpace(c.Name)
	if c.Region == "" {
		c.Region = RegionDomestic
	}
	var v apperr.Validation
	v.Code("code", c.Code, 64)
	if v.Required("name", c.Name) {
		v.Text("name", c.Name, 200)
	}
	if v.Required("class", c.Class) {
		v.OneOf("class", c.Class, Classes.Codes())
	}
	v.OneOf("region", c.Region, Regions.Codes())
	if c.DealerID != nil && !NeedsDealer(c.Class) {
		v.Add("dealer_id", "not_allowed", "")
	}
	if c.DealerID != nil && c.ID != 0 && *c.DealerID == c.ID {
		v.Add("dealer_id", "self_reference", "")
	}
	v.Text("contact", c.Contact, 100)
	v.Phone("phone", c.Phone)
	v.Email("email", c.Email)
	v.Text("address", c.Address, 200)
	v.Text("note", c.Note, 2000)
	return v.Err()
}

// Filter selects customers.
type Filter struct {
	Class    string
	DealerID *int64
	Query    string // substring of name or code
	Limit    int
	Offset   int
}

// Store persists customers.
type Store interface {
	CreateCustomer(ctx context.Context, c *Customer, actor audit.Actor) error
	UpdateCustomer(ctx context.Context, c *Customer, actor audit.Actor) error
	DeleteCustomer(ctx context.Context, id int64, actor audit.Actor) error
	GetCustomer(ctx context.Context, id int64) (*Customer, error)
	ListCustomers(ctx context.Context, f Filter) ([]Customer, error)
}
