package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
)

// DefaultKeep is how long an export's file stays downloadable.
const DefaultKeep = 7 * 24 * time.Hour

// Service requests exports and makes their files (the job handler).
type Service struct {
	Store      Store
	Complaints ComplaintSource
	Files      Files
	// Labels returns the names of codes and ids in lang.
	Labels func(ctx context.Context, lang string) (Labels, error)
	Now    func() time.Time
	Loc    *time.Location
	// TmpDir holds files while they are written (default: the system's).
	TmpDir string
	// Keep is how long a file stays downloadable (default DefaultKeep).
	Keep time.Duration
	// ProgressEvery is how many rows pass between progress writes
	// (default 1000).
	ProgressEvery int64
	// Wake, when set, tells the job worker a new export is waiting.
	Wake func()
}

// Request checks and stores a new export for actor; the job worker makes
// its file. e.RequestedBy must be set; Personal says whether the requester
// may export personal data unmasked.
func (s *Service) Request(ctx context.Context, e *Export, actor audit.Actor) error {
	if e.Kind == "" {
		e.Kind = KindComplaints
	}
	if e.Format == "" {
		e.Format = "xlsx"
	}
	var v apperr.Validation
	v.OneOf("kind", e.Kind, Kinds)
	v.OneOf("format", e.Format, Formats)
	if e.Lang != "en" {
		e.Lang = "zh"
	}
	if err := v.Err(); err != nil {
		return err
	}
	if _, err := DecodeFilter(e.Filter); err != nil {
		return apperr.Wrap(apperr.Invalid, err, "bad filter")
	}
	now := s.Now()
	e.Status, e.Rows, e.Total, e.CreatedAt = Queued, 0, 0, now
	e.ExpiresAt = now.Add(s.keep())
	if err := s.Store.Create(ctx, e, actor); err != nil {
		return err
	}
	if s.Wake != nil {
		s.Wake()
	}
	return nil
}

func (s *Service) keep() time.Duration {
	if s.Keep > 0 {
		return s.Keep
	}
	return DefaultKeep
}

// Run makes the file of export id: the handler of JobKind. A finished
// export is left alone, so a repeated job does no harm. A failure is
// recorded on the export and returned.
func (s *Service) Run(ctx context.Context, id int64) error {
	if err := s.produce(ctx, id); err != nil {
		return err
	}
	// Expired files go after the new one is made: a purge that fails
	// shows in the dead jobs without holding up the export.
	return s.Purge(ctx)
}

func (s *Service) produce(ctx context.Context, id int64) error {
	e, err := s.Store.Get(ctx, id)
	if err != nil {
		return err
	}
	if e.Status == Done || e.Status == Failed {
		return nil
	}
	if err := s.run(ctx, e); err != nil {
		if ctx.Err() != nil {
			return err // shutting down: the job runs again later
		}
		if ferr := s.Store.Fail(ctx, id, err.Error()); ferr != nil {
			return errors.Join(err, ferr)
		}
		return err
	}
	return nil
}

func (s *Service) run(ctx context.Context, e *Export) error {
	f, err := DecodeFilter(e.Filter)
	if err != nil {
		return err
	}
	total, err := s.Complaints.Count(ctx, f)
	if err != nil {
		return err
	}
	if err := s.Store.Start(ctx, e.ID, total); err != nil {
		return err
	}
	if s.TmpDir != "" {
		if err := os.MkdirAll(s.TmpDir, 0o750); err != nil {
			return fmt.Errorf("export folder: %w", err)
		}
	}
	tmp, err := os.CreateTemp(s.TmpDir, "export-*")
	if err != nil {
		return fmt.Errorf("export temp file: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	every := s.ProgressEvery
	if every <= 0 {
		every = 1000
	}
	var last int64
	rows, err := s.Write(ctx, tmp, e, func(n int64) error {
		if n-last < every {
			return ctx.Err()
		}
		last = n
		return s.Store.Progress(ctx, e.ID, n)
	})
	if err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	sum, size, err := s.Files.Put(tmp)
	if err != nil {
		return err
	}
	return s.Store.Finish(ctx, e.ID, sum, size, rows)
}

// Write writes the file of e to w and returns how many rows it holds;
// progress is called as rows are read.
func (s *Service) Write(ctx context.Context, w io.Writer, e *Export, progress func(rows int64) error) (int64, error) {
	if !slices.Contains(Kinds, e.Kind) || !slices.Contains(Formats, e.Format) {
		return 0, apperr.New(apperr.Invalid, "export %s as %s is not known", e.Kind, e.Format)
	}
	f, err := DecodeFilter(e.Filter)
	if err != nil {
		return 0, err
	}
	var lb Labels
	if s.Labels != nil {
		if lb, err = s.Labels(ctx, e.Lang); err != nil {
			return 0, err
		}
	}
	var rows int64
	sheet := ComplaintSheet(ctx, s.Complaints, f, lb, e.Lang, e.Personal, s.Loc, func(n int64) error {
		rows = n
		if progress != nil {
			return progress(n)
		}
		return nil
	})
	if e.Format == "csv" {
		err = WriteCSV(w, sheet)
	} else {
		err = WriteXLSX(w, sheet)
	}
	return rows, err
}

// Purge deletes the files of expired exports.
func (s *Service) Purge(ctx context.Context) error {
	old, err := s.Store.Expired(ctx, s.Now())
	if err != nil {
		return err
	}
	for _, e := range old {
		shared, err := s.Store.Forget(ctx, e.ID)
		if err != nil {
			return err
		}
		if !shared {
			if err := s.Files.Remove(e.File); err != nil && !apperr.Is(err, apperr.NotFound) {
				return err
			}
		}
	}
	return nil
}

// Open returns the file of a finished, unexpired export.
func (s *Service) Open(e *Export) (*os.File, error) {
	if e.Status != Done || e.File == "" {
		return nil, apperr.New(apperr.Conflict, "export %d is %s", e.ID, e.Status)
	}
	if !s.Now().Before(e.ExpiresAt) {
		return nil, apperr.New(apperr.NotFound, "export %d has expired", e.ID)
	}
	return s.Files.Open(e.File)
}
