//! Failover plans (SPEC §8): a `default` route and optional overrides per
//! family of causes, each an ordered list of 1–5 steps; a step is one of the
//! three actions, run only when its business-hours condition holds. A v1
//! config (one action) is a plan with one step.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::failover::{
    ActionType, FailoverAction, FailoverDraft, TransferTarget, WebhookAllowList,
};
use super::schedule::OpenState;
use super::{Cause, Code, FieldErrors};

/// Steps a route may have.
pub const STEPS_MAX: usize = 5;

/// A route of a plan: `default`, or the override of one family of causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    Default,
    Precall,
    DynamicConfig,
    Prompt,
}

impl Route {
    pub const ALL: [Route; 4] = [
        Route::Default,
        Route::Precall,
        Route::DynamicConfig,
        Route::Prompt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Route::Default => "default",
            Route::Precall => "precall",
            Route::DynamicConfig => "dynamic_config",
            Route::Prompt => "prompt",
        }
    }

    pub fn parse(s: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// The route a cause runs: its family's override when the plan has
    /// one with steps (`has_steps`), else `default`.
    pub fn run_by(cause: Cause, has_steps: impl Fn(Route) -> bool) -> Route {
        let family = Route::of(cause);
        if has_steps(family) {
            family
        } else {
            Route::Default
        }
    }

    /// The override route of a cause's family (SPEC §8).
    pub fn of(cause: Cause) -> Route {
        match cause {
            Cause::PrecallTimeout
            | Cause::PrecallError
            | Cause::PrecallInvalidData
            | Cause::PrecallExplicit => Route::Precall,
            Cause::ConfigMissingVoice
            | Cause::ConfigKbUnavailable
            | Cause::ConfigLanguageConflict
            | Cause::ConfigOther => Route::DynamicConfig,
            Cause::PromptRenderFailed => Route::Prompt,
        }
    }
}

/// Run a step only while a schedule is open (or closed).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Condition {
    pub schedule_id: String,
    pub state: OpenState,
}

impl Condition {
    /// `open:<id>` / `closed:<id>`, as the form's "Only when" holds it; empty: always.
    pub fn parse(raw: &str) -> Result<Option<Condition>, Code> {
        let raw = raw.trim();
        if raw.is_empty() || raw == "always" {
            return Ok(None);
        }
        let (state, id) = raw.split_once(':').ok_or(Code::InvalidChoice)?;
        let state = match state {
            "open" => OpenState::Open,
            "closed" => OpenState::Closed,
            _ => return Err(Code::InvalidChoice),
        };
        if id.is_empty()
            || id.len() > 64
            || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(Code::InvalidChoice);
        }
        Ok(Some(Condition {
            schedule_id: id.to_owned(),
            state,
        }))
    }

    pub fn form_value(c: Option<&Condition>) -> String {
        c.map(|c| format!("{}:{}", c.state.as_str(), c.schedule_id))
            .unwrap_or_default()
    }
}

/// One step: an action, and when it may run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub action: FailoverAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_when: Option<Condition>,
}

impl Step {
    /// A say-message step that always runs ends every walk that reaches it.
    fn always_ends(&self) -> bool {
        self.only_when.is_none() && self.action.action_type() == ActionType::SayMessage
    }
}

/// What runs when a call's preparation fails: the route of the failure's
/// family if the plan has one, else `default`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailoverPlan {
    pub default: Vec<Step>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precall: Option<Vec<Step>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic_config: Option<Vec<Step>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Vec<Step>>,
}

/// How a plan is stored: `{"routes": …}`; a v1 config stored its action
/// alone (no `routes`: read again as an action). Not an untagged enum,
/// which would buffer the whole document before trying each shape.
#[derive(Deserialize)]
struct Stored {
    routes: Option<FailoverPlan>,
}

#[derive(Serialize)]
struct StoredRef<'a> {
    routes: &'a FailoverPlan,
}

impl FailoverPlan {
    /// A v1 config: one step, always.
    pub fn single(action: FailoverAction) -> FailoverPlan {
        FailoverPlan {
            default: vec![Step {
                action,
                only_when: None,
            }],
            precall: None,
            dynamic_config: None,
            prompt: None,
        }
    }

    /// The stored JSON of a plan or of a v1 action.
    pub fn from_stored(json: &str) -> Result<FailoverPlan, serde_json::Error> {
        match serde_json::from_str::<Stored>(json)?.routes {
            Some(routes) => Ok(routes),
            None => serde_json::from_str(json).map(FailoverPlan::single),
        }
    }

    pub fn to_stored(&self) -> String {
        serde_json::to_string(&StoredRef { routes: self }).unwrap_or_default()
    }

    /// A route's steps; `None` for an override the plan doesn't have.
    pub fn route(&self, r: Route) -> Option<&[Step]> {
        match r {
            Route::Default => Some(&self.default),
            Route::Precall => self.precall.as_deref(),
            Route::DynamicConfig => self.dynamic_config.as_deref(),
            Route::Prompt => self.prompt.as_deref(),
        }
    }

    /// The routes the plan has, `default` first.
    pub fn routes(&self) -> impl Iterator<Item = (Route, &[Step])> {
        Route::ALL
            .into_iter()
            .filter_map(|r| self.route(r).map(|steps| (r, steps)))
    }

    /// The route a cause runs.
    pub fn route_for(&self, cause: Cause) -> (Route, &[Step]) {
        let route = Route::run_by(cause, |r| self.route(r).is_some_and(|s| !s.is_empty()));
        (route, self.route(route).unwrap_or(&self.default))
    }

    /// The v1 document's `action`: the first step of `default`.
    pub fn first_action(&self) -> Option<&FailoverAction> {
        self.default.first().map(|s| &s.action)
    }

    /// Whether this is a v1 config: one unconditional step.
    pub fn is_single(&self) -> bool {
        self.default.len() == 1
            && self.default[0].only_when.is_none()
            && self.precall.is_none()
            && self.dynamic_config.is_none()
            && self.prompt.is_none()
    }

    /// The plan as the history and the audit log compare revisions: with
    /// `whole` false a one-step plan is its action (fields `type`, `text`…,
    /// as before plans), else each route a list of steps, each its action's
    /// fields and `only_when` (`open:<schedule id>`): `default.1.phone_number`.
    pub fn compared(&self, whole: bool) -> serde_json::Value {
        if !whole && self.is_single() {
            return serde_json::to_value(&self.default[0].action).unwrap_or_default();
        }
        let mut routes = serde_json::Map::new();
        for (r, steps) in self.routes() {
            let steps = steps
                .iter()
                .map(|s| {
                    let mut v = serde_json::to_value(&s.action).unwrap_or_default();
                    if let (Some(o), Some(c)) = (v.as_object_mut(), &s.only_when) {
                        o.insert(
                            "only_when".to_owned(),
                            Condition::form_value(Some(c)).into(),
                        );
                    }
                    v
                })
                .collect();
            routes.insert(r.as_str().to_owned(), serde_json::Value::Array(steps));
        }
        serde_json::Value::Object(routes)
    }

    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.routes().flat_map(|(_, steps)| steps.iter())
    }

    /// The schedules the plan's conditions name.
    pub fn schedule_ids(&self) -> BTreeSet<&str> {
        self.steps()
            .filter_map(|s| s.only_when.as_ref().map(|c| c.schedule_id.as_str()))
            .collect()
    }

    /// The SIP connections the plan's transfers go through.
    pub fn sip_connection_ids(&self) -> BTreeSet<&str> {
        self.steps()
            .filter_map(|s| match &s.action {
                FailoverAction::Transfer {
                    target: TransferTarget::Sip(sip),
                    ..
                } => Some(sip.connection_id.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// What became of one step in a walk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Tried, in order (the call ends there if it succeeds).
    Runs,
    /// Its condition doesn't hold: `schedule_id` is not in the state it needs
    /// (`known`: false when the schedule no longer exists).
    Skipped {
        schedule_id: String,
        needs: OpenState,
        known: bool,
    },
    /// After a say-message step that ran: never reached.
    NotReached,
}

/// A walk of the route a cause runs, one verdict per step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Walk {
    pub route: Route,
    pub verdicts: Vec<Verdict>,
}

impl Walk {
    /// The indexes of the steps that run, in order.
    pub fn running(&self) -> impl Iterator<Item = usize> + '_ {
        self.verdicts
            .iter()
            .enumerate()
            .filter(|(_, v)| **v == Verdict::Runs)
            .map(|(i, _)| i)
    }
}

/// What a walk needs to know of a step: its condition, and whether it
/// ends the walk when it runs (a say-message step).
pub trait Walkable {
    fn only_when(&self) -> Option<&Condition>;
    fn ends_walk(&self) -> bool;
}

impl Walkable for Step {
    fn only_when(&self) -> Option<&Condition> {
        self.only_when.as_ref()
    }

    fn ends_walk(&self) -> bool {
        self.action.action_type() == ActionType::SayMessage
    }
}

/// Walks the route of `cause`: a step whose condition doesn't hold is
/// skipped (`state_of` gives a schedule's state at the moment, `None` for
/// an unknown schedule: skipped); a say-message step that runs ends it.
pub fn walk(
    plan: &FailoverPlan,
    cause: Cause,
    state_of: impl Fn(&str) -> Option<OpenState>,
) -> Walk {
    let (route, steps) = plan.route_for(cause);
    Walk {
        route,
        verdicts: walk_steps(steps, state_of),
    }
}

/// The verdicts of a route's steps, in order (see [`walk`]).
pub fn walk_steps<S: Walkable>(
    steps: &[S],
    state_of: impl Fn(&str) -> Option<OpenState>,
) -> Vec<Verdict> {
    let mut ended = false;
    steps
        .iter()
        .map(|step| {
            if ended {
                return Verdict::NotReached;
            }
            if let Some(c) = step.only_when() {
                let state = state_of(&c.schedule_id);
                if state != Some(c.state) {
                    return Verdict::Skipped {
                        schedule_id: c.schedule_id.clone(),
                        needs: c.state,
                        known: state.is_some(),
                    };
                }
            }
            ended = step.ends_walk();
            Verdict::Runs
        })
        .collect()
}

/// One step as the form holds it: every action field, and "Only when".
/// Its fields sit side by side (`plan[default][0][phone_number]`,
/// `…[0][only_when]`), the action's as the one-action form names them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StepForm", into = "StepForm")]
pub struct StepDraft {
    pub action: FailoverDraft,
    /// `open:<schedule id>`, `closed:<schedule id>`, or empty for always.
    pub only_when: String,
}

/// A step's fields as posted: one flat level (a form decoder reads nested
/// lists inside a flattened struct badly, so the step is spelled out).
#[derive(Clone, Default, Serialize, Deserialize)]
struct StepForm {
    #[serde(default)]
    action_type: String,
    #[serde(default)]
    webhook_url: String,
    #[serde(default)]
    timeout_seconds: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    max_ring_seconds: String,
    #[serde(default)]
    transfer_target: String,
    #[serde(default)]
    phone_number: String,
    #[serde(default)]
    sip_connection_id: String,
    #[serde(default)]
    sip_destination_id: String,
    #[serde(default)]
    sip_headers: Vec<super::failover::SipHeaderDraft>,
    #[serde(default)]
    sip_user_to_user: String,
    #[serde(default)]
    only_when: String,
}

impl StepDraft {
    /// A new step as the form offers it: the one-action form's defaults
    /// (a message in French, today's timeout and ring time), always.
    pub fn fresh() -> StepDraft {
        StepDraft {
            action: FailoverDraft::from_action(None),
            only_when: String::new(),
        }
    }
}

impl From<StepForm> for StepDraft {
    fn from(f: StepForm) -> StepDraft {
        StepDraft {
            action: FailoverDraft {
                action_type: f.action_type,
                webhook_url: f.webhook_url,
                timeout_seconds: f.timeout_seconds,
                text: f.text,
                language: f.language,
                max_ring_seconds: f.max_ring_seconds,
                transfer_target: f.transfer_target,
                phone_number: f.phone_number,
                sip_connection_id: f.sip_connection_id,
                sip_destination_id: f.sip_destination_id,
                sip_headers: f.sip_headers,
                sip_user_to_user: f.sip_user_to_user,
            },
            only_when: f.only_when,
        }
    }
}

impl From<StepDraft> for StepForm {
    fn from(s: StepDraft) -> StepForm {
        let a = s.action;
        StepForm {
            action_type: a.action_type,
            webhook_url: a.webhook_url,
            timeout_seconds: a.timeout_seconds,
            text: a.text,
            language: a.language,
            max_ring_seconds: a.max_ring_seconds,
            transfer_target: a.transfer_target,
            phone_number: a.phone_number,
            sip_connection_id: a.sip_connection_id,
            sip_destination_id: a.sip_destination_id,
            sip_headers: a.sip_headers,
            sip_user_to_user: a.sip_user_to_user,
            only_when: s.only_when,
        }
    }
}

/// A change to the plan form's shape, asked by one of a step's buttons
/// (`add:precall`, `remove:default:1`, `up:default:2`, `down:prompt:0`):
/// the browser applies it at once, a form without JavaScript posts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanEdit {
    Add(Route),
    Remove(Route, usize),
    Up(Route, usize),
    Down(Route, usize),
}

impl PlanEdit {
    pub fn parse(raw: &str) -> Option<PlanEdit> {
        let mut parts = raw.trim().split(':');
        let verb = parts.next()?;
        let route = Route::parse(parts.next()?)?;
        let index = parts.next().map(str::parse::<usize>);
        let edit = match (verb, index) {
            ("add", None) => PlanEdit::Add(route),
            ("remove", Some(Ok(i))) => PlanEdit::Remove(route, i),
            ("up", Some(Ok(i))) => PlanEdit::Up(route, i),
            ("down", Some(Ok(i))) => PlanEdit::Down(route, i),
            _ => return None,
        };
        parts.next().is_none().then_some(edit)
    }

    pub fn form_value(self) -> String {
        match self {
            PlanEdit::Add(r) => format!("add:{}", r.as_str()),
            PlanEdit::Remove(r, i) => format!("remove:{}:{i}", r.as_str()),
            PlanEdit::Up(r, i) => format!("up:{}:{i}", r.as_str()),
            PlanEdit::Down(r, i) => format!("down:{}:{i}", r.as_str()),
        }
    }

    /// Whether the edit can be made on `len` steps (a route holds 1–5;
    /// an override may lose its last step: it then uses "Any failure").
    pub fn allowed(self, route_len: usize) -> bool {
        match self {
            PlanEdit::Add(_) => route_len < STEPS_MAX,
            PlanEdit::Remove(r, i) => i < route_len && (r != Route::Default || route_len > 1),
            PlanEdit::Up(_, i) => i > 0 && i < route_len,
            PlanEdit::Down(_, i) => i + 1 < route_len,
        }
    }
}

/// The plan form as typed; an override with no steps is no override. Field
/// errors are named `<route>.<step index>.<field>` (`precall.1.phone_number`),
/// `<route>.<step index>` for the step itself, and `<route>` for the route.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDraft {
    #[serde(default)]
    pub default: Vec<StepDraft>,
    #[serde(default)]
    pub precall: Vec<StepDraft>,
    #[serde(default)]
    pub dynamic_config: Vec<StepDraft>,
    #[serde(default)]
    pub prompt: Vec<StepDraft>,
}

impl PlanDraft {
    pub fn route(&self, r: Route) -> &[StepDraft] {
        match r {
            Route::Default => &self.default,
            Route::Precall => &self.precall,
            Route::DynamicConfig => &self.dynamic_config,
            Route::Prompt => &self.prompt,
        }
    }

    pub fn route_mut(&mut self, r: Route) -> &mut Vec<StepDraft> {
        match r {
            Route::Default => &mut self.default,
            Route::Precall => &mut self.precall,
            Route::DynamicConfig => &mut self.dynamic_config,
            Route::Prompt => &mut self.prompt,
        }
    }

    /// Makes `edit`, if it can be made (else nothing changes). Returns
    /// whether it was made.
    pub fn apply(&mut self, edit: PlanEdit) -> bool {
        let route = match edit {
            PlanEdit::Add(r)
            | PlanEdit::Remove(r, _)
            | PlanEdit::Up(r, _)
            | PlanEdit::Down(r, _) => r,
        };
        let steps = self.route_mut(route);
        if !edit.allowed(steps.len()) {
            return false;
        }
        match edit {
            PlanEdit::Add(_) => steps.push(StepDraft::fresh()),
            PlanEdit::Remove(_, i) => {
                steps.remove(i);
            }
            PlanEdit::Up(_, i) => steps.swap(i - 1, i),
            PlanEdit::Down(_, i) => steps.swap(i, i + 1),
        }
        true
    }

    /// The fields that differ, step by step: `(<route>.<index>.<field>,
    /// this, other)`; a step only one of them has differs in every field
    /// it fills.
    pub fn differences(&self, other: &PlanDraft) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        let empty = StepDraft::default();
        for r in Route::ALL {
            let (mine, theirs) = (self.route(r), other.route(r));
            for i in 0..mine.len().max(theirs.len()) {
                let a = mine.get(i).unwrap_or(&empty);
                let b = theirs.get(i).unwrap_or(&empty);
                let prefix = format!("{}.{i}.", r.as_str());
                for (field, x, y) in a.action.differences(&b.action) {
                    out.push((format!("{prefix}{field}"), x, y));
                }
                if a.only_when.trim() != b.only_when.trim() {
                    out.push((
                        format!("{prefix}only_when"),
                        a.only_when.clone(),
                        b.only_when.clone(),
                    ));
                }
            }
        }
        out
    }

    /// The form of a saved plan (or of none: one empty default step).
    pub fn from_plan(plan: Option<&FailoverPlan>) -> PlanDraft {
        let Some(plan) = plan else {
            return PlanDraft {
                default: vec![StepDraft::fresh()],
                ..PlanDraft::default()
            };
        };
        let mut d = PlanDraft::default();
        for (r, steps) in plan.routes() {
            *d.route_mut(r) = steps
                .iter()
                .map(|s| StepDraft {
                    action: FailoverDraft::from_action(Some(&s.action)),
                    only_when: Condition::form_value(s.only_when.as_ref()),
                })
                .collect();
        }
        d
    }

    /// The plan, or every field's error: each step by today's rules of its
    /// action, its condition on one of `schedules`, 1–5 steps a route, and
    /// no step after an unconditional say-message step.
    pub fn parse(
        &self,
        allow: &WebhookAllowList,
        schedules: impl Fn(&str) -> bool,
    ) -> Result<FailoverPlan, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut routes: Vec<Option<Vec<Step>>> = Vec::new();
        for r in Route::ALL {
            let drafts = self.route(r);
            let name = r.as_str();
            if drafts.is_empty() {
                if r == Route::Default {
                    e.push(name, Code::Required);
                }
                routes.push(None);
                continue;
            }
            if drafts.len() > STEPS_MAX {
                e.push(name, Code::TooManySteps);
            }
            let mut steps = Vec::new();
            let mut ended_at = None;
            for (i, d) in drafts.iter().enumerate() {
                let prefix = format!("{name}.{i}.");
                let action = d
                    .action
                    .parse(allow)
                    .map_err(|fe| e.absorb(&prefix, fe))
                    .ok();
                let only_when = match Condition::parse(&d.only_when) {
                    Ok(Some(c)) if !schedules(&c.schedule_id) => {
                        e.push(&format!("{prefix}only_when"), Code::UnknownSchedule);
                        None
                    }
                    Ok(c) => Some(c),
                    Err(code) => {
                        e.push(&format!("{prefix}only_when"), code);
                        None
                    }
                };
                if ended_at.is_some() {
                    e.push(&format!("{name}.{i}"), Code::UnreachableStep);
                }
                if let (Some(action), Some(only_when)) = (action, only_when) {
                    let step = Step { action, only_when };
                    if step.always_ends() && ended_at.is_none() {
                        ended_at = Some(i);
                    }
                    steps.push(step);
                }
            }
            routes.push(Some(steps));
        }
        e.into_result()?;
        let mut routes = routes.into_iter();
        let mut next = || routes.next().flatten();
        Ok(FailoverPlan {
            default: next().unwrap_or_default(),
            precall: next(),
            dynamic_config: next(),
            prompt: next(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(text: &str) -> StepDraft {
        StepDraft {
            action: FailoverDraft {
                action_type: "say_message".into(),
                text: text.into(),
                language: "fr-FR".into(),
                ..FailoverDraft::default()
            },
            only_when: String::new(),
        }
    }

    fn call(number: &str, only_when: &str) -> StepDraft {
        StepDraft {
            action: FailoverDraft {
                action_type: "transfer".into(),
                transfer_target: "phone".into(),
                phone_number: number.into(),
                max_ring_seconds: "20".into(),
                ..FailoverDraft::default()
            },
            only_when: only_when.into(),
        }
    }

    fn plan(d: &PlanDraft) -> FailoverPlan {
        d.parse(&WebhookAllowList::default(), |id| id == "hours")
            .unwrap()
    }

    #[test]
    fn a_v1_action_is_a_one_step_plan() {
        let v1 = r#"{"type":"say_message","text":"Bonjour","language":"fr-FR"}"#;
        let p = FailoverPlan::from_stored(v1).unwrap();
        assert!(p.is_single());
        assert_eq!(
            p.first_action().unwrap().action_type(),
            ActionType::SayMessage
        );
        let again = FailoverPlan::from_stored(&p.to_stored()).unwrap();
        assert_eq!(again, p);
        assert!(p.to_stored().starts_with(r#"{"routes":"#));
    }

    #[test]
    fn a_plan_round_trips_through_its_form() {
        let d = PlanDraft {
            default: vec![
                call("+33123456789", "open:hours"),
                call("+33612345678", ""),
                say("Rappelez-nous."),
            ],
            precall: vec![say("Désolé.")],
            ..PlanDraft::default()
        };
        let p = plan(&d);
        assert_eq!(p.default.len(), 3);
        assert_eq!(p.schedule_ids().into_iter().collect::<Vec<_>>(), ["hours"]);
        let back = PlanDraft::from_plan(Some(&p));
        assert_eq!(plan(&back), p);
        assert_eq!(back.default[0].only_when, "open:hours");
        assert!(back.dynamic_config.is_empty());
    }

    #[test]
    fn errors_name_the_route_the_step_and_the_field() {
        let d = PlanDraft {
            default: vec![say("Fermé."), call("+33123456789", "")],
            precall: vec![call("12", "open:nope"), say("")],
            prompt: (0..6).map(|_| call("+33123456789", "")).collect(),
            ..PlanDraft::default()
        };
        let e = d
            .parse(&WebhookAllowList::default(), |id| id == "hours")
            .unwrap_err();
        assert_eq!(e.get("default.1"), Some(Code::UnreachableStep));
        assert_eq!(e.get("precall.0.only_when"), Some(Code::UnknownSchedule));
        assert!(e.get("precall.0.phone_number").is_some());
        assert_eq!(e.get("precall.1.text"), Some(Code::Required));
        assert_eq!(e.get("prompt"), Some(Code::TooManySteps));
        let empty = PlanDraft::default()
            .parse(&WebhookAllowList::default(), |_| true)
            .unwrap_err();
        assert_eq!(empty.get("default"), Some(Code::Required));
        // A conditional say-message step lets the next one run.
        let ok = PlanDraft {
            default: vec![
                StepDraft {
                    only_when: "closed:hours".into(),
                    ..say("Fermé.")
                },
                call("+33123456789", ""),
            ],
            ..PlanDraft::default()
        };
        assert!(
            ok.parse(&WebhookAllowList::default(), |id| id == "hours")
                .is_ok()
        );
    }

    #[test]
    fn a_walk_skips_what_does_not_hold_and_ends_at_a_message() {
        let p = plan(&PlanDraft {
            default: vec![
                call("+33123456789", "open:hours"),
                StepDraft {
                    only_when: "closed:hours".into(),
                    ..say("Fermé.")
                },
                call("+33612345678", ""),
                say("Rappelez-nous."),
            ],
            prompt: vec![say("Prompt.")],
            ..PlanDraft::default()
        });
        let open = walk(&p, Cause::PrecallTimeout, |_| Some(OpenState::Open));
        assert_eq!(open.route, Route::Default);
        assert_eq!(open.running().collect::<Vec<_>>(), [0, 2, 3]);
        let closed = walk(&p, Cause::PrecallTimeout, |_| Some(OpenState::Closed));
        assert_eq!(closed.running().collect::<Vec<_>>(), [1]);
        assert_eq!(closed.verdicts[2], Verdict::NotReached);
        assert!(matches!(
            &closed.verdicts[0],
            Verdict::Skipped {
                needs: OpenState::Open,
                known: true,
                ..
            }
        ));
        let gone = walk(&p, Cause::ConfigOther, |_| None);
        assert_eq!(gone.running().collect::<Vec<_>>(), [2, 3]);
        assert_eq!(
            walk(&p, Cause::PromptRenderFailed, |_| None).route,
            Route::Prompt
        );
    }
}
