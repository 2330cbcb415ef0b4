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

// loadRefs reads every register row that cs refer to, in one query: a
// branch per kind of register, joined with UNION ALL, so a batch costs one
// round trip.
func (s ComplaintStore) loadRefs(ctx context.Context, tx *sql.Tx, cs []*complaint.Complaint) (*refSet, error) {
	rs := &refSet{customers: map[int64]customerRef{}, products: map[int64]productRef{}, batchByID: map[int64]batchRef{},
		batchLots: map[string][]batchRef{}, depts: map[int64]bool{}, users: map[int64]bool{}}
	var lots []any
	seen := map[string]bool{}
	for _, c := range cs {
		if c.BatchID == nil && c.BatchNo != "" && !seen[c.BatchNo] {
			seen[c.BatchNo] = true
			lots = append(lots, c.BatchNo)
		}
	}
	// Each branch gives: kind, id, three texts, a number.
	var parts []string
	var args []any
	for _, b := range []struct {
		sel  string
		args []any
	}{
		{"SELECT 'c', id, name, class, region, 0 FROM customers WHERE id IN ", uniqueIDs(cs, func(c *complaint.Complaint) *int64 { return c.CustomerID })},
		{"SELECT 'p', id, name, model, '', 0 FROM products WHERE id IN ", uniqueIDs(cs, func(c *complaint.Complaint) *int64 { return c.ProductID })},
		{"SELECT 'b', id, lot_no, '', '', product_id FROM batches WHERE id IN ", uniqueIDs(cs, func(c *complaint.Complaint) *int64 { return c.BatchID })},
		{"SELECT 'l', id, lot_no, '', '', product_id FROM batches WHERE lot_no IN ", lots},
		{"SELECT 'd', id, '', '', '', 0 FROM departments WHERE id IN ", uniqueIDs(cs, func(c *complaint.Complaint) *int64 { return c.DepartmentID })},
		{"SELECT 'u', id, '', '', '', 0 FROM users WHERE id IN ", uniqueIDs(cs, func(c *complaint.Complaint) *int64 { return c.FirstReceiverID })},
	} {
		if len(b.args) > 0 {
			parts, args = append(parts, b.sel+inList(len(b.args))), append(args, b.args...)
		}
	}
	if len(parts) == 0 {
		return rs, nil
	}
	// Lots keep their id order (the first batch of a lot number is taken).
	q := strings.Join(parts, " UNION ALL ")
	if len(lots) > 0 {
		q += " ORDER BY 1, 2"
	}
	rows, err := tx.QueryContext(ctx, s.Dialect.Rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, a, b, c string
		var id, n int64
		if err := rows.Scan(&kind, &id, &a, &b, &c, &n); err != nil {
			return nil, err
		}
		switch kind {
		case "c":
			rs.customers[id] = customerRef{name: a, class: b, region: c}
		case "p":
			rs.products[id] = productRef{name: a, model: b}
		case "b":
			rs.batchByID[id] = batchRef{id: id, product: n, lot: a}
		case "l":
			rs.batchLots[a] = append(rs.batchLots[a], batchRef{id: id, product: n, lot: a})
		case "d":
			rs.depts[id] = true
		case "u":
			rs.users[id] = true
		}
	}
	if err := rows.Err(); err != nil {
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
