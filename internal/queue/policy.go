package queue

// Policy is how a branch's counters choose the next ticket.
type Policy string

// Call-next policies (QUE-5).
const (
	// Dedicated: separate lines per service type; a counter calls only the
	// types of its profile, the longest waiting first.
	Dedicated Policy = "dedicated"
	// Pooled: one serpentine line; any free counter calls the longest
	// waiting customer, whatever the type.
	Pooled Policy = "pooled"
	// Priority: one pooled line in a priority order: a counter calls its
	// profile's types first, in the types' priority order (then longest
	// waiting), and helps with the other types when its own are empty.
	Priority Policy = "priority"
)

// Valid reports whether p is a known policy.
func (p Policy) Valid() bool { return p == Dedicated || p == Pooled || p == Priority }

// Waiting is a ticket in line as the call-next policy sees it.
type Waiting struct {
	ID       int64
	Type     int64 // service type id
	Priority int   // the type's priority: lower is called first
	Seq      int64 // issue order within the branch's day
}

// Profile is the set of service types a counter serves.
type Profile map[int64]bool

// rank orders candidates for a counter; ok is false when the counter may
// not call w under the policy.
func rank(p Policy, prof Profile, w Waiting) (key [3]int64, ok bool) {
	switch p {
	case Pooled:
		return [3]int64{0, 0, w.Seq}, true
	case Priority:
		own := int64(1)
		if prof[w.Type] {
			own = 0
		}
		return [3]int64{own, int64(w.Priority), w.Seq}, true
	default:
		if !prof[w.Type] {
			return key, false
		}
		return [3]int64{0, 0, w.Seq}, true
	}
}

func less(a, b [3]int64) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// Pick returns the index in waiting of the ticket a counter with profile
// prof calls next under policy p, or -1 when there is none for it.
func Pick(p Policy, prof Profile, waiting []Waiting) int {
	best, bestKey := -1, [3]int64{}
	for i, w := range waiting {
		k, ok := rank(p, prof, w)
		if !ok {
			continue
		}
		if best < 0 || less(k, bestKey) {
			best, bestKey = i, k
		}
	}
	return best
}

// SameLine reports whether tickets of types a and b stand in one line
// under policy p: every type shares the line when it is pooled.
func SameLine(p Policy, a, b int64) bool { return p == Pooled || a == b }

// Ahead counts the waiting tickets ahead of w in its line: under a pooled
// policy every ticket issued before it, otherwise those of its type issued
// before it. This is the "people ahead" printed on the ticket and the
// position the N-ahead reminder watches (position = Ahead + 1).
func Ahead(p Policy, w Waiting, waiting []Waiting) int {
	n := 0
	for _, o := range waiting {
		if o.ID != w.ID && o.Seq < w.Seq && SameLine(p, o.Type, w.Type) {
			n++
		}
	}
	return n
}
