package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/org"
)

func (s RegisterStore) checkDepartment(ctx context.Context, tx *sql.Tx, d *org.Department) error {
	var v apperr.Validation
	var one int
	for _, r := range []struct {
		field string
		id    *int64
		query string
	}{{"parent_id", d.ParentID, "SELECT 1 FROM departments WHERE id = ?"},
		{"manager_id", d.ManagerID, "SELECT 1 FROM users WHERE id = ?"},
		{"deputy_id", d.DeputyID, "SELECT 1 FROM users WHERE id = ?"}} {
		if r.id == nil {
			continue
		}
		err := tx.QueryRowContext(ctx, s.Dialect.Rebind(r.query), *r.id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			v.Add(r.field, "not_found", "")
		} else if err != nil {
			return err
		}
	}
	// A department may not become its own ancestor.
	if d.ID != 0 && d.ParentID != nil && !v.Has("parent_id") {
		cur := d.ParentID
		for steps := 0; cur != nil && steps < 64; steps++ {
			if *cur == d.ID {
				v.Add("parent_id", "cycle", "")
				break
			}
			var next sql.NullInt64
			if err := tx.QueryRowContext(ctx, s.q("department.parent"), *cur).Scan(&next); err != nil {
				return err
			}
			cur = intPtr(next)
		}
	}
	return v.Err()
}

// CreateDepartment implements org.Store.
func (s RegisterStore) CreateDepartment(ctx context.Context, d *org.Department, actor audit.Actor) error {
	if err := org.ValidateDepartment(d); err != nil {
		return err
	}
	d.Version = 1
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkDepartment(ctx, tx, d); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q("department.insert"), d.Code, d.Name, d.NameEN, nullInt(d.ParentID),
			nullInt(d.ManagerID), nullInt(d.DeputyID), d.Sort).Scan(&d.ID); err != nil {
			return fieldConflict(s.classify(err), "code")
		}
		return s.audit(ctx, tx, actor, "department.create", obj("department", d.ID), nil)
	})
}

// UpdateDepartment implements org.Store.
func (s RegisterStore) UpdateDepartment(ctx context.Context, d *org.Department, actor audit.Actor) error {
	if err := org.ValidateDepartment(d); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkDepartment(ctx, tx, d); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q("department.update"), d.Code, d.Name, d.NameEN, nullInt(d.ParentID),
			nullInt(d.ManagerID), nullInt(d.DeputyID), d.Sort, d.ID, d.Version)
		if err != nil {
			return fieldConflict(s.classify(err), "code")
		}
		if err := s.versioned(ctx, tx, res, "departments", d.ID); err != nil {
			return err
		}
		d.Version++
		return s.audit(ctx, tx, actor, "department.update", obj("department", d.ID), nil)
	})
}

// DeleteDepartment implements org.Store.
func (s RegisterStore) DeleteDepartment(ctx context.Context, id int64, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("department.delete"), id)
		if err := deleted(res, s.classify(err), "department", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "department.delete", obj("department", id), nil)
	})
}

func scanDepartment(row scanner) (*org.Department, error) {
	var d org.Department
	var parent, manager, deputy sql.NullInt64
	if err := row.Scan(&d.ID, &d.Code, &d.Name, &d.NameEN, &parent, &manager, &deputy, &d.Manager, &d.Deputy, &d.Sort, &d.Version); err != nil {
		return nil, err
	}
	d.ParentID, d.ManagerID, d.DeputyID = intPtr(parent), intPtr(manager), intPtr(deputy)
	return &d, nil
}

// GetDepartment implements org.Store.
func (s RegisterStore) GetDepartment(ctx context.Context, id int64) (*org.Department, error) {
	d, err := scanDepartment(s.R.QueryRowContext(ctx, s.q("department.select")+s.Dialect.Rebind(" WHERE d.id = ?"), id))
	if err != nil {
		return nil, s.classify(err)
	}
	return d, nil
}

// ListDepartments implements org.Store.
func (s RegisterStore) ListDepartments(ctx context.Context) ([]org.Department, error) {
	return list(ctx, s.DB, s.q("department.select")+" ORDER BY d.sort, d.code", nil, scanDepartment)
}

func (s RegisterStore) checkUserDept(ctx context.Context, tx *sql.Tx, u *org.User) error {
	if u.DepartmentID == nil {
		return nil
	}
	var one int
	err := tx.QueryRowContext(ctx, s.q("ref.department"), *u.DepartmentID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		var v apperr.Validation
		v.Add("department_id", "not_found", "")
		return v.Err()
	}
	return err
}

// CreateUser implements org.Store.
func (s RegisterStore) CreateUser(ctx context.Context, u *org.User, passwordHash string, actor audit.Actor) error {
	if err := org.ValidateUser(u); err != nil {
		return err
	}
	u.CreatedAt, u.Version = s.Now(), 1
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkUserDept(ctx, tx, u); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q("user.insert"), u.Username, u.Name, u.Email, u.Phone, u.Role, nullInt(u.DepartmentID),
			u.Lang, u.Disabled, passwordHash, micros(u.CreatedAt)).Scan(&u.ID); err != nil {
			return fieldConflict(s.classify(err), "username")
		}
		return s.audit(ctx, tx, actor, "user.create", obj("user", u.ID), map[string]any{"username": u.Username, "role": u.Role})
	})
}

// UpdateUser implements org.Store; the username never changes.
func (s RegisterStore) UpdateUser(ctx context.Context, u *org.User, actor audit.Actor) error {
	if err := org.ValidateUser(u); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkUserDept(ctx, tx, u); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q("user.update"), u.Name, u.Email, u.Phone, u.Role, nullInt(u.DepartmentID), u.Lang,
			u.Disabled, u.ID, u.Version)
		if err != nil {
			return s.classify(err)
		}
		if err := s.versioned(ctx, tx, res, "users", u.ID); err != nil {
			return err
		}
		u.Version++
		return s.audit(ctx, tx, actor, "user.update", obj("user", u.ID), map[string]any{"role": u.Role, "disabled": u.Disabled})
	})
}

func scanUserCols(u *org.User, dept *sql.NullInt64, created *int64) []any {
	return []any{&u.ID, &u.Username, &u.Name, &u.Email, &u.Phone, &u.Role, dept, &u.Department, &u.Lang, &u.Disabled, &u.Version, created}
}

func scanUser(row scanner) (*org.User, error) {
	var u org.User
	var dept sql.NullInt64
	var created int64
	if err := row.Scan(scanUserCols(&u, &dept, &created)...); err != nil {
		return nil, err
	}
	u.DepartmentID, u.CreatedAt = intPtr(dept), fromMicros(created)
	return &u, nil
}

// GetUser implements org.Store.
func (s RegisterStore) GetUser(ctx context.Context, id int64) (*org.User, error) {
	u, err := scanUser(s.R.QueryRowContext(ctx, s.q("user.select")+s.Dialect.Rebind(" WHERE u.id = ?"), id))
	if err != nil {
		return nil, s.classify(err)
	}
	return u, nil
}

// GetUserByUsername implements org.Store.
func (s RegisterStore) GetUserByUsername(ctx context.Context, username string) (*org.User, error) {
	u, err := scanUser(s.R.QueryRowContext(ctx, s.q("user.select")+s.Dialect.Rebind(" WHERE u.username = ?"), username))
	if err != nil {
		return nil, s.classify(err)
	}
	return u, nil
}

// ListUsers implements org.Store.
func (s RegisterStore) ListUsers(ctx context.Context) ([]org.User, error) {
	return list(ctx, s.DB, s.q("user.select")+" ORDER BY u.username", nil, scanUser)
}

// AuthStore implements auth.Store.
type AuthStore struct{ *DB }

var _ auth.Store = AuthStore{}

// GetCredential implements auth.Store.
func (s AuthStore) GetCredential(ctx context.Context, username string) (*auth.Credential, error) {
	var c auth.Credential
	var dept sql.NullInt64
	var created, locked int64
	cols := append(scanUserCols(&c.User, &dept, &created), &c.Hash, &c.Failed, &locked, &c.MustChange)
	// Read from the writer so a just-recorded failure counts at once.
	if err := s.W.QueryRowContext(ctx, s.q("user.credential"), username).Scan(cols...); err != nil {
		return nil, s.classify(err)
	}
	c.User.DepartmentID, c.User.CreatedAt = intPtr(dept), fromMicros(created)
	if locked > 0 {
		c.LockedUntil = fromMicros(locked)
	}
	return &c, nil
}

// SetPassword implements auth.Store.
func (s AuthStore) SetPassword(ctx context.Context, c auth.PasswordChange, actor audit.Actor) error {
	if c.At.IsZero() {
		c.At = s.Now()
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("user.password"), c.Hash, c.MustChange, c.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "user %d not found", c.UserID)
		}
		ended, err := tx.ExecContext(ctx, s.q("session.end_others"), c.UserID, c.KeepSession)
		if err != nil {
			return err
		}
		if c.KeepSession != "" {
			if _, err := tx.ExecContext(ctx, s.q("session.keep"), c.MustChange, c.KeepSession, c.UserID); err != nil {
				return err
			}
		}
		revoked, err := tx.ExecContext(ctx, s.q("token.revoke_others"), micros(c.At), c.UserID, c.KeepToken)
		if err != nil {
			return err
		}
		sessions, _ := ended.RowsAffected()
		tokens, _ := revoked.RowsAffected()
		return s.audit(ctx, tx, actor, "user.password", obj("user", c.UserID),
			map[string]any{"sessions_ended": sessions, "tokens_revoked": tokens, "must_change": c.MustChange})
	})
}

// RecordRefusedLogin implements auth.Store.
func (s AuthStore) RecordRefusedLogin(ctx context.Context, userID int64, username, reason string, actor audit.Actor) error {
	object := "username:" + username
	if userID != 0 {
		object = obj("user", userID)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return s.audit(ctx, tx, actor, "user.login_failed", object, map[string]any{"reason": reason})
	})
}

// RecordLogin implements auth.Store.
func (s AuthStore) RecordLogin(ctx context.Context, userID int64, failed int, lockedUntil time.Time, ok bool, actor audit.Actor) error {
	var locked int64
	if !lockedUntil.IsZero() {
		locked = micros(lockedUntil)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("user.login"), failed, locked, userID); err != nil {
			return err
		}
		action := "user.login"
		detail := map[string]any{}
		if !ok {
			action = "user.login_failed"
			detail["locked"] = locked > 0
		}
		return s.audit(ctx, tx, actor, action, obj("user", userID), detail)
	})
}

// CreateSession implements auth.Store.
func (s AuthStore) CreateSession(ctx context.Context, ss *auth.Session) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("session.expire"), micros(ss.CreatedAt)); err != nil {
			return err
		}
		seen := ss.LastSeen
		if seen.IsZero() {
			seen = ss.CreatedAt
		}
		_, err := tx.ExecContext(ctx, s.q("session.insert"), ss.TokenHash, ss.UserID, ss.CSRF, micros(ss.CreatedAt), micros(ss.ExpiresAt), ss.IP,
			micros(seen), ss.MustChange)
		return err
	})
}

// GetSession implements auth.Store.
func (s AuthStore) GetSession(ctx context.Context, tokenHash string, now time.Time) (*auth.Session, *org.User, error) {
	var ss auth.Session
	var u org.User
	var created, expires, seen, ucreated int64
	var dept sql.NullInt64
	cols := append([]any{&ss.TokenHash, &ss.UserID, &ss.CSRF, &created, &expires, &ss.IP, &seen, &ss.MustChange}, scanUserCols(&u, &dept, &ucreated)...)
	if err := s.R.QueryRowContext(ctx, s.q("session.get"), tokenHash, micros(now)).Scan(cols...); err != nil {
		return nil, nil, s.classify(err)
	}
	ss.CreatedAt, ss.ExpiresAt, ss.LastSeen = fromMicros(created), fromMicros(expires), fromMicros(seen)
	if seen == 0 {
		ss.LastSeen = ss.CreatedAt
	}
	u.DepartmentID, u.CreatedAt = intPtr(dept), fromMicros(ucreated)
	if u.Disabled {
		return nil, nil, apperr.New(apperr.Unauthorized, "user disabled")
	}
	return &ss, &u, nil
}

// TouchSession implements auth.Store.
func (s AuthStore) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q("session.touch"), micros(at), tokenHash)
		return err
	})
}

// DeleteSession implements auth.Store.
func (s AuthStore) DeleteSession(ctx context.Context, tokenHash string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q("session.delete"), tokenHash)
		return err
	})
}

// CreateToken implements auth.Store.
func (s AuthStore) CreateToken(ctx context.Context, t *auth.Token, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.q("token.insert"), t.UserID, t.Name, t.Hash, micros(t.CreatedAt), nullMicros(t.ExpiresAt)).Scan(&t.ID); err != nil {
			return err
		}
		detail := map[string]any{"token_id": t.ID, "name": t.Name}
		if t.ExpiresAt != nil {
			detail["expires_at"] = t.ExpiresAt.UTC().Format(time.RFC3339)
		}
		return s.audit(ctx, tx, actor, "token.create", obj("user", t.UserID), detail)
	})
}

// GetToken implements auth.Store.
func (s AuthStore) GetToken(ctx context.Context, hash string) (*auth.Token, *org.User, error) {
	var t auth.Token
	var u org.User
	var created, ucreated int64
	var used, expires, dept sql.NullInt64
	cols := append([]any{&t.ID, &t.UserID, &t.Name, &t.Hash, &created, &used, &expires}, scanUserCols(&u, &dept, &ucreated)...)
	if err := s.R.QueryRowContext(ctx, s.q("token.get"), hash).Scan(cols...); err != nil {
		return nil, nil, s.classify(err)
	}
	t.CreatedAt, t.LastUsed, t.ExpiresAt = fromMicros(created), timePtr(used), timePtr(expires)
	t.Username = u.Username
	u.DepartmentID, u.CreatedAt = intPtr(dept), fromMicros(ucreated)
	if u.Disabled {
		return nil, nil, apperr.New(apperr.Unauthorized, "user disabled")
	}
	return &t, &u, nil
}

// TouchToken implements auth.Store.
func (s AuthStore) TouchToken(ctx context.Context, id int64, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q("token.used"), micros(at), id)
		return err
	})
}

// ListTokens implements auth.Store.
func (s AuthStore) ListTokens(ctx context.Context, userID int64) ([]auth.Token, error) {
	q, args := s.q("token.list"), []any{}
	if userID != 0 {
		q += s.Dialect.Rebind(" WHERE t.user_id = ?")
		args = append(args, userID)
	}
	return list(ctx, s.DB, q+" ORDER BY t.id DESC", args, func(r scanner) (*auth.Token, error) {
		var t auth.Token
		var created int64
		var used, expires, revoked sql.NullInt64
		if err := r.Scan(&t.ID, &t.UserID, &t.Username, &t.Name, &created, &used, &expires, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt, t.LastUsed, t.ExpiresAt, t.RevokedAt = fromMicros(created), timePtr(used), timePtr(expires), timePtr(revoked)
		return &t, nil
	})
}

// RevokeToken implements auth.Store.
func (s AuthStore) RevokeToken(ctx context.Context, id, userID int64, at time.Time, actor audit.Actor) (int64, error) {
	var owner int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var revoked sql.NullInt64
		if err := tx.QueryRowContext(ctx, s.q("token.owner"), id).Scan(&owner, &revoked); err != nil {
			return err
		}
		if userID != 0 && owner != userID {
			return apperr.New(apperr.NotFound, "token %d not found", id)
		}
		if revoked.Valid {
			return nil // revoked already: nothing to do, nothing to audit
		}
		if _, err := tx.ExecContext(ctx, s.q("token.revoke"), micros(at), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "token.revoke", obj("user", owner), map[string]any{"token_id": id})
	})
	return owner, s.classify(err)
}

// CountUsers implements auth.Store.
func (s AuthStore) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.R.QueryRowContext(ctx, s.q("user.count")).Scan(&n)
	return n, s.classify(err)
}
