-- Receivables 应收账款 (FIN-1): the invoices customers owe, the salesperson
-- whose collection they count for, and what was collected when. The
-- collection-bonus report reads them with the credit notes that flag them.
-- Amounts in fen; dates as YYYY-MM-DD. collected is the sum of the
-- collections, kept on the row so a collection beyond the amount is refused
-- in one statement on every engine.
CREATE TABLE receivables (
  id             INTEGER PRIMARY KEY,
  ref            TEXT NOT NULL UNIQUE,
  customer_id    INTEGER REFERENCES customers(id),
  salesperson_id INTEGER NOT NULL REFERENCES users(id),
  currency       TEXT NOT NULL,
  amount         INTEGER NOT NULL CHECK (amount > 0),
  invoiced_on    TEXT NOT NULL,
  due_on         TEXT NOT NULL,
  collected      INTEGER NOT NULL DEFAULT 0,
  created_by     INTEGER REFERENCES users(id),
  created_at     INTEGER NOT NULL,
  CHECK (collected >= 0 AND collected <= amount),
  CHECK (due_on >= invoiced_on)
);
CREATE INDEX receivables_due ON receivables(due_on);

CREATE TABLE receivable_collections (
  id            INTEGER PRIMARY KEY,
  receivable_id INTEGER NOT NULL REFERENCES receivables(id),
  amount        INTEGER NOT NULL CHECK (amount > 0),
  collected_on  TEXT NOT NULL,
  note          TEXT NOT NULL DEFAULT '',
  by_user_id    INTEGER REFERENCES users(id),
  at            INTEGER NOT NULL
);
CREATE INDEX receivable_collections_receivable ON receivable_collections(receivable_id);
