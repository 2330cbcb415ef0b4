package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/customer"
	"kesu/internal/org"
	"kesu/internal/product"
)

// RegisterStore implements customer.Store, product.Store and org.Store.
type RegisterStore struct{ *DB }

var (
	_ customer.Store = RegisterStore{}
	_ product.Store  = RegisterStore{}
	_ org.Store      = RegisterStore{}
)

func obj(kind string, id int64) string { return kind + ":" + strconv.FormatInt(id, 10) }

// versioned turns "no row updated" into NotFound or Conflict.
func (s RegisterStore) versioned(ctx context.Context, tx *sql.Tx, res sql.Result, table string, id int64) error {
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	var one int
	err := tx.QueryRowContext(ctx, s.Dialect.Rebind("SELECT 1 FROM "+table+" WHERE id = ?"), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.NotFound, "%s %d not found", table, id)
	}
	if err != nil {
		return err
	}
	return apperr.New(apperr.Conflict, "%s %d was changed by someone else", table, id)
}

// deleted turns "no row deleted" into NotFound and a foreign-key refusal
// into a Conflict that says the record is still in use.
func deleted(res sql.Result, err error, what string, id int64) error {
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return apperr.Wrap(apperr.Conflict, err, "%s %d is still in use", what, id)
		}
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.NotFound, "%s %d not found", what, id)
	}
	return nil
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// checkDealer enforces that a customer's dealer is an A-class dealer.
func (s RegisterStore) checkDealer(ctx context.Context, tx *sql.Tx, c *customer.Customer) error {
	if c.DealerID == nil {
		return nil
	}
	var class string
	err := tx.QueryRowContext(ctx, s.q("customer.class"), *c.DealerID).Scan(&class)
	var v apperr.Validation
	if errors.Is(err, sql.ErrNoRows) {
		v.Add("dealer_id", "not_found", "")
	} else if err != nil {
		return err
	} else if class != customer.ClassDealer {
		v.Add("dealer_id", "not_a_dealer", "")
	}
	return v.Err()
}

// CreateCustomer implements customer.Store.
func (s RegisterStore) CreateCustomer(ctx context.Context, c *customer.Customer, actor audit.Actor) error {
	if err := customer.Validate(c); err != nil {
		return err
	}
	c.Created = s.Now()
	c.Version = 1
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkDealer(ctx, tx, c); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, s.q("customer.insert"), nullStr(c.Code), c.Name, c.Class, nullInt(c.DealerID), c.Region,
			c.Contact, c.Phone, c.Email, c.Address, c.Note, micros(c.Created)).Scan(&c.ID)
		if err != nil {
			return fieldConflict(s.classify(err), "code")
		}
		return s.audit(ctx, tx, actor, "customer.create", obj("customer", c.ID), map[string]any{"class": c.Class})
	})
}

// fieldConflict names the field of a unique violation.
func fieldConflict(err error, field string) error {
	if apperr.Is(err, apperr.Conflict) {
		return &apperr.Error{Code: apperr.Conflict, Message: field + " already exists", Err: err,
			Fields: []apperr.FieldError{{Field: field, Rule: "duplicate"}}}
	}
	return err
}

// UpdateCustomer implements customer.Store.
func (s RegisterStore) UpdateCustomer(ctx context.Context, c *customer.Customer, actor audit.Actor) error {
	if err := customer.Validate(c); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkDealer(ctx, tx, c); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q("customer.update"), nullStr(c.Code), c.Name, c.Class, nullInt(c.DealerID), c.Region,
			c.Contact, c.Phone, c.Email, c.Address, c.Note, c.ID, c.Version)
		if err != nil {
			return fieldConflict(s.classify(err), "code")
		}
		if err := s.versioned(ctx, tx, res, "customers", c.ID); err != nil {
			return err
		}
		c.Version++
		return s.audit(ctx, tx, actor, "customer.update", obj("customer", c.ID), nil)
	})
}

// DeleteCustomer implements customer.Store.
func (s RegisterStore) DeleteCustomer(ctx context.Context, id int64, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("customer.delete"), id)
		if err := deleted(res, s.classify(err), "customer", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "customer.delete", obj("customer", id), nil)
	})
}

func scanCustomer(row scanner) (*customer.Customer, error) {
	var c customer.Customer
	var dealer sql.NullInt64
	var created int64
	if err := row.Scan(&c.ID, &c.Code, &c.Name, &c.Class, &dealer, &c.Dealer, &c.Region, &c.Contact, &c.Phone, &c.Email,
		&c.Address, &c.Note, &c.Version, &created); err != nil {
		return nil, err
	}
	c.DealerID, c.Created = intPtr(dealer), fromMicros(created)
	return &c, nil
}

// GetCustomer implements customer.Store.
func (s RegisterStore) GetCustomer(ctx context.Context, id int64) (*customer.Customer, error) {
	c, err := scanCustomer(s.R.QueryRowContext(ctx, s.q("customer.select")+s.Dialect.Rebind(" WHERE c.id = ?"), id))
	return c, s.classify(err)
}

// likePattern escapes a substring for LIKE ... ESCAPE '\'. Callers compare
// LOWER(col) with LOWER(pattern): LIKE ignores ASCII case on SQLite but not
// on PostgreSQL.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

func pageBounds(limit, offset int) (int, int) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return limit, max(offset, 0)
}

// ListCustomers implements customer.Store.
func (s RegisterStore) ListCustomers(ctx context.Context, f customer.Filter) ([]customer.Customer, error) {
	var where []string
	var args []any
	if f.Class != "" {
		where, args = append(where, "c.class = ?"), append(args, f.Class)
	}
	if f.DealerID != nil {
		where, args = append(where, "c.dealer_id = ?"), append(args, *f.DealerID)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, `(LOWER(c.name) LIKE LOWER(?) ESCAPE '\' OR LOWER(c.code) LIKE LOWER(?) ESCAPE '\')`)
		args = append(args, likePattern(q), likePattern(q))
	}
	query := s.q("customer.select")
	if len(where) > 0 {
		query += s.Dialect.Rebind(" WHERE " + strings.Join(where, " AND "))
	}
	limit, offset := pageBounds(f.Limit, f.Offset)
	query += fmt.Sprintf(" ORDER BY c.name, c.id LIMIT %d OFFSET %d", limit, offset)
	return list(ctx, s.DB, query, args, scanCustomer)
}

// list runs a query and scans every row.
func list[T any](ctx context.Context, db *DB, query string, args []any, scan func(scanner) (*T, error)) ([]T, error) {
	rows, err := db.R.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, db.classify(err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, db.classify(err)
		}
		out = append(out, *v)
	}
	return out, db.classify(rows.Err())
}

// CreateProduct implements product.Store.
func (s RegisterStore) CreateProduct(ctx context.Context, p *product.Product, actor audit.Actor) error {
	if err := product.ValidateProduct(p); err != nil {
		return err
	}
	p.Version = 1
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.q("product.insert"), p.Code, p.Name, p.Model, p.Line).Scan(&p.ID); err != nil {
			return fieldConflict(s.classify(err), "code")
		}
		return s.audit(ctx, tx, actor, "product.create", obj("product", p.ID), nil)
	})
}

// UpdateProduct implements product.Store.
func (s RegisterStore) UpdateProduct(ctx context.Context, p *product.Product, actor audit.Actor) error {
	if err := product.ValidateProduct(p); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("product.update"), p.Code, p.Name, p.Model, p.Line, p.ID, p.Version)
		if err != nil {
			return fieldConflict(s.classify(err), "code")
		}
		if err := s.versioned(ctx, tx, res, "products", p.ID); err != nil {
			return err
		}
		p.Version++
		return s.audit(ctx, tx, actor, "product.update", obj("product", p.ID), nil)
	})
}

// DeleteProduct implements product.Store.
func (s RegisterStore) DeleteProduct(ctx context.Context, id int64, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("product.delete"), id)
		if err := deleted(res, s.classify(err), "product", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "product.delete", obj("product", id), nil)
	})
}

func scanProduct(row scanner) (*product.Product, error) {
	var p product.Product
	err := row.Scan(&p.ID, &p.Code, &p.Name, &p.Model, &p.Line, &p.Version)
	return &p, err
}

// GetProduct implements product.Store.
func (s RegisterStore) GetProduct(ctx context.Context, id int64) (*product.Product, error) {
	p, err := scanProduct(s.R.QueryRowContext(ctx, s.q("product.select")+s.Dialect.Rebind(" WHERE id = ?"), id))
	if err != nil {
		return nil, s.classify(err)
	}
	return p, nil
}

// ListProducts implements product.Store.
func (s RegisterStore) ListProducts(ctx context.Context, q string, limit, offset int) ([]product.Product, error) {
	query := s.q("product.select")
	var args []any
	if q = strings.TrimSpace(q); q != "" {
		query += s.Dialect.Rebind(` WHERE LOWER(name) LIKE LOWER(?) ESCAPE '\' OR LOWER(code) LIKE LOWER(?) ESCAPE '\' OR LOWER(model) LIKE LOWER(?) ESCAPE '\'`)
		args = []any{likePattern(q), likePattern(q), likePattern(q)}
	}
	limit, offset = pageBounds(limit, offset)
	query += fmt.Sprintf(" ORDER BY code LIMIT %d OFFSET %d", limit, offset)
	return list(ctx, s.DB, query, args, scanProduct)
}

func (s RegisterStore) checkBatchRefs(ctx context.Context, tx *sql.Tx, b *product.Batch) error {
	var v apperr.Validation
	var one int
	if err := tx.QueryRowContext(ctx, s.Dialect.Rebind("SELECT 1 FROM products WHERE id = ?"), b.ProductID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		v.Add("product_id", "not_found", "")
	} else if err != nil {
		return err
	}
	if b.SupplierID != nil {
		if err := tx.QueryRowContext(ctx, s.Dialect.Rebind("SELECT 1 FROM suppliers WHERE id = ?"), *b.SupplierID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			v.Add("supplier_id", "not_found", "")
		} else if err != nil {
			return err
		}
	}
	return v.Err()
}

// CreateBatch implements product.Store.
func (s RegisterStore) CreateBatch(ctx context.Context, b *product.Batch, actor audit.Actor) error {
	if err := product.ValidateBatch(b); err != nil {
		return err
	}
	b.Version = 1
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkBatchRefs(ctx, tx, b); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q("batch.insert"), b.ProductID, b.LotNo, nullDate(b.ProducedOn), b.Quantity, b.Status,
			nullInt(b.SupplierID)).Scan(&b.ID); err != nil {
			return fieldConflict(s.classify(err), "lot_no")
		}
		return s.audit(ctx, tx, actor, "batch.create", obj("batch", b.ID), nil)
	})
}

// UpdateBatch implements product.Store.
func (s RegisterStore) UpdateBatch(ctx context.Context, b *product.Batch, actor audit.Actor) error {
	if err := product.ValidateBatch(b); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkBatchRefs(ctx, tx, b); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q("batch.update"), b.ProductID, b.LotNo, nullDate(b.ProducedOn), b.Quantity, b.Status,
			nullInt(b.SupplierID), b.ID, b.Version)
		if err != nil {
			return fieldConflict(s.classify(err), "lot_no")
		}
		if err := s.versioned(ctx, tx, res, "batches", b.ID); err != nil {
			return err
		}
		b.Version++
		return s.audit(ctx, tx, actor, "batch.update", obj("batch", b.ID), map[string]any{"status": b.Status})
	})
}

// DeleteBatch implements product.Store.
func (s RegisterStore) DeleteBatch(ctx context.Context, id int64, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("batch.delete"), id)
		if err := deleted(res, s.classify(err), "batch", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "batch.delete", obj("batch", id), nil)
	})
}

func scanBatch(row scanner) (*product.Batch, error) {
	var b product.Batch
	var produced sql.NullString
	var supplier sql.NullInt64
	if err := row.Scan(&b.ID, &b.ProductID, &b.Product, &b.LotNo, &produced, &b.Quantity, &b.Status, &supplier, &b.Version); err != nil {
		return nil, err
	}
	b.ProducedOn, b.SupplierID = datePtr(produced), intPtr(supplier)
	return &b, nil
}

// GetBatch implements product.Store.
func (s RegisterStore) GetBatch(ctx context.Context, id int64) (*product.Batch, error) {
	b, err := scanBatch(s.R.QueryRowContext(ctx, s.q("batch.select")+s.Dialect.Rebind(" WHERE b.id = ?"), id))
	if err != nil {
		return nil, s.classify(err)
	}
	return b, nil
}

// ListBatches implements product.Store.
func (s RegisterStore) ListBatches(ctx context.Context, productID int64, status string, limit, offset int) ([]product.Batch, error) {
	query := s.q("batch.select")
	var where []string
	var args []any
	if productID != 0 {
		where, args = append(where, "b.product_id = ?"), append(args, productID)
	}
	if status != "" {
		where, args = append(where, "b.status = ?"), append(args, status)
	}
	if len(where) > 0 {
		query += s.Dialect.Rebind(" WHERE " + strings.Join(where, " AND "))
	}
	limit, offset = pageBounds(limit, offset)
	query += fmt.Sprintf(" ORDER BY b.lot_no DESC, b.id LIMIT %d OFFSET %d", limit, offset)
	return list(ctx, s.DB, query, args, scanBatch)
}

// CreateSupplier implements product.Store.
func (s RegisterStore) CreateSupplier(ctx context.Context, sp *product.Supplier, actor audit.Actor) error {
	if err := product.ValidateSupplier(sp); err != nil {
		return err
	}
	sp.Version = 1
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.q("supplier.insert"), sp.Code, sp.Name, sp.Contact, sp.Phone, sp.Email).Scan(&sp.ID); err != nil {
			return fieldConflict(s.classify(err), "code")
		}
		return s.audit(ctx, tx, actor, "supplier.create", obj("supplier", sp.ID), nil)
	})
}

// UpdateSupplier implements product.Store.
func (s RegisterStore) UpdateSupplier(ctx context.Context, sp *product.Supplier, actor audit.Actor) error {
	if err := product.ValidateSupplier(sp); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("supplier.update"), sp.Code, sp.Name, sp.Contact, sp.Phone, sp.Email, sp.ID, sp.Version)
		if err != nil {
			return fieldConflict(s.classify(err), "code")
		}
		if err := s.versioned(ctx, tx, res, "suppliers", sp.ID); err != nil {
			return err
		}
		sp.Version++
		return s.audit(ctx, tx, actor, "supplier.update", obj("supplier", sp.ID), nil)
	})
}

// DeleteSupplier implements product.Store.
func (s RegisterStore) DeleteSupplier(ctx context.Context, id int64, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("supplier.delete"), id)
		if err := deleted(res, s.classify(err), "supplier", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "supplier.delete", obj("supplier", id), nil)
	})
}

func scanSupplier(row scanner) (*product.Supplier, error) {
	var sp product.Supplier
	err := row.Scan(&sp.ID, &sp.Code, &sp.Name, &sp.Contact, &sp.Phone, &sp.Email, &sp.Version)
	return &sp, err
}

// GetSupplier implements product.Store.
func (s RegisterStore) GetSupplier(ctx context.Context, id int64) (*product.Supplier, error) {
	sp, err := scanSupplier(s.R.QueryRowContext(ctx, s.q("supplier.select")+s.Dialect.Rebind(" WHERE id = ?"), id))
	if err != nil {
		return nil, s.classify(err)
	}
	return sp, nil
}

// ListSuppliers implements product.Store.
func (s RegisterStore) ListSuppliers(ctx context.Context) ([]product.Supplier, error) {
	return list(ctx, s.DB, s.q("supplier.select")+" ORDER BY code", nil, scanSupplier)
}
