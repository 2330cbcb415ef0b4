package export

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/privacy"
)

// ComplaintSource lists complaints for the register export.
type ComplaintSource interface {
	List(ctx context.Context, f complaint.Filter) (*complaint.Page, error)
	Count(ctx context.Context, f complaint.Filter) (int64, error)
}

// Labels names the codes and ids of complaint rows in one language; the
// caller knows the workflow states, categories and the organisation.
type Labels struct {
	Status     func(code string) string
	Category   func(code string) string
	Department func(id int64) string
	User       func(id int64) string
}

// column titles of the complaint register, Chinese and English.
var registerColumns = []struct {
	zh, en string
	width  float64
	format Format
}{
	{"投诉编号", "Number", 20, Text},
	{"受理时间", "Received", 0, DateTime},
	{"渠道", "Channel", 12, Text},
	{"类别", "Category", 16, Text},
	{"严重程度", "Severity", 0, Text},
	{"安全相关", "Safety", 0, Text},
	{"状态", "Status", 12, Text},
	{"主题", "Subject", 30, Text},
	{"客户", "Customer", 24, Text},
	{"客户类别", "Customer class", 0, Text},
	{"投诉人", "Complainant", 0, Text},
	{"电话", "Phone", 14, Text},
	{"邮箱", "Email", 22, Text},
	{"地址", "Address", 30, Text},
	{"单位", "Company", 20, Text},
	{"产品", "Product", 18, Text},
	{"型号", "Model", 12, Text},
	{"批号", "Batch", 14, Text},
	{"不良数量", "Qty defective", 0, Int},
	{"责任部门", "Department", 14, Text},
	{"处理人", "Holder", 0, Text},
	{"预计完成", "Expected by", 0, DateTime},
	{"最后更新", "Updated", 0, DateTime},
}

// pageSize is how many complaints one list query reads.
const pageSize = 1000

// DecodeFilter reads a stored complaint filter.
func DecodeFilter(raw json.RawMessage) (complaint.Filter, error) {
	var f complaint.Filter
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &f); err != nil {
			return f, fmt.Errorf("export filter: %w", err)
		}
	}
	f.After, f.Limit = "", pageSize
	return f, nil
}

// ComplaintSheet describes the complaint register under f as a sheet, read
// with ctx:
// every complaint f selects, in its sort order, read a page at a time.
// Without personal the complainant's name, phone, email and address are
// masked (privacy rules). progress, when set, is called after each page
// with the rows yielded so far. Times are shown in loc.
func ComplaintSheet(ctx context.Context, src ComplaintSource, f complaint.Filter, lb Labels, lang string, personal bool, loc *time.Location,
	progress func(rows int64) error) Sheet {
	if loc == nil {
		loc = time.UTC
	}
	cols := make([]Column, len(registerColumns))
	for i, c := range registerColumns {
		cols[i] = Column{Title: c.zh, Width: c.width, Format: c.format}
		if lang == "en" {
			cols[i].Title = c.en
		}
	}
	name := "投诉登记"
	if lang == "en" {
		name = "Complaints"
	}
	f.After, f.Limit = "", pageSize
	yes, no := "是", "否"
	if lang == "en" {
		yes, no = "yes", "no"
	}
	rows := func(yield func([]any) error) error {
		f := f
		var n int64
		row := make([]any, len(cols))
		for {
			page, err := src.List(ctx, f)
			if err != nil {
				return err
			}
			for i := range page.Items {
				c := &page.Items[i]
				if !personal {
					m := privacy.Complaint(*c)
					m.Complainant.Name = privacy.Name(m.Complainant.Name)
					c = &m
				}
				safety := no
				if c.Safety {
					safety = yes
				}
				row = append(row[:0], c.Number, c.ReceivedAt.In(loc), complaint.Channels.Label(c.Channel, lang),
					label(lb.Category, c.Category), complaint.Severities.Label(c.Severity, lang), safety,
					label(lb.Status, c.Status), c.Subject, c.CustomerName, classLabel(c.CustomerClass, lang),
					c.Complainant.Name, c.Complainant.Phone, c.Complainant.Email, c.Complainant.Address, c.Complainant.Company,
					c.ProductName, c.Model, c.BatchNo, c.QtyDefective, idLabel(lb.Department, c.DepartmentID),
					idLabel(lb.User, c.HolderID), inLoc(c.ExpectedBy, loc), c.UpdatedAt.In(loc))
				if err := yield(row); err != nil {
					return err
				}
				n++
			}
			if progress != nil {
				if err := progress(n); err != nil {
					return err
				}
			}
			if page.Next == "" {
				return nil
			}
			f.After = page.Next
		}
	}
	return Sheet{Name: name, Columns: cols, Rows: rows}
}

func label(fn func(string) string, code string) string {
	if fn == nil || code == "" {
		return code
	}
	return fn(code)
}

func idLabel(fn func(int64) string, id *int64) string {
	if id == nil {
		return ""
	}
	if fn == nil {
		return fmt.Sprint(*id)
	}
	return fn(*id)
}

func classLabel(code, lang string) string {
	if code == "" {
		return ""
	}
	return customer.Classes.Label(code, lang)
}

func inLoc(t time.Time, loc *time.Location) any {
	if t.IsZero() {
		return nil
	}
	return t.In(loc)
}
