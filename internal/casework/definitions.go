package casework

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/reload"
	"kesu/internal/workflow"
)

// DefinitionVersion is one version of a profile's lifecycle definition.
// Version 0 is the definition shipped with kesu; 1, 2, … are the files
// administrators uploaded, numbered per profile. A complaint runs the
// version that was newest for its profile when it was registered.
type DefinitionVersion struct {
	Profile string
	Version int
	// Body is the file as uploaded (the shipped file for version 0).
	Body []byte
	// Hash is the SHA-256 of Body without insignificant white space: an
	// upload with the hash of the profile's newest version stores nothing.
	Hash string
	Note string
	By   audit.Actor // who uploaded it; zero for version 0
	At   time.Time   // when; zero for version 0
	// Definition is Body loaded; the store leaves it nil.
	Definition *workflow.Definition
}

// Shipped reports whether v is the definition kesu ships.
func (v *DefinitionVersion) Shipped() bool { return v.Version == 0 }

// DefinitionStore keeps the uploaded definitions. Its version grows with
// every upload, so a server can tell cheaply whether to reload.
type DefinitionStore interface {
	// Version returns the current version (0 before any upload).
	Version(ctx context.Context) (int64, error)
	// List returns every stored definition by profile and version, and
	// the store's version read before them.
	List(ctx context.Context) ([]DefinitionVersion, int64, error)
	// Add stores d as the next version of its profile, with By and At
	// filled in and its audit entry (workflow.import) in the same
	// transaction; uploads are serialised. When the newest stored version
	// of the profile — or, with none stored, the shipped one, whose hash
	// is base — has d's hash, it writes nothing and returns false with
	// that version's profile and number.
	Add(ctx context.Context, d DefinitionVersion, base string, actor audit.Actor) (DefinitionVersion, bool, error)
}

// DefinitionPoll is how often a server checks for definitions uploaded on
// another server (Watch); an upload made on the server itself applies at
// once.
const DefinitionPoll = 10 * time.Second

// Rule codes of refused uploads, beyond those of workflow.Load.
const (
	RuleUnknownProfile     = "unknown_profile"      // a routing rule names a profile that does not exist (param: the name)
	RuleInvalidProfileName = "invalid_profile_name" // the profile name is not lower_snake_case
)

// Definitions are the lifecycle definitions a server knows: the shipped
// profiles and every version administrators uploaded. They are reloaded
// at once after an upload here and within DefinitionPoll after one on
// another server; versions are never changed or removed, so a case finds
// the version it started with for its whole life. LoadDefinitions builds
// one.
type Definitions struct {
	Store DefinitionStore // nil: the shipped profiles only

	mu  sync.Mutex // serialises loads
	cur atomic.Pointer[definitionSet]
}

// definitionSet is one load of every version, never changed once built.
type definitionSet struct {
	version  int64                           // the store's version it was built from
	profiles map[string][]*DefinitionVersion // by profile, ascending version
	names    []string                        // profile names, sorted
}

func (set *definitionSet) get(profile string, version int) (*DefinitionVersion, bool) {
	if set == nil {
		return nil, false
	}
	vs := set.profiles[profile]
	i, ok := slices.BinarySearchFunc(vs, version, func(v *DefinitionVersion, n int) int { return v.Version - n })
	if !ok {
		return nil, false
	}
	return vs[i], true
}

// LoadDefinitions returns the shipped profiles and the versions stored in
// st (nil: the shipped profiles only), loaded.
func LoadDefinitions(ctx context.Context, st DefinitionStore) (*Definitions, error) {
	d := &Definitions{Store: st}
	if err := d.Load(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// Load reads every version and makes them current.
func (d *Definitions) Load(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.load(ctx)
}

func (d *Definitions) load(ctx context.Context) error {
	prev := d.cur.Load()
	set := &definitionSet{profiles: map[string][]*DefinitionVersion{}}
	add := func(v *DefinitionVersion) error {
		// Versions are immutable: one loaded before is kept as it was.
		if old, ok := prev.get(v.Profile, v.Version); ok && old.Hash == v.Hash {
			v = old
		} else {
			def, err := workflow.Load(bytes.NewReader(v.Body))
			if err != nil {
				return fmt.Errorf("workflow profile %s version %d: %w", v.Profile, v.Version, err)
			}
			if def.Profile != v.Profile {
				return fmt.Errorf("workflow profile %s version %d names profile %q", v.Profile, v.Version, def.Profile)
			}
			v.Definition = def
		}
		set.profiles[v.Profile] = append(set.profiles[v.Profile], v)
		return nil
	}
	for _, name := range workflow.Profiles() {
		body, err := workflow.ProfileSource(name)
		if err != nil {
			return err
		}
		if err := add(&DefinitionVersion{Profile: name, Body: body, Hash: DefinitionHash(body)}); err != nil {
			return err
		}
	}
	if d.Store != nil {
		stored, version, err := d.Store.List(ctx)
		if err != nil {
			return fmt.Errorf("stored workflow definitions: %w", err)
		}
		set.version = version
		for i := range stored {
			if err := add(&stored[i]); err != nil {
				return err
			}
		}
	}
	for name, vs := range set.profiles {
		slices.SortFunc(vs, func(a, b *DefinitionVersion) int { return a.Version - b.Version })
		set.names = append(set.names, name)
	}
	slices.Sort(set.names)
	d.cur.Store(set)
	return nil
}

// Refresh reloads when the store's version differs from the loaded one
// and reports whether it did. It costs one small query otherwise.
func (d *Definitions) Refresh(ctx context.Context) (bool, error) {
	if d.Store == nil {
		return false, nil
	}
	v, err := d.Store.Version(ctx)
	if err != nil {
		return false, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if cur := d.cur.Load(); cur != nil && cur.version >= v {
		return false, nil
	}
	return true, d.load(ctx)
}

// Watch refreshes every interval until ctx ends, so that definitions
// uploaded on another server apply here.
func (d *Definitions) Watch(ctx context.Context, every time.Duration, log *slog.Logger) {
	reload.Watch(ctx, every, log, "workflow definitions", d.Refresh, func() any { return d.StoreVersion() })
}

// StoreVersion is the store's version the loaded definitions come from.
func (d *Definitions) StoreVersion() int64 { return d.cur.Load().version }

// Get returns version of profile.
func (d *Definitions) Get(profile string, version int) (*DefinitionVersion, bool) {
	return d.cur.Load().get(profile, version)
}

// Latest returns the newest version of profile: the one new complaints
// take.
func (d *Definitions) Latest(profile string) (*DefinitionVersion, bool) {
	vs := d.cur.Load().profiles[profile]
	if len(vs) == 0 {
		return nil, false
	}
	return vs[len(vs)-1], true
}

// Profiles lists the profile names, sorted.
func (d *Definitions) Profiles() []string { return slices.Clone(d.cur.Load().names) }

// Versions lists the versions of profile, oldest first.
func (d *Definitions) Versions(profile string) []*DefinitionVersion {
	return slices.Clone(d.cur.Load().profiles[profile])
}

// All returns the definition of every version of every profile, for what
// spans them (state labels, open states): a case may run any of them.
func (d *Definitions) All() []*workflow.Definition {
	set := d.cur.Load()
	var out []*workflow.Definition
	for _, name := range set.names {
		for _, v := range set.profiles[name] {
			out = append(out, v.Definition)
		}
	}
	return out
}

var profileNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)

// Import checks body as workflow.Load does, plus that the profile name is
// a lower_snake_case code and that every profile its routing rules name
// exists, and stores it as the next version of its profile. A body that
// is the profile's newest version already stores nothing (created is
// false). Complaints registered from then on take the new version — on
// this server at once, on the others within DefinitionPoll; running cases
// keep theirs.
func (d *Definitions) Import(ctx context.Context, body []byte, note string, actor audit.Actor) (v *DefinitionVersion, created bool, err error) {
	if d.Store == nil {
		return nil, false, apperr.New(apperr.Unavailable, "workflow uploads need a database")
	}
	var val apperr.Validation
	val.Text("note", note, 200)
	if err := val.Err(); err != nil {
		return nil, false, err
	}
	def, err := workflow.Load(bytes.NewReader(body))
	if err != nil {
		return nil, false, err
	}
	// Profiles uploaded on another server a moment ago count.
	if _, err := d.Refresh(ctx); err != nil {
		return nil, false, err
	}
	if !profileNameRe.MatchString(def.Profile) {
		val.Add("profile", RuleInvalidProfileName, def.Profile)
	}
	for i, r := range def.Routing {
		if _, known := d.Latest(r.Profile); r.Profile != "" && r.Profile != def.Profile && !known {
			val.Add(fmt.Sprintf("routing[%d].profile", i), RuleUnknownProfile, r.Profile)
		}
	}
	if err := val.Err(); err != nil {
		return nil, false, err
	}
	base := ""
	if v0, ok := d.Get(def.Profile, 0); ok {
		base = v0.Hash
	}
	got, created, err := d.Store.Add(ctx, DefinitionVersion{Profile: def.Profile, Body: body, Hash: DefinitionHash(body), Note: note}, base, actor)
	if err != nil {
		return nil, false, err
	}
	if err := d.Load(ctx); err != nil {
		return nil, false, err
	}
	if v, ok := d.Get(got.Profile, got.Version); ok {
		return v, created, nil
	}
	return nil, false, fmt.Errorf("workflow profile %s version %d not loaded after upload", got.Profile, got.Version)
}

// DefinitionHash is the SHA-256 of a definition file without insignificant
// white space, in hex: files that differ only in layout hash alike.
func DefinitionHash(body []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		buf.Reset()
		buf.Write(body)
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:])
}
