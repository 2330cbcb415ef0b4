package recall

import (
	"testing"

	"kesu/internal/apperr"
)

func fieldRule(err error) (string, string) {
	var ae *apperr.Error
	if e, ok := err.(*apperr.Error); ok {
		ae = e
	}
	if ae == nil || len(ae.Fields) == 0 {
		return "", ""
	}
	return ae.Fields[0].Field, ae.Fields[0].Rule
}

func TestAnswerLimits(t *testing.T) {
	for _, c := range []struct {
		a           Answer
		field, rule string
	}{
		{Answer{Recalled: 60, InStock: 40, Isolated: 100}, "", ""},
		{Answer{Recalled: 101}, "recalled", "more_than_shipped"},
		{Answer{Recalled: 70, InStock: 40}, "in_stock", "more_than_shipped"},
		{Answer{Recalled: 10, InStock: 10, Isolated: 15, Destroyed: 10}, "destroyed", "rec_more_than_back"},
		{Answer{Recalled: -1}, "recalled", "negative"},
	} {
		f, r := fieldRule(c.a.Validate(100))
		if f != c.field || r != c.rule {
			t.Errorf("%+v: got %s/%s, want %s/%s", c.a, f, r, c.field, c.rule)
		}
	}
}

func TestParseShipmentsCSV(t *testing.T) {
	rows, err := ParseShipments("s.csv", []byte("\ufeff客户编码,批号,数量,发货日期\nD1,L1,5,2026-01-02\n\nD2,L1,7,\n"))
	if err != nil || len(rows) != 2 || rows[1].Quantity != 7 || rows[0].ShippedOn == nil {
		t.Fatalf("rows %+v err %v", rows, err)
	}
	if _, err := ParseShipments("s.csv", []byte("customer,quantity\nD1,5\n")); err == nil {
		t.Fatal("a file without the lot column was read")
	} else if f, r := fieldRule(err); f != "file" || r != "rec_missing_column" {
		t.Fatalf("missing column: %s/%s", f, r)
	}
	if _, err := ParseShipments("s.csv", []byte("customer,lot,quantity\nD1,L1,0\n")); err == nil {
		t.Fatal("a zero quantity was read")
	} else if f, _ := fieldRule(err); f != "rows[0].quantity" {
		t.Fatalf("zero quantity: field %s", f)
	}
}
