package api

import (
	"errors"
	"testing"

	"kesu/internal/apperr"
)

// TestKeepPersonal: without the personal-data permission a user cannot
// change contact fields (a field error each), though the masked or stored
// value sent back passes and keeps the stored one; with it, a masked
// value sent back keeps the stored one and a new value is taken.
func TestKeepPersonal(t *testing.T) {
	stored := complaintInput{Complainant: complainantInput{Phone: "13812348000", Email: "zhang@example.com", Address: "浙江省杭州市西湖区文三路"},
		ShipAddress: "上海市浦东新区张江路"}
	in := stored
	in.Complainant.Phone, in.Complainant.Email = "138****8000", "z***@example.com"
	if err := keepPersonal(&in, stored, false); err != nil || in.Complainant != stored.Complainant || in.ShipAddress != stored.ShipAddress {
		t.Fatalf("masked write-back: %v, %+v", err, in)
	}
	in = stored
	in.Complainant.Email, in.ShipAddress = "other@example.com", ""
	err := keepPersonal(&in, stored, false)
	var ae *apperr.Error
	if !apperr.Is(err, apperr.Forbidden) || !errors.As(err, &ae) || len(ae.Fields) != 2 ||
		ae.Fields[0].Field != "complainant.email" || ae.Fields[1].Field != "ship_address" || ae.Fields[0].Rule != RulePersonalData {
		t.Fatalf("change without the permission: %v", err)
	}
	in = stored
	in.Complainant.Email, in.Complainant.Phone = "other@example.com", "138****8000"
	if err := keepPersonal(&in, stored, true); err != nil || in.Complainant.Email != "other@example.com" || in.Complainant.Phone != stored.Complainant.Phone {
		t.Fatalf("with the permission: %v %+v", err, in)
	}
}
