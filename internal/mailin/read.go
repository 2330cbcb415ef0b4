package mailin

import (
	"context"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/privacy"
)

// RulePersonalData refuses the original of a mail to a role that may not
// read personal data.
const RulePersonalData = "personal_data"

// Received mail holds the sender's address and their words (SEC-3): a
// role without personal.read sees the sender masked and may not have the
// original. Every read of received mail goes through these.

// Visible returns rec as role may see it.
func Visible(rec Record, role string) Record {
	if !auth.Can(role, auth.PersonalData) {
		rec.Sender = privacy.Email(rec.Sender)
	}
	rec.Raw = nil
	return rec
}

// Get returns one received mail as role may see it, without its bytes.
func (in *Intake) Get(ctx context.Context, id int64, role string) (*Record, error) {
	m, err := in.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	v := Visible(*m, role)
	return &v, nil
}

// List returns received mail as role may see it.
func (in *Intake) List(ctx context.Context, f Filter, role string) ([]Record, error) {
	items, err := in.Store.List(ctx, f)
	if err != nil {
		return nil, err
	}
	for i := range items {
		items[i] = Visible(items[i], role)
	}
	return items, nil
}

// Raw returns one received mail with its bytes, to a role that may read
// personal data only.
func (in *Intake) Raw(ctx context.Context, id int64, role string) (*Record, error) {
	if !auth.Can(role, auth.PersonalData) {
		return nil, &apperr.Error{Code: apperr.Forbidden, Message: "the original of a mail holds personal data",
			Fields: []apperr.FieldError{{Field: "raw", Rule: RulePersonalData, Param: string(auth.PersonalData)}}}
	}
	return in.Store.Get(ctx, id)
}
