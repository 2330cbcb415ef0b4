-- Parts sent on a case (004 §6.3): free within the warranty for a direct
-- customer, at the retail price otherwise or for end users and
-- sub-distributors, against the allowance for a dealer (the ledger entry it
-- charged). Amounts in fen.
CREATE TABLE part_shipments (
  id           INTEGER PRIMARY KEY,
  complaint_id INTEGER NOT NULL REFERENCES complaints(id),
  part         TEXT NOT NULL,
  qty          INTEGER NOT NULL CHECK (qty > 0),
  unit_price   INTEGER NOT NULL CHECK (unit_price >= 0),
  amount       INTEGER NOT NULL CHECK (amount >= 0),
  basis        TEXT NOT NULL,
  in_warranty  BOOLEAN NOT NULL,
  customer_id  INTEGER REFERENCES customers(id),
  ledger_entry INTEGER REFERENCES dealer_ledger(id),
  note         TEXT NOT NULL DEFAULT '',
  by_user_id   INTEGER REFERENCES users(id),
  at           INTEGER NOT NULL
);
CREATE INDEX part_shipments_complaint ON part_shipments(complaint_id);
