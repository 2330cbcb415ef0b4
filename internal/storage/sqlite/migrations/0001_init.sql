-- kesu schema, SQLite. Times are Unix microseconds (INTEGER), dates are
-- 'YYYY-MM-DD' text.

CREATE TABLE departments (
  id         INTEGER PRIMARY KEY,
  code       TEXT NOT NULL UNIQUE,
  name       TEXT NOT NULL,
  name_en    TEXT NOT NULL DEFAULT '',
  parent_id  INTEGER REFERENCES departments(id),
  manager_id INTEGER,
  deputy_id  INTEGER,
  sort       INTEGER NOT NULL DEFAULT 0,
  version    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  email         TEXT NOT NULL DEFAULT '',
  phone         TEXT NOT NULL DEFAULT '',
  role          TEXT NOT NULL,
  department_id INTEGER REFERENCES departments(id),
  lang          TEXT NOT NULL DEFAULT 'zh',
  disabled      INTEGER NOT NULL DEFAULT 0,
  password_hash TEXT NOT NULL DEFAULT '',
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until  INTEGER NOT NULL DEFAULT 0,
  version       INTEGER NOT NULL DEFAULT 1,
  created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  csrf       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ip         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE api_tokens (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  name       TEXT NOT NULL,
  hash       TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_used  INTEGER
);

CREATE TABLE customers (
  id         INTEGER PRIMARY KEY,
  code       TEXT UNIQUE,
  name       TEXT NOT NULL,
  class      TEXT NOT NULL,
  dealer_id  INTEGER REFERENCES customers(id),
  region     TEXT NOT NULL DEFAULT 'domestic',
  contact    TEXT NOT NULL DEFAULT '',
  phone      TEXT NOT NULL DEFAULT '',
  email      TEXT NOT NULL DEFAULT '',
  address    TEXT NOT NULL DEFAULT '',
  note       TEXT NOT NULL DEFAULT '',
  version    INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
);
CREATE INDEX customers_dealer ON customers(dealer_id);

CREATE TABLE products (
  id      INTEGER PRIMARY KEY,
  code    TEXT NOT NULL UNIQUE,
  name    TEXT NOT NULL,
  model   TEXT NOT NULL DEFAULT '',
  line    TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE suppliers (
  id      INTEGER PRIMARY KEY,
  code    TEXT NOT NULL UNIQUE,
  name    TEXT NOT NULL,
  contact TEXT NOT NULL DEFAULT '',
  phone   TEXT NOT NULL DEFAULT '',
  email   TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE batches (
  id          INTEGER PRIMARY KEY,
  product_id  INTEGER NOT NULL REFERENCES products(id),
  lot_no      TEXT NOT NULL,
  produced_on TEXT,
  quantity    INTEGER NOT NULL DEFAULT 0,
  status      TEXT NOT NULL DEFAULT 'normal',
  supplier_id INTEGER REFERENCES suppliers(id),
  version     INTEGER NOT NULL DEFAULT 1,
  UNIQUE (product_id, lot_no)
);
CREATE INDEX batches_lot ON batches(lot_no);

CREATE TABLE categories (
  code    TEXT PRIMARY KEY,
  parent  TEXT NOT NULL DEFAULT '',
  zh      TEXT NOT NULL,
  en      TEXT NOT NULL,
  quality INTEGER NOT NULL DEFAULT 0,
  sort    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE complaints (
  id                INTEGER PRIMARY KEY,
  number            TEXT UNIQUE,
  tracking_code     TEXT NOT NULL,
  status            TEXT NOT NULL,
  version           INTEGER NOT NULL DEFAULT 1,
  channel           TEXT NOT NULL,
  received_at       INTEGER NOT NULL,
  subject           TEXT NOT NULL,
  description       TEXT NOT NULL,
  category          TEXT NOT NULL DEFAULT '',
  category_top      TEXT NOT NULL DEFAULT '',
  severity          TEXT NOT NULL,
  safety            INTEGER NOT NULL DEFAULT 0,
  requests          TEXT NOT NULL DEFAULT '',
  complainant_name  TEXT NOT NULL DEFAULT '',
  complainant_phone TEXT NOT NULL DEFAULT '',
  complainant_email TEXT NOT NULL DEFAULT '',
  complainant_address TEXT NOT NULL DEFAULT '',
  complainant_company TEXT NOT NULL DEFAULT '',
  customer_id       INTEGER REFERENCES customers(id),
  customer_class    TEXT NOT NULL DEFAULT '',
  region            TEXT NOT NULL DEFAULT 'domestic',
  product_id        INTEGER REFERENCES products(id),
  product_name      TEXT NOT NULL DEFAULT '',
  model             TEXT NOT NULL DEFAULT '',
  batch_no          TEXT NOT NULL DEFAULT '',
  batch_id          INTEGER REFERENCES batches(id),
  order_no          TEXT NOT NULL DEFAULT '',
  part_no           TEXT NOT NULL DEFAULT '',
  qty_shipped       INTEGER,
  qty_defective     INTEGER,
  ship_date         TEXT,
  ship_address      TEXT NOT NULL DEFAULT '',
  usage_time        TEXT NOT NULL DEFAULT '',
  found_place       TEXT NOT NULL DEFAULT '',
  found_at          INTEGER,
  department_id     INTEGER REFERENCES departments(id),
  first_receiver_id INTEGER REFERENCES users(id),
  attachment_count  INTEGER NOT NULL DEFAULT 0,
  expected_by       INTEGER NOT NULL,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX complaints_received ON complaints(received_at, id);
CREATE INDEX complaints_status ON complaints(status, received_at);
CREATE INDEX complaints_channel ON complaints(channel, received_at);
CREATE INDEX complaints_category ON complaints(category, received_at);
CREATE INDEX complaints_category_top ON complaints(category_top, received_at);
CREATE INDEX complaints_severity ON complaints(severity, received_at);
CREATE INDEX complaints_customer ON complaints(customer_id, received_at);
CREATE INDEX complaints_class ON complaints(customer_class, received_at);
CREATE INDEX complaints_product ON complaints(product_id, received_at);
CREATE INDEX complaints_batch ON complaints(batch_no, received_at);
CREATE INDEX complaints_department ON complaints(department_id, received_at);

-- Substring index: the tokens of textsearch, matched as phrases.
CREATE VIRTUAL TABLE complaint_fts USING fts5(tokens, content='', contentless_delete=1,
  tokenize='unicode61 remove_diacritics 0');

CREATE TABLE complaint_events (
  id           INTEGER PRIMARY KEY,
  complaint_id INTEGER NOT NULL REFERENCES complaints(id),
  at           INTEGER NOT NULL,
  actor_id     INTEGER,
  actor_name   TEXT NOT NULL,
  kind         TEXT NOT NULL,
  public       INTEGER NOT NULL DEFAULT 0,
  body         TEXT NOT NULL DEFAULT '',
  data         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX complaint_events_complaint ON complaint_events(complaint_id, id);

CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events
BEGIN SELECT RAISE(ABORT, 'timeline entries cannot be changed'); END;
CREATE TRIGGER complaint_events_no_delete BEFORE DELETE ON complaint_events
BEGIN SELECT RAISE(ABORT, 'timeline entries cannot be deleted'); END;

CREATE TABLE attachments (
  id           INTEGER PRIMARY KEY,
  complaint_id INTEGER NOT NULL REFERENCES complaints(id),
  name         TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  sha256       TEXT NOT NULL,
  kind         TEXT NOT NULL,
  public       INTEGER NOT NULL DEFAULT 0,
  uploaded_by  TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL
);
CREATE INDEX attachments_complaint ON attachments(complaint_id);

CREATE TABLE idempotency_keys (
  scope        TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  complaint_id INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);

CREATE TABLE number_counters (
  scope TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);

CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  actor_id   INTEGER NOT NULL DEFAULT 0,
  actor_name TEXT NOT NULL,
  ip         TEXT NOT NULL DEFAULT '',
  action     TEXT NOT NULL,
  object     TEXT NOT NULL DEFAULT '',
  detail     TEXT NOT NULL DEFAULT '',
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log(object, id);
CREATE INDEX audit_log_action ON audit_log(action, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

CREATE TABLE audit_head (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  last_id INTEGER NOT NULL,
  hash    TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, hash) VALUES (1, 0, '');

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
