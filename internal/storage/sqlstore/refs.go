package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/complaint"
)

// refSet holds the registers a set of complaints refers to, read with one
// query per kind so a batch of complaints costs a few round trips, not a
// few per complaint.
type refSet struct {
	customers map[int64]customerRef
	products  map[int64]productRef
	batchByID map[int64]batchRef
	batchLots map[string][]batchRef // by lot number, in id order
	depts     map[int64]bool
	users     map[int64]bool
}

type customerRef struct{ name, class, region string }
type productRef struct{ name, model string }
type batchRef struct {
	id, product int64
	lot         string
}

// inList returns "(?, ?, …)" for n values.
func inList(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

func uniqueIDs(cs []*complaint.Complaint, pick func(*complaint.Complaint) *int64) []any {
	seen := map[int64]bool{}
	var out []any
	for _, c := range cs {
		if p := pick(c); p != nil && !seen[*p] {
			seen[*p] = true
			out = append(out, *p)
		}
	}
	return out
}

// loadRefs reads every register row that cs refer to.
func (s ComplaintStore) loadRefs(ctx context.Context, tx *sql.Tx, cs []*complaint.Complaint) (*refSet, error) {
	rs := &refSet{customers: map[int64]customerRef{}, products: map[int64]productRef{}, batchByID: map[int64]batchRef{},
		batchLots: map[string][]batchRef{}, depts: map[int64]bool{}, users: map[int64]bool{}}
	query := func(sqlText string, args []any, scan func(*sql.Rows) error) error {
		if len(args) == 0 {
			return nil
		}
		rows, err := tx.QueryContext(ctx, s.Dialect.Rebind(sqlText+inList(len(args))), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	err := query("SELECT id, name, class, region FROM customers WHERE id IN ", uniqueIDs(cs, func(c *complaint.Complaint) *int64 { return c.CustomerID }),
		func(r *sql.Rows) error {
			var id int64
			var c customerRef
			err := r.Scan(&id, &c.name, &c.class, &c.region)
			rs.customers[id] = c
			return err
		})
	if err == nil {
		err = query("SELECT id, name, model FROM products WHERE id IN ", uniqueIDs(cs, func(c *complaint.Complaint) *int64 { return c.ProductID }),
			func(r *sql.Rows) error {
				var id int64
				var p productRef
				err := r.Scan(&id, &p.name, &p.model)
				rs.products[id] = p
				return err
			})
	}
	if err == nil {
		err = query("SELECT id, product_id, lot_no FROM batches WHERE id IN ", uniqueIDs(cs, func(c *complaint.Complaint) *int64 { return c.BatchID }),
			func(r *sql.Rows) error {
				var b batchRef
				err := r.Scan(&b.id, &b.product, &b.lot)
				rs.batchByID[b.id] = b
				return err
			})
	}
	if err == nil {
		var lots []any
		seen := map[string]bool{}
		for _, c := range cs {
			if c.BatchID == nil && c.BatchNo != "" && !seen[c.BatchNo] {
				seen[c.BatchNo] = true
				lots = append(lots, c.BatchNo)
			}
		}
		err = query("SELECT id, product_id, lot_no FROM batches WHERE lot_no IN ", lots, func(r *sql.Rows) error {
			var b batchRef
			err := r.Scan(&b.id, &b.product, &b.lot)
			rs.batchLots[b.lot] = append(rs.batchLots[b.lot], b)
			return err
		})
	}
	if err == nil {
		err = query("SELECT id FROM departments WHERE id IN ", uniqueIDs(cs, func(c *complaint.Complaint) *int64 { return c.DepartmentID }),
			func(r *sql.Rows) error {
				var id int64
				err := r.Scan(&id)
				rs.depts[id] = true
				return err
			})
	}
	if err == nil {
		err = query("SELECT id FROM users WHERE id IN ", uniqueIDs(cs, func(c *complaint.Complaint) *int64 { return c.FirstReceiverID }),
			func(r *sql.Rows) error {
				var id int64
				err := r.Scan(&id)
				rs.users[id] = true
				return err
			})
	}
	if err != nil {
		return nil, err
	}
	return rs, nil
}

// apply checks the references of c against rs and copies what the
// complaint keeps of them (customer name, class and region, product name
// and model, the batch of a known lot). It returns the level-1 category.
func (s ComplaintStore) apply(ctx context.Context, tx *sql.Tx, rs *refSet, c *complaint.Complaint) (categoryTop string, err error) {
	var v apperr.Validation
	c.CustomerName, c.CustomerClass = "", ""
	if c.CustomerID != nil {
		if cu, ok := rs.customers[*c.CustomerID]; !ok {
			v.Add("customer_id", "not_found", "")
		} else {
			c.CustomerName, c.CustomerClass = cu.name, cu.class
			if c.Region == "" || c.Region == "domestic" {
				c.Region = cu.region
			}
		}
	}
	if c.ProductID != nil {
		if p, ok := rs.products[*c.ProductID]; !ok {
			v.Add("product_id", "not_found", "")
		} else {
			if c.ProductName == "" {
				c.ProductName = p.name
			}
			if c.Model == "" {
				c.Model = p.model
			}
		}
	}
	if c.BatchID != nil {
		if b, ok := rs.batchByID[*c.BatchID]; !ok {
			v.Add("batch_id", "not_found", "")
		} else {
			c.BatchNo = b.lot
		}
	} else if c.BatchNo != "" {
		// A lot number in free text links the batch when the register has it:
		// the one of the complaint's product, else the first.
		for _, b := range rs.batchLots[c.BatchNo] {
			if c.ProductID == nil || b.product == *c.ProductID {
				id := b.id
				c.BatchID = &id
				break
			}
		}
	}
	if c.DepartmentID != nil && !rs.depts[*c.DepartmentID] {
		v.Add("department_id", "not_found", "")
	}
	if c.FirstReceiverID != nil && !rs.users[*c.FirstReceiverID] {
		v.Add("first_receiver_id", "not_found", "")
	}
	if c.Category != "" {
		ref, err := s.category(ctx, tx, c.Category)
		if errors.Is(err, sql.ErrNoRows) {
			v.Add("category", "invalid_value", "")
		} else if err != nil {
			return "", err
		}
		categoryTop = c.Category
		if ref.parent != "" {
			categoryTop = ref.parent
		}
	}
	return categoryTop, v.Err()
}

// resolveRefs checks and copies the references of one complaint.
func (s ComplaintStore) resolveRefs(ctx context.Context, tx *sql.Tx, c *complaint.Complaint) (string, error) {
	rs, err := s.loadRefs(ctx, tx, []*complaint.Complaint{c})
	if err != nil {
		return "", err
	}
	return s.apply(ctx, tx, rs, c)
}
