package backup_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kesu/internal/backup"
)

func sum(b string) string {
	s := sha256.Sum256([]byte(b))
	return hex.EncodeToString(s[:])
}

// archive builds a backup by hand from name → content pairs.
func archive(t *testing.T, files [][2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o600, Size: int64(len(f[1]))})
		tw.Write([]byte(f[1]))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// TestWriteRestore: an archive holds the database, the attachments (not
// the temporary uploads) and the manifest, and restores them as they were.
func TestWriteRestore(t *testing.T) {
	src := t.TempDir()
	db := filepath.Join(src, "kesu.db")
	os.WriteFile(db, []byte("database"), 0o600)
	att := filepath.Join(src, "attachments")
	content := "现场照片"
	s := sum(content)
	os.MkdirAll(filepath.Join(att, s[:2], s[2:4]), 0o750)
	os.WriteFile(filepath.Join(att, s[:2], s[2:4], s), []byte(content), 0o600)
	os.MkdirAll(filepath.Join(att, "tmp"), 0o750)
	os.WriteFile(filepath.Join(att, "tmp", "up-1"), []byte("half"), 0o600)

	var buf bytes.Buffer
	m := &backup.Manifest{Engine: "sqlite", Database: backup.SQLiteName, Version: "test", CreatedAt: time.Now()}
	if err := backup.Write(&buf, m, db, att); err != nil {
		t.Fatal(err)
	}
	if m.Attachments != 1 || m.Bytes != int64(len(content)) {
		t.Errorf("manifest counts %d attachments, %d bytes", m.Attachments, m.Bytes)
	}
	dst := filepath.Join(t.TempDir(), "new")
	got, err := backup.Restore(bytes.NewReader(buf.Bytes()), dst)
	if err != nil || got.Engine != "sqlite" || got.Attachments != 1 {
		t.Fatalf("restore: %+v, %v", got, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "kesu.db")); string(b) != "database" {
		t.Errorf("database restored as %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "attachments", s[:2], s[2:4], s)); string(b) != content {
		t.Errorf("attachment restored as %q", b)
	}
	if _, err := os.Stat(filepath.Join(dst, "attachments", "tmp")); err == nil {
		t.Error("temporary uploads were backed up")
	}
	if _, err := backup.Restore(bytes.NewReader(buf.Bytes()), dst); !errors.Is(err, backup.ErrNotEmpty) {
		t.Errorf("restore into a full folder: %v", err)
	}
}

// TestRestoreRefusesBadArchives: a damaged attachment, an entry outside
// the data folder and an archive without a manifest are refused, and the
// folder is left empty.
func TestRestoreRefusesBadArchives(t *testing.T) {
	good := sum("内容")
	manifest := [2]string{"manifest.json", `{"format":1,"engine":"sqlite","database":"kesu.db"}`}
	for name, files := range map[string][][2]string{
		"damaged":     {{"kesu.db", "x"}, {"attachments/" + good[:2] + "/" + good[2:4] + "/" + good, "改过的内容"}, manifest},
		"traversal":   {{"kesu.db", "x"}, {"attachments/../../evil", "x"}, manifest},
		"foreign":     {{"kesu.db", "x"}, {"etc/passwd", "x"}, manifest},
		"no manifest": {{"kesu.db", "x"}},
		"no database": {manifest},
	} {
		dst := t.TempDir()
		_, err := backup.Restore(bytes.NewReader(archive(t, files)), dst)
		if err == nil {
			t.Errorf("%s: restored", name)
		}
		if ents, _ := os.ReadDir(dst); len(ents) != 0 {
			t.Errorf("%s: left %d entries behind", name, len(ents))
		}
		if name == "damaged" && (err == nil || !strings.Contains(err.Error(), "damaged")) {
			t.Errorf("damaged attachment: %v", err)
		}
	}
}
