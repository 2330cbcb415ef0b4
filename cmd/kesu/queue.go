package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/queue"
)

const queueUsage = `Usage:
  kesu queue plan --arrivals N --per DURATION --handle DURATION --target DURATION --level FRACTION

"plan" sizes a pooled line with the Erlang C (M/M/c) model: N customers
arrive per DURATION (e.g. 100 per 30m), each takes --handle on average
(e.g. 3m), and --level of them (e.g. 0.8) should be called within --target
(e.g. 20s). It prints, for the smallest counter count that meets the level
and its neighbours, the offered load, occupancy, probability of waiting,
service level and average speed of answer, then the model's assumptions.
`

// queueCmd runs "kesu queue …".
func queueCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "plan" {
		fmt.Fprint(stderr, queueUsage)
		if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errors.New("queue: plan expected")
	}
	fs := flag.NewFlagSet("kesu queue plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var in queue.PlanInput
	fs.Float64Var(&in.Arrivals, "arrivals", 0, "customers arriving per --per")
	fs.DurationVar(&in.Per, "per", time.Hour, "the period of --arrivals, e.g. 30m")
	fs.DurationVar(&in.Handle, "handle", 0, "mean handle time, e.g. 180s")
	fs.DurationVar(&in.Target, "target", 0, "service-level target wait, e.g. 20s")
	fs.Float64Var(&in.Level, "level", 0.8, "share to call within --target, e.g. 0.8")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	p, err := queue.PlanCounters(in)
	if err != nil {
		var e *apperr.Error
		if errors.As(err, &e) && len(e.Fields) > 0 {
			f := e.Fields[0]
			return fmt.Errorf("queue plan: --%s: %s %s", f.Field, f.Rule, f.Param)
		}
		return err
	}
	writePlan(stdout, p)
	return nil
}

// writePlan prints a plan as a table.
func writePlan(w io.Writer, p queue.Plan) {
	fmt.Fprintf(w, "Offered load: %.3g Erlangs (%g per %s, handle %s)\n", p.Load, p.Input.Arrivals, p.Input.Per, p.Input.Handle)
	fmt.Fprintf(w, "Target: %.3g%% within %s — smallest counter count meeting it: %d\n\n", p.Input.Level*100, p.Input.Target, p.Recommended)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "counters\tload (E)\toccupancy\tP(wait)\tservice level\tASA (s)\t\t")
	for _, r := range p.Rows {
		mark := ""
		if r.Counters == p.Recommended {
			mark = "← recommended"
		}
		asa := "∞"
		if !math.IsInf(r.ASA, 0) {
			asa = fmt.Sprintf("%.3g", r.ASA)
		}
		fmt.Fprintf(tw, "%d\t%.3g\t%.1f%%\t%.1f%%\t%.1f%%\t%s\t%s\t\n", r.Counters, r.Load, r.Occupancy*100, r.PWait*100, r.ServiceLevel*100, asa, mark)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nAssumptions:")
	for _, a := range p.Assumptions {
		fmt.Fprintln(w, "  -", a)
	}
}
