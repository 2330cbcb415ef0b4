package money

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"

	"github.com/xuri/excelize/v2"
)

// Receivables 应收账款: the invoices customers owe, each counting for one
// salesperson's collection rate, and the collections received against
// them. With the credit notes that flag some of them they make the
// salesperson's collection-bonus report (003 第十三条(二)3).

// Invoice is one receivable of the sales ledger: an invoice a customer
// owes by its due date.
type Invoice struct {
	ID         int64  `json:"id"`
	Ref        string `json:"ref"` // invoice or receivable number, as credit notes name it
	CustomerID *int64 `json:"customer_id,omitempty"`
	Customer   string `json:"customer,omitempty"` // filled on read
	// CustomerCode and SalespersonUsername name the customer and the
	// salesperson in an import; the store resolves them.
	CustomerCode        string       `json:"-"`
	SalespersonID       int64        `json:"salesperson_id"`
	Salesperson         string       `json:"salesperson"` // filled on read
	SalespersonUsername string       `json:"-"`
	Currency            string       `json:"currency"`
	Amount              int64        `json:"amount"` // fen
	InvoicedOn          string       `json:"invoiced_on"`
	DueOn               string       `json:"due_on"` // the end of the terms 收款期
	Collected           int64        `json:"collected"`
	Collections         []Collection `json:"collections"`
	CreatedAt           time.Time    `json:"created_at"`
}

// Collection is money received against a receivable.
type Collection struct {
	ID          int64     `json:"id"`
	Amount      int64     `json:"amount"` // fen
	CollectedOn string    `json:"collected_on"`
	Note        string    `json:"note,omitempty"`
	ByUserID    *int64    `json:"by_user_id,omitempty"`
	At          time.Time `json:"at"`
}

// InvoiceInput is a receivable as entered or imported; amount in major
// units. The customer is its id or its code; the salesperson is a user id
// or username.
type InvoiceInput struct {
	Ref           string `json:"ref"`
	CustomerID    *int64 `json:"customer_id"`
	Customer      string `json:"customer"` // customer code
	SalespersonID *int64 `json:"salesperson_id"`
	Salesperson   string `json:"salesperson"` // username
	Currency      string `json:"currency"`
	Amount        string `json:"amount"`
	InvoicedOn    string `json:"invoiced_on"`
	DueOn         string `json:"due_on"`
}

// CollectionInput is a collection as entered; amount in major units.
type CollectionInput struct {
	Amount      string `json:"amount"`
	CollectedOn string `json:"collected_on"`
	Note        string `json:"note"`
}

// MaxInvoices bounds one import.
const MaxInvoices = 5000

const dateLayout = "2006-01-02"

// NewInvoices validates rows into receivables; field names are rows[i].x.
func NewInvoices(rows []InvoiceInput) ([]Invoice, error) {
	var v apperr.Validation
	if len(rows) == 0 {
		v.Add("rows", "required", "")
	}
	if len(rows) > MaxInvoices {
		v.Add("rows", "too_many", strconv.Itoa(MaxInvoices))
		return nil, v.Err()
	}
	out := make([]Invoice, 0, len(rows))
	seen := map[string]bool{}
	for i, in := range rows {
		f := func(name string) string { return fmt.Sprintf("rows[%d].%s", i, name) }
		x := Invoice{Ref: strings.TrimSpace(in.Ref), CustomerID: in.CustomerID, CustomerCode: strings.TrimSpace(in.Customer),
			SalespersonUsername: strings.TrimSpace(in.Salesperson), Currency: strings.ToUpper(strings.TrimSpace(in.Currency)),
			InvoicedOn: strings.TrimSpace(in.InvoicedOn), DueOn: strings.TrimSpace(in.DueOn), Collections: []Collection{}}
		if in.SalespersonID != nil {
			x.SalespersonID = *in.SalespersonID
		}
		if v.Required(f("ref"), x.Ref) {
			v.Text(f("ref"), x.Ref, 64)
		}
		if seen[x.Ref] && x.Ref != "" {
			v.Add(f("ref"), "duplicate", "")
		}
		seen[x.Ref] = true
		if x.SalespersonID == 0 && x.SalespersonUsername == "" {
			v.Add(f("salesperson"), "required", "")
		}
		if x.Currency == "" {
			x.Currency = "CNY"
		}
		if !ValidCurrency(x.Currency) {
			v.Add(f("currency"), "invalid_value", "")
		}
		amt, err := Parse(in.Amount)
		switch {
		case strings.TrimSpace(in.Amount) == "":
			v.Add(f("amount"), "required", "")
		case err != nil:
			v.Add(f("amount"), "invalid_amount", "")
		case amt == 0:
			v.Add(f("amount"), "positive", "")
		case amt > maxAmount:
			v.Add(f("amount"), "too_large", Format(maxAmount))
		}
		x.Amount = amt
		inv := checkDate(&v, f("invoiced_on"), x.InvoicedOn)
		due := checkDate(&v, f("due_on"), x.DueOn)
		if inv && due && x.DueOn < x.InvoicedOn {
			v.Add(f("due_on"), "before_from", "")
		}
		out = append(out, x)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// checkDate requires s to be a date YYYY-MM-DD.
func checkDate(v *apperr.Validation, field, s string) bool {
	if !v.Required(field, s) {
		return false
	}
	if _, err := time.Parse(dateLayout, s); err != nil {
		v.Add(field, "invalid_date", "")
		return false
	}
	return true
}

// InvoiceStore keeps the receivables.
type InvoiceStore interface {
	// AddInvoices stores new receivables in one transaction, resolving
	// customer codes and usernames (field errors rows[i].customer,
	// rows[i].salesperson), and audits each (receivable.add). A
	// receivable whose ref exists is left as it is when it has the same
	// terms and refused otherwise (rows[i].ref, duplicate). It answers how
	// many were new.
	AddInvoices(ctx context.Context, xs []Invoice, actor audit.Actor) (int, error)
	// Invoice loads a receivable by ref with its collections.
	Invoice(ctx context.Context, ref string) (*Invoice, error)
	// AddCollection books c against the receivable ref unless it would
	// collect more than the amount (field amount, rule
	// exceeds_outstanding, param the outstanding amount), and audits it
	// (receivable.collect).
	AddCollection(ctx context.Context, ref string, c *Collection, actor audit.Actor) error
	// InvoicesDue lists the receivables due in [from, to) (dates) with
	// what was collected in all and by the due date.
	InvoicesDue(ctx context.Context, from, to string) ([]DueInvoice, error)
	// StandingCredits lists the receivables of [from, to) that standing
	// credit notes reduce.
	StandingCredits(ctx context.Context, from, to string) ([]CreditFlag, error)
}

// Receivables records receivables and collections and builds the
// collection-bonus report.
type Receivables struct {
	Store InvoiceStore
	Loc   *time.Location
	Now   func() time.Time
}

// Add stores receivables as entered or imported.
func (s *Receivables) Add(ctx context.Context, rows []InvoiceInput, actor audit.Actor) (int, error) {
	xs, err := NewInvoices(rows)
	if err != nil {
		return 0, err
	}
	now := s.Now()
	for i := range xs {
		xs[i].CreatedAt = now
	}
	return s.Store.AddInvoices(ctx, xs, actor)
}

// Get loads a receivable with its collections.
func (s *Receivables) Get(ctx context.Context, ref string) (*Invoice, error) {
	return s.Store.Invoice(ctx, strings.TrimSpace(ref))
}

// Collect books money received against the receivable ref. The date is
// not in the future; the total collected never exceeds the amount.
func (s *Receivables) Collect(ctx context.Context, ref string, in CollectionInput, actor audit.Actor) (*Invoice, error) {
	var v apperr.Validation
	c := &Collection{CollectedOn: strings.TrimSpace(in.CollectedOn), Note: strings.TrimSpace(in.Note), At: s.Now()}
	if actor.UserID != 0 {
		c.ByUserID = &actor.UserID
	}
	amt, err := Parse(in.Amount)
	switch {
	case strings.TrimSpace(in.Amount) == "":
		v.Add("amount", "required", "")
	case err != nil:
		v.Add("amount", "invalid_amount", "")
	case amt == 0:
		v.Add("amount", "positive", "")
	case amt > maxAmount:
		v.Add("amount", "too_large", Format(maxAmount))
	}
	c.Amount = amt
	if checkDate(&v, "collected_on", c.CollectedOn) && c.CollectedOn > s.Now().In(s.loc()).Format(dateLayout) {
		v.Add("collected_on", "in_future", "")
	}
	v.Text("note", c.Note, 500)
	if err := v.Err(); err != nil {
		return nil, err
	}
	ref = strings.TrimSpace(ref)
	if err := s.Store.AddCollection(ctx, ref, c, actor); err != nil {
		return nil, err
	}
	return s.Store.Invoice(ctx, ref)
}

func (s *Receivables) loc() *time.Location {
	if s.Loc == nil {
		return time.UTC
	}
	return s.Loc
}

// invoiceColumns maps the header names an import may use to the fields.
var invoiceColumns = map[string]string{"ref": "ref", "应收单号": "ref", "发票号": "ref", "customer": "customer", "客户编码": "customer",
	"salesperson": "salesperson", "业务员": "salesperson", "currency": "currency", "币种": "currency", "amount": "amount", "金额": "amount",
	"应收金额": "amount", "invoiced_on": "invoiced_on", "开票日期": "invoiced_on", "due_on": "due_on", "到期日": "due_on", "收款期限": "due_on"}

// ParseInvoices reads a receivables file from the accounting system: CSV
// (UTF-8, optionally with a byte-order mark) or the first sheet of an
// .xlsx workbook, with a header row naming the columns ref (应收单号),
// salesperson (业务员, a username), amount (金额), invoiced_on (开票日期),
// due_on (到期日) and, optionally, customer (客户编码) and currency (币种).
// Blank rows are skipped; the rows are checked by NewInvoices.
func ParseInvoices(name string, data []byte) ([]InvoiceInput, error) {
	var rows [][]string
	bad := func(kind string) error {
		var v apperr.Validation
		v.Add("file", "rec_bad_file", kind)
		return v.Err()
	}
	if strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return nil, bad("xlsx")
		}
		defer f.Close()
		if rows, err = f.GetRows(f.GetSheetName(0)); err != nil {
			return nil, bad("xlsx")
		}
	} else {
		rd := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
		rd.FieldsPerRecord = -1
		all, err := rd.ReadAll()
		if err != nil {
			return nil, bad("csv")
		}
		rows = all
	}
	var v apperr.Validation
	if len(rows) == 0 {
		v.Add("file", "required", "")
		return nil, v.Err()
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		if n, ok := invoiceColumns[strings.ToLower(strings.TrimSpace(h))]; ok {
			col[n] = i
		}
	}
	for _, c := range []string{"ref", "salesperson", "amount", "invoiced_on", "due_on"} {
		if _, ok := col[c]; !ok {
			v.Add("file", "rec_missing_column", c)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	cell := func(row []string, c string) string {
		i, ok := col[c]
		if !ok || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	var out []InvoiceInput
	for _, row := range rows[1:] {
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		out = append(out, InvoiceInput{Ref: cell(row, "ref"), Customer: cell(row, "customer"), Salesperson: cell(row, "salesperson"),
			Currency: cell(row, "currency"), Amount: cell(row, "amount"), InvoicedOn: cell(row, "invoiced_on"), DueOn: cell(row, "due_on")})
	}
	if len(out) == 0 {
		v.Add("file", "required", "")
	}
	return out, v.Err()
}
