-- Parts sent on a case (004 §6.3): free within the warranty for a direct
-- customer, at the retail price otherwise or for end users and
-- sub-distributors, against the allowance for a dealer (the ledger entry it
-- charged). Amounts in fen.
CREATE TABLE part_shipments (
  id           BIGSERIAL PRIMARY KEY,
  complaint_id BIGINT NOT NULL REFERENCES complaints(id),
  part         TEXT NOT NULL,
  qty          BIGINT NOT NULL CHECK (qty > 0),
  unit_price   BIGINT NOT NULL CHECK (unit_price >= 0),
  amount       BIGINT NOT NULL CHECK (amount >= 0),
  basis        TEXT NOT NULL,
  in_warranty  BOOLEAN NOT NULL,
  customer_id  BIGINT REFERENCES customers(id),
  ledger_entry BIGINT REFERENCES dealer_ledger(id),
  note         TEXT NOT NULL DEFAULT '',
  by_user_id   BIGINT REFERENCES users(id),
  at           BIGINT NOT NULL
);
CREATE INDEX part_shipments_complaint ON part_shipments(complaint_id);
