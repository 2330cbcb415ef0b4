package intakeload

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// queueColumns are the queue scenario's summary table, shared by the text
// and markdown forms.
var queueColumns = []string{"engine", "load", "issued/s", "issue p50 / p99 / max ms (≤ 5 ms)", "calls/s",
	"call p50 / p99 / max ms (≤ 5 ms)", "in the server: issue / call p50 / p99 ms (≤ 5 ms)", "empty calls", "errors", "waiting at end", "watchers", "fan-out p50 / p99 / max ms",
	"server peak RSS", "floor/s", "floor at the rate p50 / p99 / max ms", "floor at the commit rate p50 / p99 / max ms"}

func queueRow(r QueueResult) []string {
	floor := "—"
	if r.Floor.Rate > 0 {
		floor = thousands(r.Floor.Rate)
	}
	paced := "—"
	if f := r.FloorAtRate; f != nil {
		paced = fmt.Sprintf("%.1f / %.1f / %.1f", f.P50Ms, f.P99Ms, f.MaxMs)
	}
	atCommits := "—"
	if f := r.FloorAtCommits; f != nil {
		atCommits = fmt.Sprintf("%.1f / %.1f / %.1f", f.P50Ms, f.P99Ms, f.MaxMs)
	}
	fan := "—"
	if r.Watchers > 0 {
		fan = fmt.Sprintf("%.1f / %.1f / %.1f", r.FanoutP50Ms, r.FanoutP99Ms, r.FanoutMaxMs)
	}
	inServer := "—"
	if r.ServerIssue != nil && r.ServerCall != nil {
		inServer = fmt.Sprintf("%s / %s", r.ServerIssue.cell(), r.ServerCall.cell())
	}
	load := r.Mode
	if r.Rate == 0 {
		load = fmt.Sprintf("max, %d issuers", r.Issuers)
	}
	return []string{r.Engine, load, thousands(r.IssueRate),
		fmt.Sprintf("%.1f / %.1f / %.1f (%.1f %%)", r.IssueP50Ms, r.IssueP99Ms, r.IssueMaxMs, 100*r.IssueIn5ms), thousands(r.CallRate),
		fmt.Sprintf("%.1f / %.1f / %.1f (%.1f %%)", r.CallP50Ms, r.CallP99Ms, r.CallMaxMs, 100*r.CallIn5ms), inServer, thousands(float64(r.EmptyCalls)),
		fmt.Sprint(r.IssueErrors + r.CallErrors + r.ActErrors), thousands(float64(r.ServerWaiting)), fmt.Sprint(r.Watchers), fan,
		fmt.Sprintf("%.0f MB", r.ServerPeakRSSMB), floor, paced, atCommits}
}

// cell is "p50 / p99 (share within 5 ms)".
func (t *ServerTime) cell() string {
	return fmt.Sprintf("%.1f / %.1f (%.1f %%)", t.P50Ms, t.P99Ms, 100*t.Within5ms)
}

// queueDetails are the figures behind a row, one line.
func queueDetails(r QueueResult) string {
	s := fmt.Sprintf("%s, queue %s: %d branches, %d counters, %s history tickets; %s issued and %s called in %.1f s "+
		"(%d arrivals dropped); %s served and finished (handle %.0f ms), serve/finish p99 %.1f ms; server: %s tickets today, "+
		"%s called, %s waiting; %s distinct tickets called, %d twice; CPU server %.1f s, load generator %.1f s, machine %.0f %% busy",
		r.Engine, r.Mode, r.Branches, r.Counters, thousands(float64(r.History)), thousands(float64(r.Issued)),
		thousands(float64(r.Calls)), r.Seconds, r.Dropped, thousands(float64(r.Finished)), r.HandleMs, r.ActionP99Ms,
		thousands(float64(r.ServerTickets)), thousands(float64(r.ServerCalled)), thousands(float64(r.ServerWaiting)),
		thousands(float64(r.DistinctCalled)), r.DuplicateCalls, r.ServerCPUSeconds, r.ClientCPUSeconds, 100*r.MachineBusy)
	if r.WarmupSeconds > 0 {
		s += fmt.Sprintf("; before it a warm-up of %.0f s, not counted: %s issued, %s called, %d errors",
			r.WarmupSeconds, thousands(float64(r.WarmupIssued)), thousands(float64(r.WarmupCalls)), r.WarmupErrors)
	}
	if r.Watchers > 0 {
		s += fmt.Sprintf("; %d watchers, %d watched calls, %d not shown by every watcher, %d streams ended",
			r.Watchers, r.WatchedCalls, r.FanoutMissed, r.WatcherDropped)
	}
	if r.Floor.Rate > 0 {
		s += fmt.Sprintf("; floor: %s, issued ÷ floor %.1f %%", r.Floor.Method, 100*r.IssueOfFloor)
	}
	if f := r.FloorAtRate; f != nil {
		s += fmt.Sprintf("; floor at the rate: %s, %s transactions", f.Method, thousands(float64(f.N)))
	}
	if f := r.FloorAtCommits; f != nil {
		s += fmt.Sprintf("; %.0f commits/s (issues, calls, serves and finishes); floor at that rate: %s, %s transactions",
			r.CommitRate, f.Method, thousands(float64(f.N)))
	}
	if len(r.ErrorKinds) > 0 {
		s += fmt.Sprintf("; errors: %v", r.ErrorKinds)
	}
	for _, n := range r.Notes {
		s += "; " + n
	}
	return s
}

// WriteQueueTable prints queue results as an aligned table with a line of
// details per run.
func WriteQueueTable(w io.Writer, rs []QueueResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(queueColumns, "\t")+"\t")
	for _, r := range rs {
		fmt.Fprintln(tw, strings.Join(queueRow(r), "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, r := range rs {
		fmt.Fprintln(w, queueDetails(r))
	}
	return nil
}

// WriteQueueMarkdown prints queue results as a markdown table followed by
// the details of each run.
func WriteQueueMarkdown(w io.Writer, rs []QueueResult) error {
	fmt.Fprintln(w, "| "+strings.Join(queueColumns, " | ")+" |")
	fmt.Fprintln(w, "|"+strings.Repeat("---|", len(queueColumns)))
	for _, r := range rs {
		fmt.Fprintln(w, "| "+strings.Join(queueRow(r), " | ")+" |")
	}
	fmt.Fprintln(w)
	for _, r := range rs {
		if _, err := fmt.Fprintln(w, "- "+queueDetails(r)); err != nil {
			return err
		}
	}
	return nil
}
