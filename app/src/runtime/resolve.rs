//! The resolve call (SPEC §8): for a cause and a moment, the steps of an
//! agent's plan that run, in order, with the conditions evaluated, then the
//! default error message, and until when that answer holds. Built once per
//! document into the snapshot; answered from memory with the domain's
//! `walk_steps` (the editor's Simulate walks with the same function).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use super::doc::{DisabledReason, FailoverDocument, RuntimeAction, rfc3339};
use crate::domain::Cause;
use crate::domain::plan::{Condition, FailoverPlan, Route, Walk, Walkable, walk_steps};
use crate::domain::schedule::{Schedule, ZonedSchedule};

/// What an agent's document needs to answer resolve calls, prepared when
/// the document is built so that a call costs about as much as the GET:
/// answers that don't depend on the moment are serialized once, each step's
/// action is serialized once, and the walk of each trigger family is kept
/// with the moments it holds for (`valid_until`), so that calls for "now"
/// walk again only when a schedule opens or closes. Compact: 100,000 of
/// them live in memory.
///
/// In two parts ([`Resolver::into_parts`]): the bytes an answer copies
/// (the section kept with the document's own bytes, `Packed`, which the
/// lookup reads anyway: a call for an agent without failover, or for a
/// route without conditions, reads nothing else), and what walks of routes
/// with conditions and emergency mode need ([`Resolving`], in the entry).
#[derive(Debug)]
pub struct Resolver {
    section: Vec<u8>,
    resolving: Resolving,
}

/// What resolve calls need besides the section: emergency mode's answer,
/// and a plan's routes, schedules, message and kept walks.
#[derive(Debug, Default)]
pub struct Resolving {
    /// Emergency mode's answer, while it is on (its end is in the section).
    emergency: Option<Bytes>,
    /// When failover runs: the plan as walks need it.
    plan: Option<Box<Plan>>,
}

/// The section's layout: `[kind][emergency mode's end, i64 LE (i64::MIN:
/// none)]`, then for [`OFF`] the answer, for [`PLAN`] `[revision, i64
/// LE][firsts: 5 bytes][fixed walks: 3 × 2 bytes][ends: u32 LE each][text]`.
/// The text: the agent's id as JSON (quoted, escaped once), each step's
/// action as the answer lists it, route after route, then the default error
/// message as the answer ends with it. `ends`: where the id ends in the
/// text, then where each action does; `firsts`: the index in `ends`, after
/// the id, of each route's first action, and of the end of the last
/// route's; a fixed walk: for a trigger family whose route has no
/// condition, the route's index and the steps that run (bit `i`: step `i`),
/// the same at every moment — [`NOT_FIXED`] for the others, walked (and
/// kept) by the entry's [`Plan`].
const OFF: u8 = 1;
const PLAN: u8 = 2;
const NOT_FIXED: u8 = u8::MAX;
const HEAD: usize = 9;
const FIRSTS_AT: usize = HEAD + 8;
const FIXED_AT: usize = FIRSTS_AT + 5;
const ENDS_AT: usize = FIXED_AT + 6;
const TEXT_AT: usize = ENDS_AT + 4 * (1 + ACTIONS_MAX);

const ROUTES: [Route; 4] = [
    Route::Default,
    Route::Precall,
    Route::DynamicConfig,
    Route::Prompt,
];

/// A cause of each trigger family, in the order of the fixed and kept walks.
const FAMILIES: [Cause; 3] = [
    Cause::PrecallTimeout,
    Cause::ConfigOther,
    Cause::PromptRenderFailed,
];

fn family(cause: Cause) -> usize {
    route_index(Route::of(cause)).saturating_sub(1)
}

/// A plan's part of the section.
struct PlanBytes<'a>(&'a [u8]);

impl PlanBytes<'_> {
    fn revision(&self) -> i64 {
        i64::from_le_bytes(self.0[HEAD..FIRSTS_AT].try_into().expect("eight bytes"))
    }

    fn first(&self, route: usize) -> usize {
        usize::from(self.0[FIRSTS_AT + route])
    }

    /// The walk of `family` if it is the same at every moment.
    fn fixed(&self, family: usize) -> Option<Walked> {
        let at = FIXED_AT + 2 * family;
        let route = *ROUTES.get(usize::from(self.0[at]))?;
        Some(Walked {
            from: i64::MIN,
            until: i64::MAX,
            route,
            running: self.0[at + 1],
            stamp: Stamp::NONE,
        })
    }

    /// The default error message, as the answer ends with it.
    fn then(&self) -> &[u8] {
        &self.0[TEXT_AT + self.end(self.first(4))..]
    }

    /// Where the `i`th piece of the text ends (0: the id), from the text's start.
    fn end(&self, i: usize) -> usize {
        let at = ENDS_AT + 4 * i;
        u32::from_le_bytes(self.0[at..at + 4].try_into().expect("four bytes")) as usize
    }

    fn text(&self, range: std::ops::Range<usize>) -> &[u8] {
        &self.0[TEXT_AT + range.start..TEXT_AT + range.end]
    }

    /// The JSON of the agent's id.
    fn agent_json(&self) -> &[u8] {
        self.text(0..self.end(0))
    }

    /// The JSON of each action of `route`, in order.
    fn actions(&self, route: Route) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        let r = route_index(route);
        (self.first(r)..self.first(r + 1)).map(|i| self.text(self.end(i)..self.end(i + 1)))
    }
}

/// A plan as walks need it, for plans with conditions.
#[derive(Debug)]
struct Plan {
    /// The last walk of each trigger family (`precall`, `dynamic_config`,
    /// `prompt`) and when it holds.
    walks: Mutex<[Option<Walked>; 3]>,
    /// By route (`Route` order); empty: the plan has no such route.
    routes: [Box<[WalkStep]>; 4],
    /// The schedules the plan's conditions name (shared by the account's agents).
    schedules: Box<[(Box<str>, Arc<ZonedSchedule>)]>,
}

/// An offset in a plan's text (a few kilobytes at most).
fn offset(text: &[u8]) -> u32 {
    u32::try_from(text.len()).expect("a plan's text is less than 4 GB")
}

/// Steps in all of a plan's routes, at most.
const ACTIONS_MAX: usize = 4 * crate::domain::plan::STEPS_MAX;

/// What a walk needs of a step.
#[derive(Debug)]
struct WalkStep {
    only_when: Option<Condition>,
    says: bool,
}

impl Walkable for WalkStep {
    fn only_when(&self) -> Option<&Condition> {
        self.only_when.as_ref()
    }

    fn ends_walk(&self) -> bool {
        self.says
    }
}

/// What the resolvers of one snapshot load share: schedules, one copy
/// each, and default messages, serialized once (each plan's section holds
/// its own copy).
#[derive(Default)]
pub struct Shared {
    schedules: HashMap<String, Arc<ZonedSchedule>>,
    thens: HashMap<(String, String), Box<RawValue>>,
}

/// A walk's outcome, valid for moments in `from..until`.
#[derive(Debug, Clone, Copy)]
struct Walked {
    from: i64,
    until: i64,
    route: Route,
    /// Bit `i` set: step `i` runs.
    running: u8,
    /// When the answer stops holding, as the answer gives it (formatted
    /// once per walk; empty: until the plan changes).
    stamp: Stamp,
}

/// An RFC 3339 timestamp of at most 32 bytes, kept without an allocation.
#[derive(Debug, Clone, Copy)]
struct Stamp {
    len: u8,
    text: [u8; 32],
}

impl Stamp {
    const NONE: Stamp = Stamp {
        len: 0,
        text: [0; 32],
    };

    fn new(ms: Option<i64>) -> Stamp {
        let mut stamp = Stamp {
            len: 0,
            text: [0; 32],
        };
        if let Some(ms) = ms {
            let t = rfc3339(ms);
            let n = t.len().min(32);
            stamp.text[..n].copy_from_slice(&t.as_bytes()[..n]);
            stamp.len = n as u8;
        }
        stamp
    }

    fn as_str(&self) -> Option<&str> {
        (self.len > 0)
            .then(|| std::str::from_utf8(&self.text[..usize::from(self.len)]).ok())
            .flatten()
    }
}

/// What an answer holds besides the agent id, the steps and the message:
/// the names, the route, the revision and `valid_until` (with room to spare).
const ANSWER_FRAME: usize = 192;

/// Exactly its size (kept answers live as long as their document).
fn to_bytes(value: &impl Serialize) -> Bytes {
    Bytes::copy_from_slice(&serde_json::to_vec(value).expect("answers serialize"))
}

fn route_index(r: Route) -> usize {
    match r {
        Route::Default => 0,
        Route::Precall => 1,
        Route::DynamicConfig => 2,
        Route::Prompt => 3,
    }
}

/// The answer of a resolve call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Resolution {
    pub agent_id: String,
    pub enabled: bool,
    /// Why `enabled` is false; null when enabled.
    pub reason: Option<DisabledReason>,
    /// Emergency mode is on for the account: its action runs for every call.
    pub emergency: bool,
    /// The route that runs (`default`, or the cause's family's own); null
    /// when not enabled.
    pub route: Option<RouteName>,
    /// The steps to try, in order, conditions already evaluated.
    pub steps: Vec<RuntimeAction>,
    /// What is played after the last step.
    pub then: Then,
    /// The next moment this answer can change (a schedule opening or
    /// closing); null if none is known.
    #[schema(format = DateTime)]
    pub valid_until: Option<String>,
    pub revision: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RouteName {
    Default,
    Precall,
    DynamicConfig,
    Prompt,
}

impl RouteName {
    /// As serde names it.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteName::Default => "default",
            RouteName::Precall => "precall",
            RouteName::DynamicConfig => "dynamic_config",
            RouteName::Prompt => "prompt",
        }
    }
}

impl From<RouteName> for Route {
    fn from(r: RouteName) -> Self {
        match r {
            RouteName::Default => Route::Default,
            RouteName::Precall => Route::Precall,
            RouteName::DynamicConfig => Route::DynamicConfig,
            RouteName::Prompt => Route::Prompt,
        }
    }
}

impl From<Route> for RouteName {
    fn from(r: Route) -> Self {
        match r {
            Route::Default => RouteName::Default,
            Route::Precall => RouteName::Precall,
            Route::DynamicConfig => RouteName::DynamicConfig,
            Route::Prompt => RouteName::Prompt,
        }
    }
}

/// After the last step: the account's default error message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Then {
    /// Always `default_error_message`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub text: String,
    pub language: String,
}

impl Resolver {
    /// From the plan and schedules of a document just built from them.
    pub fn new(
        doc: &FailoverDocument,
        plan: Option<&FailoverPlan>,
        schedules: &BTreeMap<String, Schedule>,
        emergency_ends_at: Option<i64>,
        shared: &mut Shared,
    ) -> Resolver {
        let m = &doc.default_error_message;
        let then = Then {
            kind: "default_error_message",
            text: m.text.clone(),
            language: m.language.clone(),
        };
        let answer = |enabled, emergency, steps, valid_until| Resolution {
            agent_id: doc.agent_id.clone(),
            enabled,
            reason: doc.reason,
            emergency,
            route: None,
            steps,
            then: then.clone(),
            valid_until,
            revision: doc.revision,
        };
        let emergency = doc
            .emergency
            .as_ref()
            .zip(emergency_ends_at)
            .map(|(e, end)| {
                let a = answer(
                    doc.enabled,
                    true,
                    vec![e.action.clone()],
                    Some(rfc3339(end)),
                );
                (end, to_bytes(&a))
            });
        let mut section = Vec::new();
        let head = |section: &mut Vec<u8>, kind: u8| {
            section.push(kind);
            section.extend_from_slice(&emergency.as_ref().map_or(i64::MIN, |e| e.0).to_le_bytes());
        };
        let (Some(plan), Some(routes), true) = (plan, &doc.routes, doc.enabled) else {
            head(&mut section, OFF);
            serde_json::to_writer(&mut section, &answer(false, false, Vec::new(), None))
                .expect("answers serialize");
            return Resolver {
                section,
                resolving: Resolving {
                    emergency: emergency.map(|e| e.1),
                    plan: None,
                },
            };
        };
        head(&mut section, PLAN);
        section.extend_from_slice(&doc.revision.to_le_bytes());
        section.resize(TEXT_AT, 0);
        // The text is written in place; offsets count from its start.
        serde_json::to_writer(&mut section, &doc.agent_id).expect("strings serialize");
        let mut ends = [0u32; 1 + ACTIONS_MAX];
        let mut firsts = [0u8; 5];
        let mut n = 0;
        ends[0] = offset(&section[TEXT_AT..]);
        let listed = [
            (Route::Default, Some(&routes.default)),
            (Route::Precall, routes.precall.as_ref()),
            (Route::DynamicConfig, routes.dynamic_config.as_ref()),
            (Route::Prompt, routes.prompt.as_ref()),
        ];
        for (route, steps) in listed {
            let r = route_index(route);
            firsts[r] = n as u8;
            // At most STEPS_MAX a route: the domain's rule, held at every save.
            for s in steps
                .into_iter()
                .flatten()
                .take(crate::domain::plan::STEPS_MAX)
            {
                serde_json::to_writer(&mut section, &s.action).expect("actions serialize");
                n += 1;
                ends[n] = offset(&section[TEXT_AT..]);
            }
            firsts[r + 1] = n as u8;
        }
        let mut walked: [Box<[WalkStep]>; 4] = Default::default();
        for (route, steps) in plan.routes() {
            walked[route_index(route)] = steps
                .iter()
                .map(|s| WalkStep {
                    only_when: s.only_when.clone(),
                    says: s.ends_walk(),
                })
                .collect();
        }
        let mut fixed = [NOT_FIXED; 6];
        for (f, cause) in FAMILIES.into_iter().enumerate() {
            let route = Route::run_by(cause, |r| !walked[route_index(r)].is_empty());
            let steps = &walked[route_index(route)];
            if steps.iter().all(|s| s.only_when.is_none()) {
                let walk = Walk {
                    route,
                    verdicts: walk_steps(steps, |_| None),
                };
                fixed[2 * f] = route_index(route) as u8;
                fixed[2 * f + 1] = walk.running().fold(0u8, |bits, i| bits | (1 << i));
            }
        }
        section[FIRSTS_AT..FIXED_AT].copy_from_slice(&firsts);
        section[FIXED_AT..ENDS_AT].copy_from_slice(&fixed);
        for (i, end) in ends.iter().enumerate() {
            section[ENDS_AT + 4 * i..ENDS_AT + 4 * i + 4].copy_from_slice(&end.to_le_bytes());
        }
        let schedules = schedules
            .iter()
            .filter_map(|(id, s)| {
                let zoned = match shared.schedules.get(id) {
                    Some(z) if z.schedule == *s => z.clone(),
                    _ => {
                        let z = Arc::new(ZonedSchedule::new(s.clone())?);
                        shared.schedules.insert(id.clone(), z.clone());
                        z
                    }
                };
                Some((Box::from(id.as_str()), zoned))
            })
            .collect();
        let then_json = shared
            .thens
            .entry((then.text, then.language))
            .or_insert_with_key(|(text, language)| {
                let then = Then {
                    kind: "default_error_message",
                    text: text.clone(),
                    language: language.clone(),
                };
                serde_json::value::to_raw_value(&then).expect("messages serialize")
            });
        section.extend_from_slice(then_json.get().as_bytes());
        // Walks to keep only where a route has conditions.
        let plan = fixed.contains(&NOT_FIXED).then(|| {
            Box::new(Plan {
                walks: Mutex::new([None; 3]),
                routes: walked,
                schedules,
            })
        });
        Resolver {
            section,
            resolving: Resolving {
                emergency: emergency.map(|e| e.1),
                plan,
            },
        }
    }

    /// The bytes kept with the document's (`Packed`), and the rest.
    pub fn into_parts(self) -> (Vec<u8>, Resolving) {
        (self.section, self.resolving)
    }
}

/// The answer (JSON) for `cause` at `at_ms`, from an agent's packed bytes
/// and what else its entry keeps; `None` when they hold no resolve section
/// (a document read from the snapshot file). Reads the entry only for a
/// plan or during emergency mode.
pub fn answer(
    packed: &super::snapshot::Packed,
    resolving: &Resolving,
    cause: Cause,
    at_ms: i64,
) -> Option<Bytes> {
    let section = packed.resolve_section();
    let kind = *section.first()?;
    let emergency_end = i64::from_le_bytes(section.get(1..HEAD)?.try_into().ok()?);
    // Emergency mode, until its end: its action for every call.
    if at_ms < emergency_end
        && let Some(body) = &resolving.emergency
    {
        return Some(body.clone());
    }
    if kind == OFF {
        return Some(packed.resolve_bytes(HEAD..));
    }
    let bytes = PlanBytes(section);
    let w = match bytes.fixed(family(cause)) {
        Some(w) => w,
        None => resolving.plan.as_deref()?.walked(cause, at_ms),
    };
    let actions = bytes.actions(w.route);
    let then = bytes.then();
    let agent = bytes.agent_json();
    let mut out = Vec::with_capacity(
        ANSWER_FRAME
            + agent.len()
            + then.len()
            + actions.len()
            + bytes.end(bytes.first(route_index(w.route) + 1))
            - bytes.end(bytes.first(route_index(w.route))),
    );
    // `Resolution`'s fields in its order, as serde writes them (a test
    // holds the two alike), from pieces serialized once: no escaping per
    // call (the stamp and the route are plain ASCII).
    out.extend_from_slice(b"{\"agent_id\":");
    out.extend_from_slice(agent);
    out.extend_from_slice(b",\"enabled\":true,\"reason\":null,\"emergency\":false,\"route\":\"");
    out.extend_from_slice(RouteName::from(w.route).as_str().as_bytes());
    out.extend_from_slice(b"\",\"steps\":[");
    let running = actions
        .enumerate()
        .filter(|(i, _)| w.running & (1 << i) != 0);
    for (n, (_, action)) in running.enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(action);
    }
    out.extend_from_slice(b"],\"then\":");
    out.extend_from_slice(then);
    out.extend_from_slice(b",\"valid_until\":");
    match w.stamp.as_str() {
        Some(stamp) => {
            out.push(b'"');
            out.extend_from_slice(stamp.as_bytes());
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"revision\":");
    out.extend_from_slice(itoa::Buffer::new().format(bytes.revision()).as_bytes());
    out.push(b'}');
    Some(Bytes::from(out))
}

impl Plan {
    fn schedule(&self, id: &str) -> Option<&ZonedSchedule> {
        self.schedules
            .iter()
            .find(|(s, _)| &**s == id)
            .map(|(_, z)| &**z)
    }

    /// The walk of `cause`'s route at `at_ms`: the last one of its family
    /// if it holds at that moment, else a new one (kept for the next call).
    fn walked(&self, cause: Cause, at_ms: i64) -> Walked {
        let family = family(cause);
        let kept = self.walks.lock().ok().and_then(|w| w[family]);
        if let Some(w) = kept.filter(|w| w.from <= at_ms && at_ms < w.until) {
            return w;
        }
        let route = Route::run_by(cause, |r| !self.routes[route_index(r)].is_empty());
        let steps = &self.routes[route_index(route)];
        let walk = Walk {
            route,
            verdicts: walk_steps(steps, |id| self.schedule(id).map(|z| z.state_at(at_ms))),
        };
        let running = walk.running().fold(0u8, |bits, i| bits | (1 << i));
        // The answer holds until a schedule this route looks at changes.
        let valid_until = steps
            .iter()
            .filter_map(|s| s.only_when.as_ref())
            .filter_map(|c| self.schedule(&c.schedule_id))
            .filter_map(|z| z.next_change(at_ms))
            .min();
        let w = Walked {
            from: at_ms,
            until: valid_until.unwrap_or(i64::MAX),
            route,
            running,
            stamp: Stamp::new(valid_until),
        };
        if let Ok(mut kept) = self.walks.lock() {
            kept[family] = Some(w);
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Direction;
    use crate::domain::failover::{FailoverAction, TransferTarget};
    use crate::domain::plan::{Condition, Step};
    use crate::domain::schedule::OpenState;
    use crate::runtime::snapshot::{DocEntry, NewDoc};
    use crate::store::snapshot::{AgentState, EmergencyState};

    const SCHEDULE: &str = "sch-1";
    /// Monday 2026-11-30 10:00 in Paris (09:00 UTC): open.
    const MONDAY_10H: i64 = 1_796_029_200_000;
    const HOUR: i64 = 3_600_000;

    fn state() -> AgentState {
        let desk = FailoverAction::Transfer {
            max_ring_seconds: 20,
            target: TransferTarget::PhoneNumber("+33123456789".into()),
        };
        let message = FailoverAction::SayMessage {
            text: "Au revoir.".into(),
            language: "fr-FR".into(),
        };
        let open = Condition {
            schedule_id: SCHEDULE.into(),
            state: OpenState::Open,
        };
        let schedule: Schedule = serde_json::from_value(serde_json::json!({
            "name": "Front desk", "timezone": "Europe/Paris",
            "weekly": {"mon": [["09:00", "12:00"]]}, "closures": [],
        }))
        .unwrap();
        AgentState {
            agent_id: "ag".into(),
            account_id: "ac".into(),
            direction: Direction::Inbound,
            failover_enabled: true,
            default_message: None,
            plan: Some(FailoverPlan {
                default: vec![Step {
                    action: message.clone(),
                    only_when: None,
                }],
                precall: Some(vec![
                    Step {
                        action: desk,
                        only_when: Some(open),
                    },
                    Step {
                        action: message,
                        only_when: None,
                    },
                ]),
                dynamic_config: None,
                prompt: None,
            }),
            sip_connections: BTreeMap::new(),
            schedules: BTreeMap::from([(SCHEDULE.to_owned(), schedule)]),
            emergency: None,
            change_seq: 3,
            changed_at: MONDAY_10H,
        }
    }

    /// The agent's entry, as the snapshot builds it.
    fn resolver(s: &AgentState) -> DocEntry {
        let doc = FailoverDocument::build(s);
        let resolver = Resolver::new(
            &doc,
            s.plan.as_ref(),
            &s.schedules,
            s.emergency.as_ref().map(|e| e.ends_at),
            &mut Shared::default(),
        );
        DocEntry::new(NewDoc {
            agent_id: Arc::from(s.agent_id.as_str()),
            account_id: Arc::from(s.account_id.as_str()),
            inbound: true,
            seq: s.change_seq,
            body: &serde_json::to_vec(&doc).unwrap(),
            head: super::super::ofrep::Head::of(&doc),
            resolver: Some(resolver),
        })
    }

    fn answer(r: &DocEntry, cause: Cause, at: i64) -> serde_json::Value {
        serde_json::from_slice(&r.resolve(cause, at).unwrap()).unwrap()
    }

    fn steps(v: &serde_json::Value) -> Vec<&str> {
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["type"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn an_answer_has_the_resolution_shape() {
        let s = state();
        let r = resolver(&s);
        let doc = FailoverDocument::build(&s);
        let routes = doc.routes.clone().unwrap();
        let precall = routes.precall.unwrap();
        let expected = Resolution {
            agent_id: "ag".into(),
            enabled: true,
            reason: None,
            emergency: false,
            route: Some(RouteName::Precall),
            steps: precall.iter().map(|s| s.action.clone()).collect(),
            then: Then {
                kind: "default_error_message",
                text: doc.default_error_message.text.clone(),
                language: doc.default_error_message.language.clone(),
            },
            valid_until: Some("2026-11-30T11:00:00Z".into()),
            revision: 3,
        };
        assert_eq!(
            r.resolve(Cause::PrecallTimeout, MONDAY_10H).unwrap(),
            serde_json::to_vec(&expected).unwrap()
        );
    }

    #[test]
    fn answers_are_written_as_serde_writes_a_resolution() {
        let mut s = state();
        s.agent_id = "a\"b\\c\u{e9}\u{1}/</script>".into();
        s.change_seq = -1_234_567_890_123;
        let r = resolver(&s);
        let doc = FailoverDocument::build(&s);
        let routes = doc.routes.clone().unwrap();
        let then = Then {
            kind: "default_error_message",
            text: doc.default_error_message.text.clone(),
            language: doc.default_error_message.language.clone(),
        };
        // The default route (no condition: valid until the plan changes),
        // and the pre-call one with its desk closed (one step of two).
        let default = Resolution {
            agent_id: s.agent_id.clone(),
            enabled: true,
            reason: None,
            emergency: false,
            route: Some(RouteName::Default),
            steps: routes.default.iter().map(|s| s.action.clone()).collect(),
            then: then.clone(),
            valid_until: None,
            revision: s.change_seq,
        };
        assert_eq!(
            r.resolve(Cause::ConfigOther, MONDAY_10H).unwrap(),
            serde_json::to_vec(&default).unwrap()
        );
        let precall = routes.precall.unwrap();
        let closed = Resolution {
            route: Some(RouteName::Precall),
            steps: vec![precall[1].action.clone()],
            valid_until: Some("2026-12-07T08:00:00Z".into()),
            ..default
        };
        assert_eq!(
            r.resolve(Cause::PrecallTimeout, MONDAY_10H + 2 * HOUR)
                .unwrap(),
            serde_json::to_vec(&closed).unwrap()
        );
        for name in [
            RouteName::Default,
            RouteName::Precall,
            RouteName::DynamicConfig,
            RouteName::Prompt,
        ] {
            assert_eq!(
                serde_json::to_string(&name).unwrap(),
                format!("\"{}\"", name.as_str())
            );
        }
    }

    #[test]
    fn a_kept_walk_serves_its_window_only() {
        let r = resolver(&state());
        // Open: the desk, then the message; until noon in Paris.
        let open = answer(&r, Cause::PrecallError, MONDAY_10H);
        assert_eq!(steps(&open), ["transfer", "say_message"]);
        // Later in the window: the kept walk, same answer.
        assert_eq!(answer(&r, Cause::PrecallTimeout, MONDAY_10H + HOUR), open);
        // At noon the desk is closed: walked again.
        let closed = answer(&r, Cause::PrecallTimeout, MONDAY_10H + 2 * HOUR);
        assert_eq!(steps(&closed), ["say_message"]);
        assert_eq!(closed["valid_until"], "2026-12-07T08:00:00Z");
        // Before the kept window: walked again, not served from it.
        let early = answer(&r, Cause::PrecallTimeout, MONDAY_10H - 2 * HOUR);
        assert_eq!(steps(&early), ["say_message"]);
        assert_eq!(early["valid_until"], "2026-11-30T08:00:00Z");
        // Another family has its own walk: the default route.
        let other = answer(&r, Cause::PromptRenderFailed, MONDAY_10H);
        assert_eq!(
            (other["route"].as_str(), steps(&other)),
            (Some("default"), vec!["say_message"])
        );
        assert_eq!(other["valid_until"], serde_json::Value::Null);
    }

    #[test]
    fn emergency_until_its_end_then_the_plan() {
        let mut s = state();
        s.emergency = Some(EmergencyState {
            action: FailoverAction::SayMessage {
                text: "Incident.".into(),
                language: "fr-FR".into(),
            },
            reason: "Outage".into(),
            ends_at: MONDAY_10H + HOUR,
            sip_connection: None,
        });
        let r = resolver(&s);
        let during = answer(&r, Cause::PrecallTimeout, MONDAY_10H);
        assert_eq!(
            (during["emergency"].as_bool(), during["route"].is_null()),
            (Some(true), true)
        );
        assert_eq!(during["steps"][0]["text"], "Incident.");
        assert_eq!(during["valid_until"], "2026-11-30T10:00:00Z");
        let after = answer(&r, Cause::PrecallTimeout, MONDAY_10H + HOUR);
        assert_eq!(
            (after["emergency"].as_bool(), steps(&after)),
            (Some(false), vec!["transfer", "say_message"])
        );
    }

    #[test]
    fn failover_off_answers_the_same_at_every_moment() {
        let mut s = state();
        s.failover_enabled = false;
        let r = resolver(&s);
        let v = answer(&r, Cause::PrecallTimeout, MONDAY_10H);
        assert_eq!(
            (
                v["enabled"].as_bool(),
                v["reason"].as_str(),
                steps(&v).len()
            ),
            (Some(false), Some("feature_disabled"), 0)
        );
        assert_eq!(answer(&r, Cause::ConfigOther, 0), v);
    }
}
