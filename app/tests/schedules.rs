//! Business hours and plans, by property: a moment is open iff its local
//! wall-clock time falls in an interval of its local weekday and its local
//! date in no closure; the next change is the first moment the state
//! differs, with none before it; a walk runs exactly the steps whose
//! conditions hold, up to the first say-message step that runs.

#![cfg(feature = "ssr")]

use app::domain::Cause;
use app::domain::failover::{FailoverDraft, WebhookAllowList};
use app::domain::plan::{PlanDraft, StepDraft, Verdict, walk};
use app::domain::schedule::{
    ClockTime, Closure, Day, Interval, OpenState, Schedule, Weekly, ZonedSchedule,
};
use jiff::Timestamp;
use proptest::prelude::*;

const ZONES: [&str; 8] = [
    "Europe/Paris",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "UTC",
    "Pacific/Chatham",
    "America/Santiago",
    "Europe/London",
];
/// 2026-01-01 and 2028-01-01, UTC.
const FROM_MS: i64 = 1_767_225_600_000;
const TO_MS: i64 = 1_830_297_600_000;
const DAY_MS: i64 = 86_400_000;

fn day(ms: i64) -> Day {
    Day::parse(
        &Timestamp::from_millisecond(ms)
            .unwrap()
            .strftime("%Y-%m-%d")
            .to_string(),
    )
    .unwrap()
}

/// A day's intervals: sorted, apart, from up to six distinct minute marks.
fn intervals() -> impl Strategy<Value = Vec<Interval>> {
    proptest::collection::btree_set(0u16..=1440, 0..=6).prop_map(|marks| {
        let marks: Vec<u16> = marks.into_iter().collect();
        marks
            .chunks_exact(2)
            .map(|p| Interval {
                start: ClockTime::from_minutes(p[0]),
                end: ClockTime::from_minutes(p[1]),
            })
            .collect()
    })
}

fn schedule() -> impl Strategy<Value = ZonedSchedule> {
    (
        0..ZONES.len(),
        proptest::array::uniform7(intervals()),
        proptest::collection::vec((FROM_MS..TO_MS, 0i64..5), 0..3),
    )
        .prop_map(|(z, weekly, closures)| {
            let schedule = Schedule {
                name: "Hours".into(),
                timezone: ZONES[z].into(),
                weekly: Weekly(weekly),
                closures: closures
                    .into_iter()
                    .map(|(at, days)| Closure {
                        from: day(at),
                        to: day(at + days * DAY_MS),
                        label: "Closed".into(),
                    })
                    .collect(),
            };
            ZonedSchedule::new(schedule).expect("a known zone")
        })
}

/// The reference: read the wall clock as text, compare as text.
fn open_by_reading_the_clock(s: &ZonedSchedule, at: i64) -> bool {
    let local = Timestamp::from_millisecond(at)
        .unwrap()
        .to_zoned(s.zone().clone());
    let date = local.strftime("%Y-%m-%d").to_string();
    if s.schedule
        .closures
        .iter()
        .any(|c| c.from.to_string() <= date && date <= c.to.to_string())
    {
        return false;
    }
    let weekday = local.strftime("%a").to_string().to_lowercase();
    let hhmm = local.strftime("%H:%M").to_string();
    let json = serde_json::to_value(&s.schedule.weekly).unwrap();
    json[&weekday].as_array().unwrap().iter().any(|pair| {
        let (start, end) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        start <= hhmm.as_str() && (end == "24:00" || hhmm.as_str() < end)
    })
}

/// The instants the local day of `at` shows its intervals' edges.
fn edges_of_the_day(s: &ZonedSchedule, at: i64) -> Vec<i64> {
    let local = Timestamp::from_millisecond(at)
        .unwrap()
        .to_zoned(s.zone().clone());
    let weekday = local.date().weekday().to_monday_zero_offset() as usize;
    s.schedule.weekly.0[weekday]
        .iter()
        .flat_map(|i| [i.start, i.end])
        .filter(|t| *t != ClockTime::END_OF_DAY)
        .filter_map(|t| {
            let (h, m) = ((t.minutes() / 60) as i8, (t.minutes() % 60) as i8);
            local
                .date()
                .at(h, m, 0, 0)
                .to_zoned(s.zone().clone())
                .ok()
                .map(|z| z.timestamp().as_millisecond())
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn open_iff_in_an_interval_of_the_local_weekday_and_no_closure(s in schedule(), at in FROM_MS..TO_MS) {
        prop_assert_eq!(s.is_open(at), open_by_reading_the_clock(&s, at));
        // And at every edge of that local day's intervals, and just before.
        for t in edges_of_the_day(&s, at) {
            for probe in [t - 1, t, t + 59_999] {
                prop_assert_eq!(s.is_open(probe), open_by_reading_the_clock(&s, probe), "at {}", probe);
            }
        }
    }

    #[test]
    fn the_next_change_is_the_first(s in schedule(), at in FROM_MS..TO_MS, probes in proptest::collection::vec(0.0f64..1.0, 40)) {
        let now = s.is_open(at);
        match s.next_change(at) {
            Some(t) => {
                prop_assert!(t > at);
                prop_assert_ne!(s.is_open(t), now, "the state changes at {}", t);
                prop_assert_eq!(s.is_open(t - 1), now, "and not just before");
                for p in probes {
                    let probe = at + ((t - at) as f64 * p) as i64;
                    prop_assert_eq!(s.is_open(probe), now, "unchanged at {} before {}", probe, t);
                }
            }
            None => {
                for p in probes {
                    let probe = at + (40.0 * DAY_MS as f64 * p) as i64;
                    prop_assert_eq!(s.is_open(probe), now);
                }
            }
        }
    }

    #[test]
    fn a_walk_runs_what_holds_up_to_a_message(
        steps in proptest::collection::vec((0u8..3, 0u8..3), 1..=5),
        open in any::<bool>(),
    ) {
        // Step kinds: 0 say a message, 1 transfer, 2 workflow; conditions:
        // 0 always, 1 open, 2 closed.
        let drafts: Vec<StepDraft> = steps.iter().map(|(kind, cond)| StepDraft {
            action: match kind {
                0 => FailoverDraft { action_type: "say_message".into(), text: "Bonjour".into(), language: "fr-FR".into(), ..FailoverDraft::default() },
                1 => FailoverDraft { action_type: "transfer".into(), transfer_target: "phone".into(), phone_number: "+33123456789".into(), max_ring_seconds: "20".into(), ..FailoverDraft::default() },
                _ => FailoverDraft { action_type: "workflow".into(), webhook_url: "https://hooks.example.com/f".into(), timeout_seconds: "5".into(), ..FailoverDraft::default() },
            },
            only_when: ["", "open:hours", "closed:hours"][*cond as usize].into(),
        }).collect();
        let draft = PlanDraft { default: drafts, ..PlanDraft::default() };
        let unreachable = steps.iter().position(|(k, c)| *k == 0 && *c == 0).is_some_and(|i| i + 1 < steps.len());
        match draft.parse(&WebhookAllowList::default(), |id| id == "hours") {
            Err(e) => prop_assert!(unreachable, "refused only for an unreachable step: {:?}", e),
            Ok(plan) => {
                prop_assert!(!unreachable);
                let state = if open { OpenState::Open } else { OpenState::Closed };
                let w = walk(&plan, Cause::PrecallTimeout, |_| Some(state));
                let holds = |c: u8| c == 0 || (c == 1) == open;
                let mut expected = Vec::new();
                for (i, (kind, cond)) in steps.iter().enumerate() {
                    if holds(*cond) {
                        expected.push(i);
                        if *kind == 0 { break; }
                    }
                }
                prop_assert_eq!(w.running().collect::<Vec<_>>(), expected.clone());
                let last = expected.last().copied();
                for (i, v) in w.verdicts.iter().enumerate() {
                    if matches!(v, Verdict::NotReached) {
                        prop_assert!(last.is_some_and(|l| i > l));
                    }
                }
            }
        }
    }
}

fn paris(weekly: &[(usize, &str, &str)]) -> ZonedSchedule {
    let mut w = Weekly::default();
    for (d, s, e) in weekly {
        w.0[*d].push(Interval {
            start: ClockTime::parse(s).unwrap(),
            end: ClockTime::parse(e).unwrap(),
        });
    }
    ZonedSchedule::new(Schedule {
        name: "Front desk".into(),
        timezone: "Europe/Paris".into(),
        weekly: w,
        closures: vec![Closure {
            from: Day::parse("2026-12-24").unwrap(),
            to: Day::parse("2026-12-26").unwrap(),
            label: "Noël".into(),
        }],
    })
    .unwrap()
}

fn ms(rfc3339: &str) -> i64 {
    rfc3339.parse::<Timestamp>().unwrap().as_millisecond()
}

#[test]
fn opening_hours_follow_the_local_clock_across_dst() {
    // Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST; 02:30 never happens.
    let spring = paris(&[(6, "02:30", "02:45"), (6, "09:00", "12:00")]);
    assert_eq!(
        spring.next_change(ms("2026-03-28T23:00:00Z")),
        Some(ms("2026-03-29T07:00:00Z"))
    );
    assert!(spring.is_open(ms("2026-03-29T07:00:00Z")), "09:00 CEST");
    assert!(
        !spring.is_open(ms("2026-03-29T01:30:00Z")),
        "03:30 CEST: the 02:30 interval never came"
    );
    // Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:15 happens twice.
    let autumn = paris(&[(6, "02:15", "02:30")]);
    let start = ms("2026-10-24T22:00:00Z");
    let first = autumn.next_change(start).unwrap();
    assert_eq!(first, ms("2026-10-25T00:15:00Z"), "02:15 CEST");
    let closes = autumn.next_change(first).unwrap();
    assert_eq!(closes, ms("2026-10-25T00:30:00Z"));
    let again = autumn.next_change(closes).unwrap();
    assert_eq!(
        again,
        ms("2026-10-25T01:15:00Z"),
        "02:15 CET, the second time"
    );
    assert_eq!(autumn.next_change(again), Some(ms("2026-10-25T01:30:00Z")));
}

#[test]
fn a_closure_closes_the_whole_local_day() {
    let s = paris(&[
        (3, "09:00", "18:00"),
        (4, "09:00", "18:00"),
        (0, "09:00", "18:00"),
    ]);
    // Thursday 24 December 2026, 10:00 in Paris: closed for Noël.
    assert!(!s.is_open(ms("2026-12-24T09:00:00Z")));
    assert!(s.is_open(ms("2026-12-17T09:00:00Z")), "the Thursday before");
    // From Thursday 24 morning the next opening is Monday 28 at 09:00.
    assert_eq!(
        s.next_change(ms("2026-12-24T09:00:00Z")),
        Some(ms("2026-12-28T08:00:00Z"))
    );
    assert_eq!(s.state_at(ms("2026-12-28T08:00:00Z")), OpenState::Open);
}
