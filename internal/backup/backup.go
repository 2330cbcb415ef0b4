// Package backup writes kesu's data into one archive file and restores it
// into a fresh data folder (SPEC SEC-5): the database (a SQLite snapshot
// or a PostgreSQL dump), the attachments and a manifest, as a gzip'd tar.
//
// The attachments are stored by their SHA-256, so a restore checks every
// file against its name; the database is checked by its engine.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Names inside an archive.
const (
	ManifestName = "manifest.json"
	SQLiteName   = "kesu.db"     // the SQLite snapshot, restored as the data folder's database
	PGDumpName   = "kesu.pgdump" // a pg_dump custom-format file
	attachDir    = "attachments"
)

// Manifest describes an archive.
type Manifest struct {
	Format      int       `json:"format"` // 1
	Engine      string    `json:"engine"` // sqlite or postgres
	Database    string    `json:"database,omitempty"`
	Schema      int64     `json:"schema,omitempty"` // migration version of the database
	Version     string    `json:"version"`          // kesu's version that wrote it
	CreatedAt   time.Time `json:"created_at"`
	Attachments int       `json:"attachments"`
	Bytes       int64     `json:"attachment_bytes"`
}

// Write writes an archive to w: the database file db (named m.Database in
// the archive; none when db is empty), every file under the attachments
// folder (its temporary uploads left out) and the manifest, which it
// completes with the attachments' count and size.
func Write(w io.Writer, m *Manifest, db, attachments string) error {
	m.Format = 1
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	if db != "" {
		if err := addFile(tw, m.Database, db); err != nil {
			return err
		}
	}
	err := filepath.WalkDir(attachments, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == attachments {
				return fs.SkipDir
			}
			return err
		}
		rel, err := filepath.Rel(attachments, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel == "tmp" {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if err := addFile(tw, path.Join(attachDir, filepath.ToSlash(rel)), p); err != nil {
			// A file removed since the walk saw it (an erased
			// attachment) is not part of the backup.
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		info, err := d.Info()
		if err == nil {
			m.Attachments++
			m.Bytes += info.Size()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("backup attachments: %w", err)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: ManifestName, Mode: 0o640, Size: int64(len(b)), ModTime: m.CreatedAt}); err != nil {
		return err
	}
	if _, err := tw.Write(b); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

func addFile(tw *tar.Writer, name, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o640, Size: info.Size(), ModTime: info.ModTime()}); err != nil {
		return err
	}
	if _, err := io.CopyN(tw, f, info.Size()); err != nil {
		return fmt.Errorf("backup %s: %w", name, err)
	}
	return nil
}

// ErrNotEmpty is returned by Restore for a data folder that has files.
var ErrNotEmpty = errors.New("the data folder is not empty: restore only into a new or empty folder")

// Restore unpacks the archive r into the data folder dir, which must not
// exist or be empty: the database as dir/kesu.db (SQLite) or dir/kesu.pgdump
// (PostgreSQL, for pg_restore), the attachments under dir/attachments, each
// checked against its SHA-256 name. On failure dir is left empty.
func Restore(r io.Reader, dir string) (m *Manifest, err error) {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotEmpty)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				os.RemoveAll(filepath.Join(dir, e.Name()))
			}
		}
	}()
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not a kesu backup: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read backup: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("backup entry %q is not a file", h.Name)
		}
		name := path.Clean(h.Name)
		switch {
		case name == ManifestName:
			m = &Manifest{}
			if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(m); err != nil {
				return nil, fmt.Errorf("backup manifest: %w", err)
			}
			continue
		case name == SQLiteName, name == PGDumpName:
		case strings.HasPrefix(name, attachDir+"/") && !strings.Contains(name, ".."):
		default:
			return nil, fmt.Errorf("backup entry %q does not belong in a kesu backup", h.Name)
		}
		if err := extract(tr, filepath.Join(dir, filepath.FromSlash(name)), path.Base(name), strings.HasPrefix(name, attachDir+"/")); err != nil {
			return nil, err
		}
	}
	if m == nil || m.Format != 1 {
		return nil, errors.New("not a kesu backup: no manifest")
	}
	if m.Database != "" {
		if _, err := os.Stat(filepath.Join(dir, m.Database)); err != nil {
			return nil, fmt.Errorf("backup lacks its database %s", m.Database)
		}
	}
	return m, nil
}

// extract writes one archive entry to dst; an attachment named by a
// SHA-256 must have that checksum.
func extract(r io.Reader, dst, base string, attachment bool) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("restore %s: %w", base, err)
	}
	if attachment && len(base) == 64 {
		if sum := hex.EncodeToString(h.Sum(nil)); sum != base {
			return fmt.Errorf("attachment %s is damaged in the backup (its checksum is %s)", base, sum)
		}
	}
	return nil
}
