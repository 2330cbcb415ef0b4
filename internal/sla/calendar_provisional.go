package sla

import (
	"time"

	"github.com/6tail/lunar-go/calendar"
)

// The statutory days of 全国年节及纪念日放假办法 as amended in November 2024
// apply from 2025; earlier years had fewer days, so they are not computed.
// lunar-go is accurate far beyond maxProvisionalYear; the cap only bounds
// how far a runaway deadline can wander.
const (
	minProvisionalYear = 2025
	maxProvisionalYear = 2100
)

// ProvisionalSource describes where a provisional year comes from.
const ProvisionalSource = "全国年节及纪念日放假办法（2024年修订）法定假日，农历日期与清明节气按历法计算；国务院办公厅通知发布前的临时安排，不含调休"

// provisionalYear computes the statutory days off of year y: 元旦 1 day,
// 春节 4 days from 除夕 (Chinese New Year's Eve) through 初三, 清明 on the solar
// term, 劳动节 May 1–2, 端午 5/5 and 中秋 8/15 of the lunar calendar, 国庆
// October 1–3. It has no make-up days: those come only from the notice.
func provisionalYear(y int) (Year, bool) {
	if y < minProvisionalYear || y > maxProvisionalYear {
		return Year{}, false
	}
	solar := func(s *calendar.Solar) Date {
		return Date{s.GetYear(), time.Month(s.GetMonth()), s.GetDay()}
	}
	run := func(first Date, n int) []Date {
		out := make([]Date, n)
		for i := range out {
			out[i] = dateOfDays(first.days() + i)
		}
		return out
	}
	// Lunar-go works in China Standard Time, which is what the notices use.
	springFestival := solar(calendar.NewLunarFromYmd(y, 1, 1).GetSolar())
	eve := dateOfDays(springFestival.days() - 1)
	qingming := solar(calendar.NewSolarFromYmd(y, 4, 1).GetLunar().GetJieQiTable()["清明"])
	midAutumn := solar(calendar.NewLunarFromYmd(y, 8, 15).GetSolar())
	hs := []Holiday{
		{Name: "元旦", Off: []Date{{y, time.January, 1}}},
		{Name: "春节", Off: run(eve, 4)},
		{Name: "清明节", Off: []Date{qingming}},
		{Name: "劳动节", Off: run(Date{y, time.May, 1}, 2)},
		{Name: "端午节", Off: []Date{solar(calendar.NewLunarFromYmd(y, 5, 5).GetSolar())}},
	}
	national := run(Date{y, time.October, 1}, 3)
	if midAutumn.Month == time.October && midAutumn.Day <= 3 {
		// 中秋 on one of the National Day days (e.g. 2028): one holiday, as the
		// notices name it; the regulation gives no extra day for the overlap.
		hs = append(hs, Holiday{Name: "国庆节、中秋节", Off: national})
	} else {
		hs = append(hs, Holiday{Name: "中秋节", Off: []Date{midAutumn}}, Holiday{Name: "国庆节", Off: national})
	}
	return Year{Year: y, Status: Provisional, Source: ProvisionalSource, Holidays: hs}, true
}

// StatutoryDays returns the statutory days off of year y under the 2024
// regulation (computed as for a provisional year), or false for a year
// before 2025 or after 2100. A published notice must include all of them.
func StatutoryDays(y int) ([]Date, bool) {
	py, ok := provisionalYear(y)
	if !ok {
		return nil, false
	}
	return py.Off(), true
}
