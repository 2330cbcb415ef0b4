package intakeload

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Targets are the figures issues 11 and 16 ask of registration on the
// project's 2-core machine.
var Targets = struct {
	RegisteredSQLite, RegisteredPostgres float64 // fully registered per second
	OfFloor                              float64 // fully registered ÷ floor
	DrainSeconds                         float64
	RSSMB                                float64
}{3000, 2000, 0.40, 5, 150}

// Missed lists the targets r does not meet.
func Missed(r Result) []string {
	var m []string
	want := Targets.RegisteredSQLite
	if r.Engine == enginePostgres {
		want = Targets.RegisteredPostgres
	}
	if r.RegisteredRate < want {
		m = append(m, fmt.Sprintf("fully registered %.0f/s < %.0f/s", r.RegisteredRate, want))
	}
	if r.Floor.Rate > 0 && r.RegisteredOfFloor < Targets.OfFloor {
		m = append(m, fmt.Sprintf("%.1f %% of the floor < %.0f %%", 100*r.RegisteredOfFloor, 100*Targets.OfFloor))
	}
	if !r.Drained || r.DrainSeconds > Targets.DrainSeconds {
		m = append(m, fmt.Sprintf("backlog gone after %.1f s > %.0f s", r.DrainSeconds, Targets.DrainSeconds))
	}
	if r.ServerPeakRSSMB > Targets.RSSMB {
		m = append(m, fmt.Sprintf("server RSS %.0f MB > %.0f MB", r.ServerPeakRSSMB, Targets.RSSMB))
	}
	if r.Errors > 0 {
		m = append(m, fmt.Sprintf("%d errors", r.Errors))
	}
	return m
}

// columns of the summary table, shared by the text and markdown forms.
var columns = []string{"engine", "clients", "ack/s", "fully registered/s", "p50 ms", "p99 ms", "errors",
	"backlog at load end (jobs / complaints)", "backlog gone after", "bytes/complaint (without text)",
	"server peak RSS", "floor/s", "registered ÷ floor"}

func row(r Result) []string {
	floor, ratio := "—", "—"
	if r.Floor.Rate > 0 {
		floor, ratio = thousands(r.Floor.Rate), fmt.Sprintf("%.1f %%", 100*r.RegisteredOfFloor)
	}
	gone := fmt.Sprintf("%.1f s", r.DrainSeconds)
	if !r.Drained {
		gone = "not within the wait"
	}
	return []string{r.Engine, fmt.Sprint(r.Clients), thousands(r.AcknowledgedRate), thousands(r.RegisteredRate),
		fmt.Sprintf("%.1f", r.P50Ms), fmt.Sprintf("%.1f", r.P99Ms), fmt.Sprint(r.Errors),
		fmt.Sprintf("%s / %s", thousands(float64(r.BacklogJobs)), thousands(float64(r.BacklogComplaints))), gone,
		fmt.Sprintf("%s (%s)", thousands(r.BytesPerComplaint), thousands(r.BytesWithoutText)),
		fmt.Sprintf("%.0f MB", r.ServerPeakRSSMB), floor, ratio}
}

// details are the figures behind a row, one line.
func details(r Result) string {
	var tables []string
	for _, t := range r.Tables[:min(4, len(r.Tables))] {
		tables = append(tables, fmt.Sprintf("%s %.1f MB", t.Name, float64(t.Bytes)/(1<<20)))
	}
	s := fmt.Sprintf("%s, %d clients: %s acknowledged in %.1f s, %s fully registered in %.1f s; registration lag p50 %.0f ms, p99 %.0f ms; "+
		"after the load the last registration job finished at %.1f s, the last letter at %.1f s; "+
		"CPU server %.1f s, load generator %.1f s, machine %.0f %% busy; letters %d due, %d done, %d received, %d notices mailed to staff; "+
		"%d job rows (%.1f per complaint, %d scheduled); %d complaints, %.1f MB (text %.0f B/complaint); largest: %s",
		r.Engine, r.Clients, thousands(float64(r.Acknowledged)), r.Seconds, thousands(float64(r.Registered)), r.RegisteredSeconds,
		r.LagP50Ms, r.LagP99Ms, r.JobsDrainSeconds, r.LettersDrainSeconds, r.ServerCPUSeconds, r.ClientCPUSeconds, 100*r.MachineBusy,
		r.LettersDue, r.LettersDone, r.LettersReceived, r.StaffMails, r.JobRows, float64(r.JobRows)/max(1, float64(r.Complaints)), r.ScheduledJobs,
		r.Complaints, float64(r.DatabaseBytes)/(1<<20), r.TextPerComplaint, strings.Join(tables, ", "))
	if r.Floor.Rate > 0 {
		s += fmt.Sprintf("; floor: %s", r.Floor.Method)
	}
	if len(r.ErrorKinds) > 0 {
		s += fmt.Sprintf("; errors: %v", r.ErrorKinds)
	}
	for _, n := range r.Notes {
		s += "; " + n
	}
	if m := Missed(r); len(m) > 0 {
		s += "; misses: " + strings.Join(m, ", ")
	}
	return s
}

// WriteTable prints the results as an aligned table with a line of
// details per run.
func WriteTable(w io.Writer, rs []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(columns, "\t")+"\t")
	for _, r := range rs {
		fmt.Fprintln(tw, strings.Join(row(r), "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, r := range rs {
		fmt.Fprintln(w, details(r))
	}
	return nil
}

// WriteMarkdown prints the results as a markdown table followed by the
// details of each run.
func WriteMarkdown(w io.Writer, rs []Result) error {
	fmt.Fprintln(w, "| "+strings.Join(columns, " | ")+" |")
	fmt.Fprintln(w, "|"+strings.Repeat("---|", len(columns)))
	for _, r := range rs {
		fmt.Fprintln(w, "| "+strings.Join(row(r), " | ")+" |")
	}
	fmt.Fprintln(w)
	for _, r := range rs {
		if _, err := fmt.Fprintln(w, "- "+details(r)); err != nil {
			return err
		}
	}
	return nil
}

// thousands formats a figure rounded to a whole number with thousands
// separators.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
