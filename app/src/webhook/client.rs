//! The webhook client: calling a customer's failover webhook safely (server only): every resolved
//! address must be public (fail closed), no redirects are followed, the
//! answer is capped at 64 KiB and the call at the configured timeout. Only
//! exact `host:port` entries of the allow-list may reach local endpoints.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::{Verdict, WebhookCall};
use crate::domain::failover::{FailoverAction, FailoverDraft, WebhookAllowList};
use crate::domain::net::is_public_ip;

/// The most of an answer that is read.
pub const ANSWER_CAP_BYTES: usize = 64 * 1024;

/// Resolves names and refuses any that leads to a non-public address, unless
/// the host is on the allow-list.
struct GuardedResolver {
    allow: Arc<WebhookAllowList>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let allowed = allow.0.iter().any(|e| {
                e.rsplit_once(':').is_some_and(|(h, _)| {
                    h.trim_end_matches('.')
                        .eq_ignore_ascii_case(host.trim_end_matches('.'))
                })
            });
            // A name that doesn't resolve gets the same answer as one that
            // resolves to a private address: the Test button must not tell
            // which internal names exist.
            let forbidden =
                || Box::new(ForbiddenAddress) as Box<dyn std::error::Error + Send + Sync>;
            let addrs: Vec<SocketAddr> = match tokio::net::lookup_host((host.as_str(), 0)).await {
                Ok(found) => found.collect(),
                Err(_) => return Err(forbidden()),
            };
            if addrs.is_empty() || (!allowed && addrs.iter().any(|a| !is_public_ip(a.ip()))) {
                return Err(forbidden());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[derive(Debug)]
struct ForbiddenAddress;

impl std::fmt::Display for ForbiddenAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the webhook's host does not resolve to a public address")
    }
}

impl std::error::Error for ForbiddenAddress {}

/// The process's one HTTP client for webhooks.
#[derive(Clone, Debug)]
pub struct WebhookClient {
    client: reqwest::Client,
}

impl WebhookClient {
    pub fn new(allow: Arc<WebhookAllowList>) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver { allow }))
            .connect_timeout(Duration::from_secs(10))
            .user_agent("Relais-Failover/1")
            .build()
            .expect("webhook HTTP client");
        Self { client }
    }

    /// POSTs `payload` to `url` (already checked by the save rules) and judges the answer.
    pub async fn call(
        &self,
        url: &str,
        timeout: Duration,
        payload: &serde_json::Value,
        allow: &WebhookAllowList,
    ) -> WebhookCall {
        let started = Instant::now();
        let failed = |code: &str, status: Option<u16>| WebhookCall {
            status,
            body: String::new(),
            duration_ms: started.elapsed().as_millis() as u64,
            failure: Some(code.to_owned()),
            verdict: Verdict::Invalid(code.to_owned()),
        };
        let sent = tokio::time::timeout(
            timeout,
            self.client.post(url).json(payload).timeout(timeout).send(),
        )
        .await;
        let mut res = match sent {
            Err(_) => return failed("timeout", None),
            Ok(Err(e)) if e.is_timeout() => return failed("timeout", None),
            Ok(Err(e)) => {
                let forbidden =
                    std::iter::successors(Some(&e as &dyn std::error::Error), |e| e.source()).any(
                        |e| {
                            e.is::<ForbiddenAddress>()
                                || e.to_string()
                                    .contains("does not resolve to a public address")
                        },
                    );
                return failed(
                    if forbidden {
                        "forbidden_address"
                    } else {
                        "connect_failed"
                    },
                    None,
                );
            }
            Ok(Ok(res)) => res,
        };
        let status = res.status().as_u16();
        if res.status().is_redirection() {
            return failed("redirect_refused", Some(status));
        }
        let mut body: Vec<u8> = Vec::new();
        loop {
            let remaining = timeout.saturating_sub(started.elapsed());
            match tokio::time::timeout(remaining, res.chunk()).await {
                Err(_) => return failed("timeout", Some(status)),
                Ok(Err(_)) => return failed("connect_failed", Some(status)),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => {
                    if body.len() + chunk.len() > ANSWER_CAP_BYTES {
                        return failed("answer_too_large", Some(status));
                    }
                    body.extend_from_slice(&chunk);
                }
            }
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        let verdict = if (200..300).contains(&status) {
            judge(&text, allow)
        } else {
            Verdict::Invalid("http_status".to_owned())
        };
        WebhookCall {
            status: Some(status),
            body: text,
            duration_ms: started.elapsed().as_millis() as u64,
            failure: None,
            verdict,
        }
    }
}

/// Judges a webhook answer by the contract of SPEC §3.
pub fn judge(body: &str, allow: &WebhookAllowList) -> Verdict {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
        return Verdict::Invalid("not_json".to_owned());
    };
    let Some(object) = value.as_object() else {
        return Verdict::Invalid("not_an_object".to_owned());
    };
    match object.get("action") {
        None if object.is_empty() => Verdict::HangUp,
        None => Verdict::Invalid("unexpected_fields".to_owned()),
        Some(serde_json::Value::Null) => Verdict::HangUp,
        Some(action) => match serde_json::from_value::<FailoverAction>(action.clone()) {
            Ok(FailoverAction::Workflow { .. }) => {
                Verdict::Invalid("workflow_not_allowed".to_owned())
            }
            Ok(a) => match FailoverDraft::from_action(Some(&a)).parse(allow) {
                Ok(valid) => Verdict::Action(valid),
                Err(e) => Verdict::Invalid(format!("invalid_action: {e}")),
            },
            Err(_) => Verdict::Invalid("invalid_action".to_owned()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_judged_by_the_contract() {
        let allow = WebhookAllowList::default();
        assert_eq!(judge("{}", &allow), Verdict::HangUp);
        assert_eq!(judge(r#"{"action": null}"#, &allow), Verdict::HangUp);
        assert!(matches!(
            judge(
                r#"{"action": {"type": "say_message", "text": "Bonjour", "language": "fr-FR"}}"#,
                &allow
            ),
            Verdict::Action(FailoverAction::SayMessage { .. })
        ));
        assert!(matches!(
            judge(
                r#"{"action": {"type": "transfer", "max_ring_seconds": 20, "phone_number": "+33123456789"}}"#,
                &allow
            ),
            Verdict::Action(FailoverAction::Transfer { .. })
        ));
        assert!(matches!(
            judge(
                r#"{"action": {"type": "transfer", "max_ring_seconds": 99, "phone_number": "+33123456789"}}"#,
                &allow
            ),
            Verdict::Invalid(_)
        ));
        assert!(matches!(
            judge(
                r#"{"action": {"type": "workflow", "webhook_url": "https://x.example", "timeout_seconds": 5}}"#,
                &allow
            ),
            Verdict::Invalid(_)
        ));
        assert!(matches!(judge("[]", &allow), Verdict::Invalid(_)));
        assert!(matches!(judge("not json", &allow), Verdict::Invalid(_)));
        assert!(matches!(
            judge(r#"{"hello": 1}"#, &allow),
            Verdict::Invalid(_)
        ));
    }
}
