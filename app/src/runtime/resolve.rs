//! The resolve call (SPEC §8): for a cause and a moment, the steps of an
//! agent's plan that run, in order, with the conditions evaluated, then the
//! default error message, and until when that answer holds. Built once per
//! document into the snapshot; answered from memory with the domain's
//! `walk` (the editor's Simulate asks the same function).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use super::doc::{DefaultErrorMessage, DisabledReason, FailoverDocument, RuntimeAction, rfc3339};
use crate::domain::Cause;
use crate::domain::plan::{FailoverPlan, Route, walk};
use crate::domain::schedule::{Schedule, ZonedSchedule};

/// What an agent's document needs to answer resolve calls.
#[derive(Debug)]
pub struct Resolver {
    enabled: bool,
    reason: Option<DisabledReason>,
    plan: Option<FailoverPlan>,
    /// The runtime form of each step's action, by route and index.
    actions: HashMap<(Route, usize), RuntimeAction>,
    schedules: BTreeMap<String, ZonedSchedule>,
    then: DefaultErrorMessage,
    revision: i64,
    /// Emergency mode's action and end (epoch ms), while it is on.
    emergency: Option<(RuntimeAction, i64)>,
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
    pub kind: String,
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
    ) -> Resolver {
        let plan = plan.filter(|_| doc.enabled).cloned();
        let mut actions = HashMap::new();
        if let Some(routes) = &doc.routes {
            let all = [
                (Route::Default, Some(&routes.default)),
                (Route::Precall, routes.precall.as_ref()),
                (Route::DynamicConfig, routes.dynamic_config.as_ref()),
                (Route::Prompt, routes.prompt.as_ref()),
            ];
            for (route, steps) in all {
                for (i, s) in steps.into_iter().flatten().enumerate() {
                    actions.insert((route, i), s.action.clone());
                }
            }
        }
        Resolver {
            enabled: doc.enabled,
            reason: doc.reason,
            plan,
            actions,
            schedules: schedules
                .iter()
                .filter_map(|(id, s)| Some((id.clone(), ZonedSchedule::new(s.clone())?)))
                .collect(),
            then: doc.default_error_message.clone(),
            revision: doc.revision,
            emergency: doc
                .emergency
                .as_ref()
                .zip(emergency_ends_at)
                .map(|(e, end)| (e.action.clone(), end)),
        }
    }

    /// The steps that run for `cause` at `at_ms`.
    pub fn resolve(&self, agent_id: &str, cause: Cause, at_ms: i64) -> Resolution {
        let then = Then {
            kind: "default_error_message".to_owned(),
            text: self.then.text.clone(),
            language: self.then.language.clone(),
        };
        // Emergency mode, until its end: its action for every call.
        if let Some((action, ends_at)) = self.emergency.as_ref().filter(|(_, end)| at_ms < *end) {
            return Resolution {
                agent_id: agent_id.to_owned(),
                enabled: self.enabled,
                reason: self.reason,
                emergency: true,
                route: None,
                steps: vec![action.clone()],
                then,
                valid_until: Some(rfc3339(*ends_at)),
                revision: self.revision,
            };
        }
        let Some(plan) = self.plan.as_ref().filter(|_| self.enabled) else {
            return Resolution {
                agent_id: agent_id.to_owned(),
                enabled: false,
                reason: self.reason,
                emergency: false,
                route: None,
                steps: Vec::new(),
                then,
                valid_until: None,
                revision: self.revision,
            };
        };
        let state = |id: &str| self.schedules.get(id).map(|z| z.state_at(at_ms));
        let w = walk(plan, cause, state);
        let steps = w
            .running()
            .filter_map(|i| self.actions.get(&(w.route, i)).cloned())
            .collect();
        // The answer holds until a schedule this route looks at changes.
        let (_, route_steps) = plan.route_for(cause);
        let valid_until = route_steps
            .iter()
            .filter_map(|s| s.only_when.as_ref())
            .filter_map(|c| self.schedules.get(&c.schedule_id))
            .filter_map(|z| z.next_change(at_ms))
            .min()
            .map(rfc3339);
        Resolution {
            agent_id: agent_id.to_owned(),
            enabled: true,
            reason: None,
            emergency: false,
            route: Some(w.route.into()),
            steps,
            then,
            valid_until,
            revision: self.revision,
        }
    }
}
