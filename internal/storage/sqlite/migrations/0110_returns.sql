-- Return slips 成品退货单 (RET-1, 003 第十三条): one per case, with the
-- approved quantity, the quantity the warehouse received and signed for,
-- and the quantity booked. Quantities are units.
CREATE TABLE return_slips (
  complaint_id INTEGER PRIMARY KEY REFERENCES complaints(id),
  number       TEXT NOT NULL,
  reason       TEXT NOT NULL,
  handling     TEXT NOT NULL,
  approved_qty INTEGER NOT NULL CHECK (approved_qty > 0),
  approved_by  INTEGER REFERENCES users(id),
  tolerance_bp INTEGER NOT NULL DEFAULT 0,
  received_qty INTEGER CHECK (received_qty >= 0),
  booked_qty   INTEGER CHECK (booked_qty >= 0),
  received_by  INTEGER REFERENCES users(id),
  received_at  INTEGER,
  signer       TEXT NOT NULL DEFAULT '',
  status       TEXT NOT NULL,
  version      INTEGER NOT NULL DEFAULT 1,
  updated_at   INTEGER NOT NULL
);

-- The steps of defective goods from a dealer (004 §4), in order.
CREATE TABLE return_steps (
  complaint_id INTEGER NOT NULL REFERENCES return_slips(complaint_id),
  seq          INTEGER NOT NULL,
  step         TEXT NOT NULL,
  note         TEXT NOT NULL DEFAULT '',
  by_user_id   INTEGER REFERENCES users(id),
  at           INTEGER NOT NULL,
  PRIMARY KEY (complaint_id, seq),
  UNIQUE (complaint_id, step)
);

-- Terms agreed with a customer: the over-quantity tolerance 超量允收比率 of
-- returns and a dealer's after-sales allowance rate, in basis points (NULL:
-- the company default).
CREATE TABLE customer_terms (
  customer_id  INTEGER PRIMARY KEY REFERENCES customers(id),
  tolerance_bp INTEGER CHECK (tolerance_bp BETWEEN 0 AND 10000),
  allowance_bp INTEGER CHECK (allowance_bp BETWEEN 0 AND 10000),
  updated_at   INTEGER NOT NULL
);
