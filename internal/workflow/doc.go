// Package workflow is the pure core of the complaint lifecycle (SPEC §3 TRI,
// §4 WF): the states and transitions of a configurable Definition, the rules
// that decide which action an actor may take on a case, approval by authority
// (WF-5), and routing and assignment (TRI-5, CUS-2). It stores nothing and
// knows no HTTP; callers load the case, ask Check/Apply, then write.
//
// # Definition files
//
// A Definition is JSON (no YAML dependency; JSON is what the admin page and
// the API speak anyway). Three profiles are embedded under profiles/:
// manufacturer (the default), service (4S dealer / property, levels 1–3) and
// bank; they are version 0 of their profile, and administrators upload
// further versions (casework.Definitions), which new complaints take while
// running cases keep theirs. Load rejects unknown keys and names the place
// of every problem in a field error. The top-level keys are:
//
//	profile, zh, en      name of the profile
//	initial              the state a new complaint starts in ("registered")
//	states[]             code, zh, en, kind (normal|side|terminal),
//	                     open (counts as open work), pauses_sla,
//	                     within (clock-time limit hint for sla, e.g. "1h")
//	actions[]            code, zh, en, from[], to, roles[], requires[],
//	                     guards[], input[], holder_only, authority,
//	                     commits_resolution, satisfaction, effects{}
//	follow_ups           required visits: by_category (code or parent code),
//	                     quality, default; satisfied_min (5-point scale)
//	approval             tiers[] {up_to, role}, critical_adds_level,
//	                     levels {"2": [roles]}, limits {role: amount},
//	                     currency, rates {currency: CNY per unit}
//	routing[]            first matching rule wins; see Rule
//
// Special values of from/to: "@open" in from means every open state except
// the target; "@same" as to keeps the state (escalation); "@previous" as to
// returns to the state the case was in before it entered a side state
// (Case.PreviousStatus), used by resume from waiting_on_customer.
//
// requires names case fields that must be set before the action; guards are
// conditions on case fields, each with a stable rule code that the UI shows
// as "what is required to move on":
//
//	{"rule": "supplier_capa_required",
//	 "if":  [{"field": "responsibility", "op": "eq", "value": "supplier"}],
//	 "all": [{"field": "supplier_capa_actions", "op": "gte", "value": 1}]}
//
// Refusals are apperr errors: Conflict (wrong_state) when the action does
// not start from the case's state, Forbidden (party_to_complaint,
// role_not_allowed, not_holder, not_approver, already_signed,
// beyond_authority) for the actor, Invalid with one field error per
// missing field, failed guard or bad input.
//
// The case fields a definition may name are listed in one place, fields.go
// (FieldNames); so are action inputs (InputNames). Roles a definition may name are listed in Roles: kesu's org roles plus
// qa_engineer, deputy_gm, gm, finance and warehouse, which the org module
// is expected to add to its role list.
//
// Amounts are in minor units (fen) in Go and in the decimal major unit
// ("2000" or "2000.50") in files.
package workflow
