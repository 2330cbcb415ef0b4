-- Credit notes 销货折让证明单 (FIN-1): one per case, with the receivables it
-- reduces. The amount is the sum of the receivables' amounts (fen); the
-- approval is the case plan's, for the same amount.
CREATE TABLE credit_notes (
  complaint_id BIGINT PRIMARY KEY REFERENCES complaints(id),
  number       TEXT NOT NULL,
  currency     TEXT NOT NULL,
  amount       BIGINT NOT NULL CHECK (amount > 0),
  reason       TEXT NOT NULL,
  status       TEXT NOT NULL,
  issued_at    BIGINT,
  issued_by    BIGINT REFERENCES users(id),
  signed_at    BIGINT,
  signed_how   TEXT NOT NULL DEFAULT '',
  signer       TEXT NOT NULL DEFAULT '',
  signed_file  BIGINT REFERENCES attachments(id),
  voided_at    BIGINT,
  void_reason  TEXT NOT NULL DEFAULT '',
  version      BIGINT NOT NULL DEFAULT 1,
  updated_at   BIGINT NOT NULL
);

CREATE TABLE credit_receivables (
  complaint_id BIGINT NOT NULL REFERENCES credit_notes(complaint_id),
  seq          BIGINT NOT NULL,
  ref          TEXT NOT NULL,
  amount       BIGINT NOT NULL CHECK (amount > 0),
  PRIMARY KEY (complaint_id, seq)
);
CREATE INDEX credit_receivables_ref ON credit_receivables(ref);
