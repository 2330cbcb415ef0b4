// Package product holds the product catalogue, production batches and
// suppliers (SPEC ORG-2).
package product

import (
	"context"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/enum"
)

// Product is one catalogue entry.
type Product struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Name    string `json:"name"`
	Model   string `json:"model,omitempty"` // model / specification 型号规格
	Line    string `json:"line,omitempty"`  // product line, for routing
	Version int    `json:"version"`
}

// Batch statuses.
const (
	BatchNormal      = "normal"
	BatchQuarantined = "quarantined"
	BatchRecalled    = "recalled"
)

// BatchStatuses lists the states of a batch.
var BatchStatuses = enum.Set{
	{Code: BatchNormal, ZH: "正常", EN: "Normal"},
	{Code: BatchQuarantined, ZH: "隔离", EN: "Quarantined"},
	{Code: BatchRecalled, ZH: "已召回", EN: "Recalled"},
}

// Batch is one production lot of a product.
type Batch struct {
	ID         int64      `json:"id"`
	ProductID  int64      `json:"product_id"`
	Product    string     `json:"product,omitempty"` // filled on read
	LotNo      string     `json:"lot_no"`
	ProducedOn *time.Time `json:"produced_on,omitempty"`
	Quantity   int64      `json:"quantity"`
	Status     string     `json:"status"`
	SupplierID *int64     `json:"supplier_id,omitempty"`
	Version    int        `json:"version"`
}

// Supplier provides materials or products.
type Supplier struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Name    string `json:"name"`
	Contact string `json:"contact,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Email   string `json:"email,omitempty"`
	Version int    `json:"version"`
}

// ValidateProduct checks a product.
func ValidateProduct(p *Product) error {
	p.Code, p.Name = strings.TrimSpace(p.Code), strings.TrimSpace(p.Name)
	var v apperr.Validation
	if v.Required("code", p.Code) {
		v.Code("code", p.Code, 64)
	}
	if v.Required("name", p.Name) {
		v.Text("name", p.Name, 200)
	}
	v.Text("model", p.Model, 200)
	v.Text("line", p.Line, 100)
	return v.Err()
}

// ValidateBatch checks a batch.
func ValidateBatch(b *Batch) error {
	b.LotNo = strings.TrimSpace(b.LotNo)
	if b.Status == "" {
		b.Status = BatchNormal
	}
	var v apperr.Validation
	if b.ProductID <= 0 {
		v.Add("product_id", "required", "")
	}
	if v.Required("lot_no", b.LotNo) {
		v.Code("lot_no", b.LotNo, 64)
	}
	v.NonNegative("quantity", b.Quantity)
	v.OneOf("status", b.Status, BatchStatuses.Codes())
	return v.Err()
}

// ValidateSupplier checks a supplier.
func ValidateSupplier(s *Supplier) error {
	s.Code, s.Name = strings.TrimSpace(s.Code), strings.TrimSpace(s.Name)
	var v apperr.Validation
	if v.Required("code", s.Code) {
		v.Code("code", s.Code, 64)
	}
	if v.Required("name", s.Name) {
		v.Text("name", s.Name, 200)
	}
	v.Text("contact", s.Contact, 100)
	v.Phone("phone", s.Phone)
	v.Email("email", s.Email)
	return v.Err()
}

// Store persists products, batches and suppliers.
type Store interface {
	CreateProduct(ctx context.Context, p *Product, actor audit.Actor) error
	UpdateProduct(ctx context.Context, p *Product, actor audit.Actor) error
	DeleteProduct(ctx context.Context, id int64, actor audit.Actor) error
	GetProduct(ctx context.Context, id int64) (*Product, error)
	ListProducts(ctx context.Context, query string, limit, offset int) ([]Product, error)

	CreateBatch(ctx context.Context, b *Batch, actor audit.Actor) error
	UpdateBatch(ctx context.Context, b *Batch, actor audit.Actor) error
	DeleteBatch(ctx context.Context, id int64, actor audit.Actor) error
	GetBatch(ctx context.Context, id int64) (*Batch, error)
	ListBatches(ctx context.Context, productID int64, status string, limit, offset int) ([]Batch, error)

	CreateSupplier(ctx context.Context, s *Supplier, actor audit.Actor) error
	UpdateSupplier(ctx context.Context, s *Supplier, actor audit.Actor) error
	DeleteSupplier(ctx context.Context, id int64, actor audit.Actor) error
	GetSupplier(ctx context.Context, id int64) (*Supplier, error)
	ListSuppliers(ctx context.Context) ([]Supplier, error)
}
