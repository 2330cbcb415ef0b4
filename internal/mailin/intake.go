package mailin

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/blob"
	"kesu/internal/casework"
	"kesu/internal/complaint"
)

// Intake takes received mail in: it claims each mail by its key, parses
// it, and registers a complaint, threads it into its case or records why
// it was left (ignored, unparsed, failed). Every outcome is stored with
// the raw bytes; nothing is dropped.
type Intake struct {
	Store      Store
	Complaints *complaint.Service
	// Read is the complaint register: numbers, timelines and files.
	Read  complaint.Store
	Cases *casework.Service
	Files *blob.Store
	// MaxFile is the largest attachment kept (the upload limit); larger
	// files are left out and named in the outcome.
	MaxFile int64
	// Number finds complaint numbers in subjects (Pattern.Regexp).
	Number *regexp.Regexp
	// Domain is the right-hand side of the Message-IDs kesu writes.
	Domain string
	Now    func() time.Time
	Log    *slog.Logger
	// Lease is how long a claim keeps other servers off a mail being
	// taken in (default 2 minutes).
	Lease time.Duration
}

// Envelope is what the transport knows besides the bytes.
type Envelope struct {
	Source string // smtp or imap:<mailbox>
	// Bounce: the SMTP envelope sender was empty (MAIL FROM:<>), as for
	// delivery reports and auto-replies.
	Bounce bool
}

// Result is the outcome of one mail.
type Result struct {
	Record
	Duplicate bool // the mail was taken in before; nothing was done now
}

// actor is who registers mail complaints: their idempotency keys live in
// its scope.
var actor = audit.Actor{Name: "mail"}

func (in *Intake) lease() time.Duration {
	if in.Lease > 0 {
		return in.Lease
	}
	return 2 * time.Minute
}

// Receive takes one raw mail in. An error means the mail is not taken in
// yet (the database is unreachable): the transport answers so the sender
// or the mailbox keeps it, and a later delivery completes it. A mail that
// is taken in, whatever its outcome, answers nil.
func (in *Intake) Receive(ctx context.Context, raw []byte, env Envelope) (*Result, error) {
	rec := &Record{Key: Key(raw), Source: env.Source, Raw: raw}
	m, perr := Parse(raw)
	if perr == nil {
		rec.Sender, rec.Subject = clip(m.From, 320), clip(m.Subject, 500)
	} else {
		from, subject := Peek(raw)
		rec.Sender, rec.Subject = clip(from, 320), clip(subject, 500)
	}
	stored, claimed, err := in.Store.Claim(ctx, rec, in.lease())
	if err != nil {
		return nil, err
	}
	if !claimed {
		res := &Result{Record: *stored, Duplicate: true}
		if stored.Status == StatusReceived {
			// Another server is taking it in, or one stopped half-way and
			// its claim has not run out: not done yet.
			return res, ErrInProgress
		}
		return res, nil
	}
	// Once claimed, the mail is taken in to the end even if the caller
	// goes away (a shutdown, a dropped SMTP connection).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), in.lease())
	defer cancel()
	return in.takeIn(ctx, stored, m, perr, env)
}

// ErrInProgress is the answer for a mail another taking-in holds the
// claim of: the sender or the poller tries again later, when it is done or
// its claim has run out.
var ErrInProgress = errors.New("mail is being taken in; try again later")

// Retry takes an unparsed or failed mail in again (after kesu learnt to
// read it, or the cause was fixed).
func (in *Intake) Retry(ctx context.Context, id int64) (*Result, error) {
	rec, err := in.Store.Reopen(ctx, id, in.lease())
	if err != nil {
		return nil, err
	}
	m, perr := Parse(rec.Raw)
	return in.takeIn(ctx, rec, m, perr, Envelope{Source: rec.Source})
}

func (in *Intake) takeIn(ctx context.Context, rec *Record, m *Message, perr error, env Envelope) (*Result, error) {
	finish := func(status, reason string, cid *int64) (*Result, error) {
		if err := in.Store.Finish(ctx, rec.ID, status, reason, cid); err != nil {
			return nil, err
		}
		rec.Status, rec.Reason, rec.ComplaintID = status, reason, cid
		if in.Log != nil {
			in.Log.Info("mail taken in", "id", rec.ID, "message_id", rec.Key, "status", status, "reason", reason)
		}
		return &Result{Record: *rec}, nil
	}
	if perr != nil {
		return finish(StatusUnparsed, perr.Error(), nil)
	}
	switch {
	case m.Kesu || in.ours(m.MessageID):
		return finish(StatusIgnored, "kesu's own mail (loop)", nil)
	case m.Auto != "":
		return finish(StatusIgnored, m.Auto, nil)
	case env.Bounce:
		return finish(StatusIgnored, "bounce (empty envelope sender)", nil)
	}
	// The files are stored (each written and synced to disk) while the
	// case is found and the complaint registered.
	saving := make(chan savedFiles, 1)
	go func() { saving <- in.saveFiles(m) }()
	var saved *savedFiles
	files := func() savedFiles {
		if saved == nil {
			f := <-saving
			saved = &f
		}
		return *saved
	}
	cid, err := in.thread(ctx, m)
	if err != nil {
		files()
		return nil, err
	}
	var erased string
	if cid != 0 {
		notes, err := in.addToCase(ctx, cid, rec.Key, m, m.Text, false, files())
		switch {
		case err == nil:
			return finish(StatusThreaded, notes, &cid)
		case erasedCase(err) != "":
			// The case it answers has no personal data any more and takes
			// none: the mail is a new complaint, which keeps its own.
			erased = erasedCase(err)
		case temporary(err):
			return nil, err
		default:
			return finish(StatusFailed, err.Error(), &cid)
		}
	}
	c := in.complaintOf(m)
	created, err := in.Complaints.Create(ctx, c, complaint.CreateOptions{Actor: actor, IdempotencyKey: "mail:" + rec.Key})
	if err != nil {
		files()
		if temporary(err) {
			return nil, err
		}
		return finish(StatusFailed, describe(err), nil)
	}
	id := c.ID
	notes, err := in.addToCase(ctx, id, rec.Key, m, "", created, files())
	if err != nil {
		if temporary(err) {
			return nil, err
		}
		notes = err.Error()
	}
	if erased != "" {
		notes = strings.TrimSuffix("answers "+erased+", whose personal data was erased; "+notes, "; ")
	}
	rec.Number = c.Number
	return finish(StatusComplaint, notes, &id)
}

// savedFiles are a mail's attachments stored in the file store, with a
// note of those left out, or the error that stopped storing them.
type savedFiles struct {
	files []*complaint.Attachment
	note  string
	err   error
}

// saveFiles stores a mail's attachments, side by side; a file of a type
// kesu does not keep, or too large, is left out and named in the note.
func (in *Intake) saveFiles(m *Message) savedFiles {
	type one struct {
		att  *complaint.Attachment
		left string
		err  error
	}
	res := make([]one, len(m.Attachments))
	var wg sync.WaitGroup
	for i, f := range m.Attachments {
		wg.Go(func() {
			name := cleanName(f.Name)
			saved, err := in.Files.Save(bytes.NewReader(f.Data), name, in.MaxFile)
			switch {
			case err == nil:
				res[i].att = &complaint.Attachment{Name: name, ContentType: saved.ContentType, Size: saved.Size,
					SHA256: saved.SHA256, Kind: saved.Kind}
			case apperr.CodeOf(err) == apperr.Internal || apperr.CodeOf(err) == apperr.Unavailable:
				res[i].err = err
			default:
				res[i].left = name + ": " + describe(err)
			}
		})
	}
	wg.Wait()
	var out savedFiles
	var left []string
	for _, r := range res {
		switch {
		case r.err != nil:
			return savedFiles{err: r.err}
		case r.att != nil:
			out.files = append(out.files, r.att)
		default:
			left = append(left, r.left)
		}
	}
	if len(left) > 0 {
		out.note = "attachments left out: " + strings.Join(left, "; ")
	}
	return out
}

// complaintOf is the complaint a new mail registers.
func (in *Intake) complaintOf(m *Message) *complaint.Complaint {
	subject := strings.TrimSpace(m.Subject)
	if subject == "" {
		subject = "（无主题）"
	}
	text := m.Text
	if strings.TrimSpace(text) == "" {
		text = subject
	}
	name := strings.TrimSpace(m.FromName)
	if name == "" {
		name, _, _ = strings.Cut(m.From, "@")
	}
	return &complaint.Complaint{Channel: "email", Subject: clipRunes(subject, complaint.MaxSubject),
		Description: clipRunes(text, complaint.MaxDescription),
		Complainant: complaint.Complainant{Name: clipRunes(name, complaint.MaxName), Email: m.From}}
}

// addToCase records the mail's files and, for a reply, its text on the
// case, once: a mail whose entry is on the timeline already (a taking-in
// interrupted after the write) is not written again; fresh says the
// complaint was registered by this taking-in. It returns the note of the
// files left out.
func (in *Intake) addToCase(ctx context.Context, cid int64, key string, m *Message, body string, fresh bool, saved savedFiles) (string, error) {
	if saved.err != nil {
		return "", saved.err
	}
	if !fresh {
		// A complaint registered just now has nothing of this mail yet.
		evs, err := in.Read.Timeline(ctx, cid, true)
		if err != nil {
			return "", err
		}
		for _, e := range evs {
			if e.Data != nil && e.Data["message_id"] == key {
				return "", nil
			}
		}
	}
	note, files := saved.note, saved.files
	if strings.TrimSpace(body) == "" && len(files) == 0 {
		return note, nil
	}
	_, err := in.Cases.MailIn(ctx, cid, casework.Mail{MessageID: key, From: m.From, Body: body, Files: files},
		casework.PublicActor(cid, actor))
	return note, err
}

// thread finds the case a mail answers: one of kesu's Message-IDs in
// In-Reply-To or References, or, when the mail comes from that case's
// complainant, the complainant's earlier mail there or a number in the
// subject.
func (in *Intake) thread(ctx context.Context, m *Message) (int64, error) {
	refs := append(append([]string(nil), m.InReplyTo...), m.References...)
	for _, id := range refs {
		number, ok := in.parseOurs(id)
		if !ok {
			continue
		}
		c, err := in.Read.GetByNumber(ctx, number)
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		if VerifyMessageID(id, c.Number, c.TrackingCode) {
			return c.ID, nil
		}
	}
	// The complainant's own Message-IDs are no secret (whoever they copied
	// has them): they thread only the complainant's mail.
	if cid, err := in.Store.ComplaintOf(ctx, refs); err != nil {
		return 0, err
	} else if cid != 0 {
		c, err := in.Read.Get(ctx, cid)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return 0, err
		}
		if err == nil && c.Complainant.Email != "" && strings.EqualFold(c.Complainant.Email, m.From) {
			return cid, nil
		}
	}
	if in.Number == nil {
		return 0, nil
	}
	for _, sm := range in.Number.FindAllStringSubmatch(m.Subject, 5) {
		c, err := in.Read.GetByNumber(ctx, sm[1])
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		if c.Complainant.Email != "" && strings.EqualFold(c.Complainant.Email, m.From) {
			return c.ID, nil
		}
	}
	return 0, nil
}

// MessageID returns a new Message-ID for a mail kesu sends about complaint
// number, e.g. kesu.KS-20261203-0001.5f2a….3b9c…@kesu.example: the number
// for threading the answer, a nonce, and a code only kesu can write (keyed
// with the case's tracking code) so a forged reference cannot put a mail
// on another case.
func MessageID(number, trackingCode, domain string) string {
	b := make([]byte, 8)
	rand.Read(b)
	nonce := hex.EncodeToString(b)
	return "kesu." + number + "." + nonce + "." + idMAC(number, nonce, trackingCode) + "@" + domain
}

func idMAC(number, nonce, trackingCode string) string {
	h := hmac.New(sha256.New, []byte(trackingCode))
	h.Write([]byte(number + "." + nonce))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// VerifyMessageID reports whether id is one kesu wrote for the complaint.
func VerifyMessageID(id, number, trackingCode string) bool {
	local, _, ok := strings.Cut(id, "@")
	if !ok || !strings.HasPrefix(local, "kesu."+number+".") {
		return false
	}
	rest := strings.TrimPrefix(local, "kesu."+number+".")
	nonce, mac, ok := strings.Cut(rest, ".")
	return ok && hmac.Equal([]byte(mac), []byte(idMAC(number, nonce, trackingCode)))
}

// parseOurs returns the number of a Message-ID in kesu's form.
func (in *Intake) parseOurs(id string) (string, bool) {
	local, _, ok := strings.Cut(id, "@")
	if !ok || !strings.HasPrefix(local, "kesu.") {
		return "", false
	}
	local = strings.TrimPrefix(local, "kesu.")
	// number.nonce.mac; the number may itself contain dots.
	i := strings.LastIndexByte(local, '.')
	if i < 0 {
		return "", false
	}
	j := strings.LastIndexByte(local[:i], '.')
	if j <= 0 {
		return "", false
	}
	return local[:j], true
}

// ours reports whether a mail's own Message-ID is one kesu wrote: kesu's
// own mail came back (a loop).
func (in *Intake) ours(id string) bool {
	if _, ok := in.parseOurs(id); !ok {
		return false
	}
	_, dom, _ := strings.Cut(id, "@")
	return in.Domain == "" || strings.EqualFold(dom, in.Domain)
}

// temporary reports whether err is worth trying again later (the database
// or the disk), rather than a verdict on the mail.
func temporary(err error) bool {
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.NotFound, apperr.Forbidden, apperr.TooLarge, blob.BadUpload:
		return false
	case apperr.Conflict:
		// A concurrent change of the case: taken in again later.
		return true
	}
	return true
}

// erasedCase is the number of the erased case err refused the mail for,
// or "".
func erasedCase(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		for _, f := range ae.Fields {
			if f.Rule == casework.RuleCaseErased {
				return f.Param
			}
		}
	}
	return ""
}

func describe(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) && len(ae.Fields) > 0 {
		var parts []string
		for _, f := range ae.Fields {
			p := f.Field + ": " + f.Rule
			if f.Param != "" {
				p += " (" + f.Param + ")"
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, "; ")
	}
	return err.Error()
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// cleanName keeps an attachment's base name, without path or control
// characters, at most 200 characters.
func cleanName(s string) string {
	s = strings.ReplaceAll(s, `\`, "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if s == "" || s == "." || s == ".." {
		s = "attachment"
	}
	if utf8.RuneCountInString(s) > 200 {
		r := []rune(s)
		s = string(r[len(r)-200:])
	}
	return s
}
