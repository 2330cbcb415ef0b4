package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"kesu/internal/org"
)

// jpeg is enough of a JPEG for content sniffing.
var jpeg = append([]byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), bytes.Repeat([]byte{0x42}, 2000)...)

func TestAttachmentRoundTrip(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		num := e.create(minimal("有照片"))["number"].(string)
		r := e.upload(org.RoleAgent, num, "漏水照片 1.jpg", jpeg).want(http.StatusCreated)
		att := r.M()
		sum := sha256.Sum256(jpeg)
		if att["sha256"] != hex.EncodeToString(sum[:]) || att["kind"] != "photo" || att["content_type"] != "image/jpeg" || att["size"] != float64(len(jpeg)) {
			t.Errorf("attachment %v", att)
		}
		if c := e.get(org.RoleAgent, "/api/v1/complaints/"+num).M(); c["attachment_count"] != 1.0 {
			t.Errorf("attachment_count %v", c["attachment_count"])
		}
		var l struct{ Items []map[string]any }
		e.get(org.RoleAuditor, "/api/v1/complaints/"+num+"/attachments").want(http.StatusOK).JSON(&l)
		if len(l.Items) != 1 {
			t.Fatalf("attachments %v", l.Items)
		}
		d := e.get(org.RoleAuditor, r.Header.Get("Location")).want(http.StatusOK)
		got := sha256.Sum256(d.Body)
		if got != sum {
			t.Error("downloaded file differs")
		}
		if d.Header.Get("X-Content-Type-Options") != "nosniff" || d.Header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("headers %v", d.Header)
		}
		disp, params, err := mime.ParseMediaType(d.Header.Get("Content-Disposition"))
		if err != nil || disp != "attachment" || params["filename"] != "漏水照片 1.jpg" {
			t.Errorf("Content-Disposition %q: %v %v", d.Header.Get("Content-Disposition"), params, err)
		}
		e.get(org.RoleAgent, "/api/v1/attachments/99999").wantErr(404, "not_found", "", "")
		e.get("", r.Header.Get("Location")).wantErr(401, "unauthorized", "", "")
	})
}

func TestBadUploadsWriteNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		num := e.create(minimal("坏附件"))["number"].(string)
		big := append(append([]byte{}, jpeg...), bytes.Repeat([]byte{0}, 1<<20)...)
		cases := []struct {
			name, file string
			content    []byte
			status     int
			code, rule string
		}{
			{"oversized", "big.jpg", big, 413, "too_large", "file_size"},
			{"script named jpg", "photo.jpg", []byte("<html><script>alert(1)</script></html>"), 422, "invalid", "file_type"},
			{"html", "page.html", []byte("<!DOCTYPE html><html><body>x</body></html>"), 422, "invalid", "file_type"},
			{"exe", "setup.exe", append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{1}, 600)...), 422, "invalid", "file_type"},
			{"jpeg named pdf", "report.pdf", jpeg, 422, "invalid", "file_type"},
			{"empty", "empty.jpg", nil, 422, "invalid", "required"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e.t = t
				rows, files := e.attachmentCount()
				e.upload(org.RoleAgent, num, tc.file, tc.content).wantErr(tc.status, tc.code, "file", tc.rule)
				if r2, f2 := e.attachmentCount(); r2 != rows || f2 != files {
					t.Errorf("refused upload wrote %d rows, %d files", r2-rows, f2-files)
				}
			})
		}
		e.t = t
		e.send(req{role: org.RoleAgent, method: "POST", path: "/api/v1/complaints/" + num + "/attachments", body: []byte("x"), ctype: "image/jpeg"}).
			wantErr(415, "unsupported_media_type", "", "")
		e.upload(org.RoleAuditor, num, "a.jpg", jpeg).wantErr(403, "forbidden", "", "")
		e.upload(org.RoleAgent, "KS-00000000-0000", "a.jpg", jpeg).wantErr(404, "not_found", "", "")
		if rows, files := e.attachmentCount(); rows != 0 || files != 0 {
			t.Errorf("%d rows, %d files after refused uploads", rows, files)
		}
	})
}

func TestContentDispositionASCIIFallback(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		num := e.create(minimal("文件名"))["number"].(string)
		loc := e.upload(org.RoleAgent, num, `..\..\etc\报告;"x".txt`, []byte("plain text\n")).want(201).Header.Get("Location")
		d := e.get(org.RoleAgent, loc).want(200)
		h := d.Header.Get("Content-Disposition")
		if strings.Contains(h, `..`) || strings.Count(h, `"`) != 2 {
			t.Errorf("unsafe Content-Disposition %q", h)
		}
		_, params, err := mime.ParseMediaType(h)
		if err != nil || params["filename"] != `报告;x.txt` {
			t.Errorf("filename %q (%v)", params["filename"], err)
		}
	})
}

func TestDownloadAudited(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c := e.create(minimal("下载留痕"))
		num := c["number"].(string)
		loc := e.upload(org.RoleAgent, num, "现场照片.jpg", jpeg).want(http.StatusCreated).Header.Get("Location")
		type detail struct {
			AttachmentID int64  `json:"attachment_id"`
			Name         string `json:"name"`
			SHA256       string `json:"sha256"`
		}
		var al struct {
			Items []struct {
				Action, Object string
				Actor          struct{ Name string }
				Detail         detail
			}
		}
		e.get(org.RoleAuditor, "/api/v1/audit?action=attachment.download").want(http.StatusOK).JSON(&al)
		if len(al.Items) != 0 {
			t.Fatalf("%d downloads audited before any", len(al.Items))
		}
		// A handler of production may not read a sales complaint, nor its files.
		e.get(org.RoleHandler, loc).wantErr(403, "forbidden", "actor", "out_of_scope")
		e.get(org.RoleAuditor, loc).want(http.StatusOK)
		e.get(org.RoleAgent, "/api/v1/attachments/99999").wantErr(404, "not_found", "", "")
		e.get(org.RoleAuditor, "/api/v1/audit?action=attachment.download").want(http.StatusOK).JSON(&al)
		if len(al.Items) != 1 {
			t.Fatalf("%d downloads audited, want 1", len(al.Items))
		}
		got := al.Items[0]
		want := "complaint:" + strconv.FormatFloat(c["id"].(float64), 'f', 0, 64)
		if got.Object != want || got.Actor.Name != e.users[org.RoleAuditor].Username {
			t.Errorf("audited %s by %s, want %s by %s", got.Object, got.Actor.Name, want, e.users[org.RoleAuditor].Username)
		}
		sum := sha256.Sum256(jpeg)
		id, _ := strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
		if wantD := (detail{id, "现场照片.jpg", hex.EncodeToString(sum[:])}); got.Detail != wantD {
			t.Errorf("detail %+v, want %+v", got.Detail, wantD)
		}
	})
}
