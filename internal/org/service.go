package org

import (
	"context"

	"kesu/internal/apperr"
	"kesu/internal/audit"
)

// Service makes every change to departments and users, whether it comes
// from the API, the pages or the command line, so the rules hold on every
// path and what this server keeps of the organisation in memory (cached
// API tokens, department trees) is dropped the moment it changes. Reads
// go straight to the store.
type Service struct {
	Store Store
	// OnUserChange is called with a user's id after their record was
	// changed: their cached API tokens must not outlive a new role,
	// department or a disabling.
	OnUserChange []func(userID int64)
	// OnDepartmentChange is called after a department was created,
	// changed or deleted: cached department trees are then stale.
	OnDepartmentChange []func()
}

// RuleSelfLockout is the rule of the refusal when administrators would
// disable themselves or change their own role (field "id").
const RuleSelfLockout = "self_lockout"

// selfLockout refuses administrators locking themselves out.
func selfLockout() error {
	return &apperr.Error{Code: apperr.Invalid, Message: "cannot disable or demote yourself",
		Fields: []apperr.FieldError{{Field: "id", Rule: RuleSelfLockout}}}
}

// CreateUser adds a user with a password hash (from auth.HashPassword;
// empty or "!" for one who cannot sign in with a password).
func (s *Service) CreateUser(ctx context.Context, u *User, passwordHash string, actor audit.Actor) error {
	return s.Store.CreateUser(ctx, u, passwordHash, actor)
}

// UpdateUser saves u at u.Version; the username never changes. Acting
// users may change their own name and contact details but not their role,
// nor disable themselves.
func (s *Service) UpdateUser(ctx context.Context, u *User, actor audit.Actor) error {
	if actor.UserID != 0 && u.ID == actor.UserID {
		old, err := s.Store.GetUser(ctx, u.ID)
		if err != nil {
			return err
		}
		if u.Disabled || u.Role != old.Role {
			return selfLockout()
		}
	}
	if err := s.Store.UpdateUser(ctx, u, actor); err != nil {
		return err
	}
	s.userChanged(u.ID)
	return nil
}

// DisableUser disables user id, at whatever version it is: users stay on
// record because complaints, timelines and the audit log name them.
// Disabling one already disabled changes nothing.
func (s *Service) DisableUser(ctx context.Context, id int64, actor audit.Actor) error {
	if actor.UserID != 0 && id == actor.UserID {
		return selfLockout()
	}
	u, err := s.Store.GetUser(ctx, id)
	if err != nil {
		return err
	}
	if u.Disabled {
		return nil
	}
	u.Disabled = true
	if err := s.Store.UpdateUser(ctx, u, actor); err != nil {
		return err
	}
	s.userChanged(id)
	return nil
}

func (s *Service) userChanged(id int64) {
	for _, f := range s.OnUserChange {
		f(id)
	}
}

// CreateDepartment adds a department.
func (s *Service) CreateDepartment(ctx context.Context, d *Department, actor audit.Actor) error {
	if err := s.Store.CreateDepartment(ctx, d, actor); err != nil {
		return err
	}
	s.departmentsChanged()
	return nil
}

// UpdateDepartment saves d at d.Version.
func (s *Service) UpdateDepartment(ctx context.Context, d *Department, actor audit.Actor) error {
	if err := s.Store.UpdateDepartment(ctx, d, actor); err != nil {
		return err
	}
	s.departmentsChanged()
	return nil
}

// DeleteDepartment deletes a department no one and nothing refers to.
func (s *Service) DeleteDepartment(ctx context.Context, id int64, actor audit.Actor) error {
	if err := s.Store.DeleteDepartment(ctx, id, actor); err != nil {
		return err
	}
	s.departmentsChanged()
	return nil
}

func (s *Service) departmentsChanged() {
	for _, f := range s.OnDepartmentChange {
		f()
	}
}

// GetDepartment reads a department.
func (s *Service) GetDepartment(ctx context.Context, id int64) (*Department, error) {
	return s.Store.GetDepartment(ctx, id)
}

// ListDepartments lists every department.
func (s *Service) ListDepartments(ctx context.Context) ([]Department, error) {
	return s.Store.ListDepartments(ctx)
}

// GetUser reads a user.
func (s *Service) GetUser(ctx context.Context, id int64) (*User, error) {
	return s.Store.GetUser(ctx, id)
}

// GetUserByUsername reads a user by username.
func (s *Service) GetUserByUsername(ctx context.Context, username string) (*User, error) {
	return s.Store.GetUserByUsername(ctx, username)
}

// ListUsers lists every user.
func (s *Service) ListUsers(ctx context.Context) ([]User, error) {
	return s.Store.ListUsers(ctx)
}
