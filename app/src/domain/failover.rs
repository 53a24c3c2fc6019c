//! The failover action of an inbound agent and every rule of SPEC §3, written
//! once: the editor runs them in the browser before sending, the server runs
//! them again and is the authority.

use super::Code;
use serde::{Deserialize, Serialize};

use super::{FieldErrors, Language};

pub const WEBHOOK_URL_MAX: usize = 2048;
pub const TIMEOUT_SECONDS: (u32, u32) = (1, 30);
pub const DEFAULT_TIMEOUT_SECONDS: u32 = 10;
pub const SAY_TEXT_MAX_CHARS: usize = 1000;
pub const RING_SECONDS: (u32, u32) = (5, 45);
pub const DEFAULT_RING_SECONDS: u32 = 20;
pub const DESTINATION_ID_MAX_CHARS: usize = 128;
pub const MAX_SIP_HEADERS: usize = 10;
pub const SIP_HEADERS_MAX_BYTES: usize = 1024;
pub const USER_TO_USER_MAX_HEX: usize = 256;

/// What runs when a call's preparation fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "ActionFields")]
pub enum FailoverAction {
    /// POST the pre-call context to the customer's webhook, which may answer
    /// with a say-message or transfer action.
    Workflow {
        webhook_url: String,
        timeout_seconds: u32,
    },
    /// Say a sentence, then hang up.
    SayMessage { text: String, language: String },
    /// Transfer the call to a number or through a SIP connection.
    Transfer {
        max_ring_seconds: u32,
        #[serde(flatten)]
        target: TransferTarget,
    },
}

/// Every field an action may have, side by side as its JSON holds them,
/// read in one pass and then checked for the fields its type needs. (What
/// the derive would do for the tagged enum and its flattened target buffers
/// every field of the object first, twice for a transfer: a first load
/// reads 100,000 stored plans.) The errors are serde's own words.
#[derive(Deserialize)]
struct ActionFields {
    #[serde(rename = "type")]
    kind: ActionType,
    webhook_url: Option<String>,
    timeout_seconds: Option<u32>,
    text: Option<String>,
    language: Option<String>,
    max_ring_seconds: Option<u32>,
    phone_number: Option<String>,
    sip: Option<SipTransfer>,
}

impl TryFrom<ActionFields> for FailoverAction {
    type Error = String;

    fn try_from(f: ActionFields) -> Result<FailoverAction, String> {
        fn need<T>(v: Option<T>, name: &str) -> Result<T, String> {
            v.ok_or_else(|| format!("missing field `{name}`"))
        }
        Ok(match f.kind {
            ActionType::Workflow => FailoverAction::Workflow {
                webhook_url: need(f.webhook_url, "webhook_url")?,
                timeout_seconds: need(f.timeout_seconds, "timeout_seconds")?,
            },
            ActionType::SayMessage => FailoverAction::SayMessage {
                text: need(f.text, "text")?,
                language: need(f.language, "language")?,
            },
            ActionType::Transfer => FailoverAction::Transfer {
                max_ring_seconds: need(f.max_ring_seconds, "max_ring_seconds")?,
                target: match (f.phone_number, f.sip) {
                    (Some(number), None) => TransferTarget::PhoneNumber(number),
                    (None, Some(sip)) => TransferTarget::Sip(sip),
                    _ => {
                        return Err("a transfer has exactly one of `phone_number` and `sip`".into());
                    }
                },
            },
        })
    }
}

/// Where a transfer goes: exactly one of a phone number or a SIP destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferTarget {
    PhoneNumber(String),
    Sip(SipTransfer),
}

/// A transfer through one of the account's SIP connections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SipTransfer {
    pub connection_id: String,
    pub destination_id: String,
    pub headers: Vec<SipHeader>,
    /// Hex, sent with `;encoding=hex`.
    pub user_to_user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SipHeader {
    pub name: String,
    pub value: String,
}

/// The three action types, as the form's "Action type" offers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionType {
    Workflow,
    SayMessage,
    Transfer,
}

impl ActionType {
    pub const ALL: [ActionType; 3] = [
        ActionType::Workflow,
        ActionType::SayMessage,
        ActionType::Transfer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionType::Workflow => "workflow",
            ActionType::SayMessage => "say_message",
            ActionType::Transfer => "transfer",
        }
    }

    pub fn parse(s: &str) -> Option<ActionType> {
        ActionType::ALL.into_iter().find(|t| t.as_str() == s.trim())
    }
}

impl FailoverAction {
    pub fn action_type(&self) -> ActionType {
        match self {
            FailoverAction::Workflow { .. } => ActionType::Workflow,
            FailoverAction::SayMessage { .. } => ActionType::SayMessage,
            FailoverAction::Transfer { .. } => ActionType::Transfer,
        }
    }
}

/// Everything the editor form holds, as typed: the fields of every type are
/// kept, so switching the type loses nothing. Field names are the form's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailoverDraft {
    #[serde(default)]
    pub action_type: String,
    #[serde(default)]
    pub webhook_url: String,
    #[serde(default)]
    pub timeout_seconds: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub max_ring_seconds: String,
    /// `phone` or `sip`; empty: `sip` when a connection is chosen.
    #[serde(default)]
    pub transfer_target: String,
    #[serde(default)]
    pub phone_number: String,
    #[serde(default)]
    pub sip_connection_id: String,
    #[serde(default)]
    pub sip_destination_id: String,
    #[serde(default)]
    pub sip_headers: Vec<SipHeaderDraft>,
    #[serde(default)]
    pub sip_user_to_user: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SipHeaderDraft {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: String,
}

/// Local webhook endpoints let through for development and tests: exact
/// `host:port` entries (a setting of the server; the browser only learns,
/// by asking, whether the URL typed is allowed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookAllowList(pub Vec<String>);

/// The allow-list entry (`host:port`) a webhook URL would need, if it is a URL.
pub fn webhook_allow_entry(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw.trim()).ok()?;
    let host = match url.host()? {
        url::Host::Domain(d) => d.trim_end_matches('.').to_ascii_lowercase(),
        url::Host::Ipv4(ip) => ip.to_string(),
        url::Host::Ipv6(ip) => format!("[{ip}]"),
    };
    Some(format!("{host}:{}", url.port_or_known_default()?))
}

impl WebhookAllowList {
    pub fn allows(&self, host: &str, port: u16) -> bool {
        let wanted = format!("{}:{port}", host.trim_end_matches('.').to_ascii_lowercase());
        self.0
            .iter()
            .any(|e| e.trim().eq_ignore_ascii_case(&wanted))
    }
}

impl FailoverDraft {
    /// Where `self` and `other` differ, in the fields that count for the
    /// type of either (what a person compares): the field by its history
    /// name (`type`, `sip.connection_id`…), `self`'s value, `other`'s.
    pub fn differences(&self, other: &FailoverDraft) -> Vec<(&'static str, String, String)> {
        fn headers(d: &FailoverDraft) -> String {
            d.sip_headers
                .iter()
                .filter(|h| !h.name.trim().is_empty() || !h.value.trim().is_empty())
                .map(|h| format!("{}: {}", h.name.trim(), h.value.trim()))
                .collect::<Vec<_>>()
                .join("\n")
        }
        let fields = |d: &FailoverDraft| -> Vec<(&'static str, String)> {
            vec![
                ("type", d.action_type.clone()),
                ("webhook_url", d.webhook_url.clone()),
                ("timeout_seconds", d.timeout_seconds.clone()),
                ("text", d.text.clone()),
                ("language", d.language.clone()),
                ("max_ring_seconds", d.max_ring_seconds.clone()),
                ("phone_number", d.phone_number.clone()),
                ("sip.connection_id", d.sip_connection_id.clone()),
                ("sip.destination_id", d.sip_destination_id.clone()),
                ("sip.headers", headers(d)),
                ("sip.user_to_user", d.sip_user_to_user.clone()),
            ]
        };
        let counts = |field: &str, kind: &str| match field {
            "type" => true,
            "webhook_url" | "timeout_seconds" => kind == "workflow",
            "text" | "language" => kind == "say_message",
            _ => kind == "transfer",
        };
        fields(self)
            .into_iter()
            .zip(fields(other))
            .filter(|((field, _), _)| {
                counts(field, &self.action_type) || counts(field, &other.action_type)
            })
            .filter(|((_, a), (_, b))| a.trim() != b.trim())
            .map(|((field, a), (_, b))| (field, a, b))
            .collect()
    }

    /// A draft showing a saved action (and defaults for the other types).
    pub fn from_action(action: Option<&FailoverAction>) -> Self {
        let mut d = FailoverDraft {
            action_type: action
                .map_or(ActionType::SayMessage, FailoverAction::action_type)
                .as_str()
                .to_owned(),
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS.to_string(),
            max_ring_seconds: DEFAULT_RING_SECONDS.to_string(),
            language: "fr-FR".to_owned(),
            ..Default::default()
        };
        match action {
            Some(FailoverAction::Workflow {
                webhook_url,
                timeout_seconds,
            }) => {
                d.webhook_url = webhook_url.clone();
                d.timeout_seconds = timeout_seconds.to_string();
            }
            Some(FailoverAction::SayMessage { text, language }) => {
                d.text = text.clone();
                d.language = language.clone();
            }
            Some(FailoverAction::Transfer {
                max_ring_seconds,
                target,
            }) => {
                d.max_ring_seconds = max_ring_seconds.to_string();
                match target {
                    TransferTarget::PhoneNumber(p) => d.phone_number = p.clone(),
                    TransferTarget::Sip(s) => {
                        d.sip_connection_id = s.connection_id.clone();
                        d.sip_destination_id = s.destination_id.clone();
                        d.sip_headers = s
                            .headers
                            .iter()
                            .map(|h| SipHeaderDraft {
                                name: h.name.clone(),
                                value: h.value.clone(),
                            })
                            .collect();
                        d.sip_user_to_user = s.user_to_user.clone().unwrap_or_default();
                    }
                }
            }
            None => {}
        }
        d
    }

    /// Applies every rule to the fields of the chosen type; the errors name
    /// the form's fields.
    pub fn parse(&self, allow: &WebhookAllowList) -> Result<FailoverAction, FieldErrors> {
        let mut e = FieldErrors::new();
        let Some(kind) = ActionType::parse(&self.action_type) else {
            return Err(FieldErrors::single("action_type", Code::InvalidChoice));
        };
        let action = match kind {
            ActionType::Workflow => {
                let url = e.take("webhook_url", parse_webhook_url(&self.webhook_url, allow));
                let timeout = e.take(
                    "timeout_seconds",
                    parse_seconds(&self.timeout_seconds, TIMEOUT_SECONDS),
                );
                url.zip(timeout)
                    .map(|(webhook_url, timeout_seconds)| FailoverAction::Workflow {
                        webhook_url,
                        timeout_seconds,
                    })
            }
            ActionType::SayMessage => {
                let text = e.take("text", parse_say_text(&self.text));
                let language = e.take("language", Language::parse(&self.language));
                text.zip(language)
                    .map(|(text, language)| FailoverAction::SayMessage {
                        text,
                        language: language.as_str().to_owned(),
                    })
            }
            ActionType::Transfer => {
                let ring = e.take(
                    "max_ring_seconds",
                    parse_seconds(&self.max_ring_seconds, RING_SECONDS),
                );
                // The form's "SIP connection" select decides: none chosen means
                // the phone number (as in the platform's own form).
                let chosen = match self.transfer_target.trim() {
                    "" if self.sip_connection_id.trim().is_empty() => "phone",
                    "" => "sip",
                    other => other,
                };
                let target = match chosen {
                    "phone" => e
                        .take("phone_number", parse_phone_number(&self.phone_number))
                        .map(TransferTarget::PhoneNumber),
                    "sip" => self.parse_sip(&mut e).map(TransferTarget::Sip),
                    _ => {
                        e.push("transfer_target", Code::InvalidChoice);
                        None
                    }
                };
                ring.zip(target)
                    .map(|(max_ring_seconds, target)| FailoverAction::Transfer {
                        max_ring_seconds,
                        target,
                    })
            }
        };
        match action {
            Some(a) if e.is_empty() => Ok(a),
            _ => Err(e),
        }
    }

    fn parse_sip(&self, e: &mut FieldErrors) -> Option<SipTransfer> {
        let connection_id = self.sip_connection_id.trim();
        if connection_id.is_empty() {
            e.push("sip_connection_id", Code::Required);
        }
        let destination_id = e.take(
            "sip_destination_id",
            parse_destination_id(&self.sip_destination_id),
        );
        let headers = parse_sip_headers(&self.sip_headers, e);
        let uui = e.take(
            "sip_user_to_user",
            parse_user_to_user(&self.sip_user_to_user),
        );
        if connection_id.is_empty() {
            return None;
        }
        Some(SipTransfer {
            connection_id: connection_id.to_owned(),
            destination_id: destination_id?,
            headers: headers?,
            user_to_user: uui?,
        })
    }
}

/// A whole number of seconds within `(min, max)`.
pub fn parse_seconds(raw: &str, (min, max): (u32, u32)) -> Result<u32, Code> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Code::Required);
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 6 {
        return Err(Code::NotAWholeNumber);
    }
    let n: u32 = s.parse().map_err(|_| Code::NotAWholeNumber)?;
    if n < min || n > max {
        return Err(Code::OutOfRange);
    }
    Ok(n)
}

/// An https webhook URL whose host is not local, private or special (a
/// literal address in any spelling the URL standard accepts: decimal, octal,
/// hex, IPv4-mapped IPv6), unless its exact `host:port` is allow-listed (then
/// plain http is accepted too). Returns the normalized URL.
pub fn parse_webhook_url(raw: &str, allow: &WebhookAllowList) -> Result<String, Code> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Code::Required);
    }
    if s.len() > WEBHOOK_URL_MAX {
        return Err(Code::TooLong);
    }
    let url = url::Url::parse(s).map_err(|_| Code::InvalidUrl)?;
    let host = url.host().ok_or(Code::InvalidUrl)?;
    let host_text = match &host {
        url::Host::Domain(d) => d.to_string(),
        url::Host::Ipv4(ip) => ip.to_string(),
        url::Host::Ipv6(ip) => ip.to_string(),
    };
    let port = url.port_or_known_default().unwrap_or(0);
    let allowed = allow.allows(&host_text, port)
        || matches!(&host, url::Host::Ipv6(_)) && allow.allows(&format!("[{host_text}]"), port);
    if !allowed {
        if url.scheme() != "https" {
            return Err(Code::HttpsRequired);
        }
        let local = match &host {
            url::Host::Domain(d) => {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                d == "localhost" || d.ends_with(".localhost") || d.is_empty()
            }
            url::Host::Ipv4(ip) => !super::net::is_public_ip((*ip).into()),
            url::Host::Ipv6(ip) => !super::net::is_public_ip((*ip).into()),
        };
        if local {
            return Err(Code::ForbiddenHost);
        }
    } else if url.scheme() != "https" && url.scheme() != "http" {
        return Err(Code::HttpsRequired);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Code::CredentialsInUrl);
    }
    let normalized = url.to_string();
    if normalized.len() > WEBHOOK_URL_MAX {
        return Err(Code::TooLong);
    }
    Ok(normalized)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Unicode NFC: the browser's own normalizer in the browser (its tables are
/// already there), the `unicode-normalization` crate on the server.
#[cfg(target_arch = "wasm32")]
fn nfc(s: &str) -> String {
    js_sys::JsString::from(s).normalize("NFC").into()
}

#[cfg(not(target_arch = "wasm32"))]
fn nfc(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc().collect()
}

/// The sentence to say: 1–1000 characters after trimming, no control or
/// bidirectional-override characters, stored in Unicode NFC.
pub fn parse_say_text(raw: &str) -> Result<String, Code> {
    let text = nfc(raw.trim());
    if text.is_empty() {
        return Err(Code::Required);
    }
    if text.chars().any(char::is_control) {
        return Err(Code::ControlCharacters);
    }
    if text.chars().any(is_bidi_control) {
        return Err(Code::BidiCharacters);
    }
    if text.chars().count() > SAY_TEXT_MAX_CHARS {
        return Err(Code::TooLong);
    }
    Ok(text)
}

/// A phone number in E.164 (`+`, country code, at most 15 digits) that the
/// libphonenumber data says is valid. Spaces, dots, dashes and parentheses
/// typed between digits are dropped.
pub fn parse_phone_number(raw: &str) -> Result<String, Code> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Code::Required);
    }
    let compact: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let Some(digits) = compact.strip_prefix('+') else {
        return Err(Code::PhoneNotE164);
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return Err(Code::PhoneNotE164);
    }
    if digits.len() > 15 {
        return Err(Code::PhoneNotE164);
    }
    let parsed =
        rlibphonenumber::PhoneNumber::parse(&compact, None).map_err(|_| Code::PhoneInvalid)?;
    if !parsed.is_valid() {
        return Err(Code::PhoneInvalid);
    }
    let e164 = parsed.to_string();
    if e164 != compact {
        return Err(Code::PhoneInvalid);
    }
    Ok(e164)
}

/// A SIP destination id: 1–128 characters after trimming, no control characters.
pub fn parse_destination_id(raw: &str) -> Result<String, Code> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Code::Required);
    }
    if s.chars().count() > DESTINATION_ID_MAX_CHARS {
        return Err(Code::TooLong);
    }
    if s.chars().any(char::is_control) {
        return Err(Code::ControlCharacters);
    }
    Ok(s.to_owned())
}

/// RFC 3261 token characters.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '-' | '.' | '!' | '%' | '*' | '_' | '+' | '`' | '\'' | '~'
        )
}

/// Custom SIP headers: rows left empty are ignored; at most 10; names `X-`
/// followed by token characters, unique ignoring case; values printable (no
/// CR, LF, NUL or other control character); all of them together, as sent
/// (`Name: value\r\n`), at most 1024 bytes. Errors name `sip_headers.N.name`
/// or `sip_headers.N.value`, or `sip_headers` for the whole.
pub fn parse_sip_headers(rows: &[SipHeaderDraft], e: &mut FieldErrors) -> Option<Vec<SipHeader>> {
    let before = e.0.len();
    let mut out: Vec<SipHeader> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let filled: Vec<(usize, &SipHeaderDraft)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.name.trim().is_empty() || !r.value.trim().is_empty())
        .collect();
    if filled.len() > MAX_SIP_HEADERS {
        e.push("sip_headers", Code::TooManyHeaders);
    }
    for (i, row) in filled {
        let name = row.name.trim();
        let value = row.value.trim();
        let name_ok = if name.is_empty() {
            e.push(&format!("sip_headers.{i}.name"), Code::Required);
            false
        } else if !(name.len() > 2
            && name.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("x-"))
            && name.chars().all(is_token_char))
        {
            e.push(&format!("sip_headers.{i}.name"), Code::SipHeaderName);
            false
        } else if seen.iter().any(|s| s.eq_ignore_ascii_case(name)) {
            e.push(&format!("sip_headers.{i}.name"), Code::DuplicateHeader);
            false
        } else {
            true
        };
        // Checked before trimming: a CR or LF at the edge is still an injection attempt.
        if row.value.chars().any(char::is_control) {
            e.push(&format!("sip_headers.{i}.value"), Code::ControlCharacters);
        } else if name_ok {
            seen.push(name.to_owned());
            out.push(SipHeader {
                name: name.to_owned(),
                value: value.to_owned(),
            });
        }
    }
    let bytes: usize = out
        .iter()
        .map(|h| h.name.len() + 2 + h.value.len() + 2)
        .sum();
    if bytes > SIP_HEADERS_MAX_BYTES {
        e.push("sip_headers", Code::HeadersTooLarge);
    }
    (e.0.len() == before).then_some(out)
}

/// The optional User-To-User value: hex digits, an even number of them, at
/// most 256. Empty means none.
pub fn parse_user_to_user(raw: &str) -> Result<Option<String>, Code> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Code::UuiNotHex);
    }
    if !s.len().is_multiple_of(2) {
        return Err(Code::UuiOddLength);
    }
    if s.len() > USER_TO_USER_MAX_HEX {
        return Err(Code::TooLong);
    }
    Ok(Some(s.to_owned()))
}

/// A SIP connection's address: `sip:` or `sips:` followed by a user/host
/// part, under 255 characters, no spaces or control characters.
pub fn parse_sip_uri(raw: &str) -> Result<String, Code> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Code::Required);
    }
    if s.len() >= 255 {
        return Err(Code::TooLong);
    }
    let lower = s.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("sips:")
        .or_else(|| lower.strip_prefix("sip:"))
        .ok_or(Code::SipUriScheme)?;
    if rest.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Code::InvalidSipUri);
    }
    let host = rest.rsplit('@').next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') || host.starts_with(';') {
        return Err(Code::InvalidSipUri);
    }
    Ok(s.to_owned())
}

/// Why a CSM switched failover: 1–500 characters, no control characters.
pub fn parse_reason(raw: &str) -> Result<String, Code> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Code::Required);
    }
    if s.chars().count() > 500 {
        return Err(Code::TooLong);
    }
    if s.chars().any(char::is_control) {
        return Err(Code::ControlCharacters);
    }
    Ok(s.to_owned())
}

/// The platform's default error message, until an owner sets the account's.
pub const PLATFORM_DEFAULT_MESSAGE: (&str, &str) = (
    "Nos services sont temporairement indisponibles. Merci de rappeler ultérieurement.",
    "fr-FR",
);

/// The message played when the failover action itself fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultMessage {
    pub text: String,
    pub language: String,
    /// Not set by the account: the platform's.
    pub is_platform_default: bool,
}

impl DefaultMessage {
    /// The account's message when it set both text and language, else the platform's.
    pub fn effective(text: Option<String>, language: Option<String>) -> DefaultMessage {
        match (text, language) {
            (Some(text), Some(language)) => DefaultMessage {
                text,
                language,
                is_platform_default: false,
            },
            _ => DefaultMessage {
                text: PLATFORM_DEFAULT_MESSAGE.0.to_owned(),
                language: PLATFORM_DEFAULT_MESSAGE.1.to_owned(),
                is_platform_default: true,
            },
        }
    }
}

#[cfg(test)]
mod sip_uri_tests {
    use super::*;

    #[test]
    fn sip_uris() {
        assert_eq!(
            parse_sip_uri(" sip:trunk@pbx.example.com ").as_deref(),
            Ok("sip:trunk@pbx.example.com")
        );
        assert!(parse_sip_uri("sips:pbx.example.com:5061;transport=tls").is_ok());
        assert_eq!(parse_sip_uri("tel:+33123456789"), Err(Code::SipUriScheme));
        assert_eq!(parse_sip_uri("sip:"), Err(Code::InvalidSipUri));
        assert_eq!(parse_sip_uri("sip:a b@host"), Err(Code::InvalidSipUri));
        assert_eq!(
            parse_sip_uri(&format!("sip:{}", "a".repeat(251))),
            Err(Code::TooLong)
        );
        assert_eq!(parse_reason(""), Err(Code::Required));
        assert_eq!(parse_reason(&"r".repeat(501)), Err(Code::TooLong));
    }
}

#[cfg(test)]
mod differences {
    use super::*;

    #[test]
    fn only_the_fields_that_count_and_differ() {
        let mine = FailoverDraft {
            action_type: "say_message".into(),
            text: "Mine".into(),
            language: "fr-FR".into(),
            webhook_url: "https://typed.example/but-not-chosen".into(),
            ..Default::default()
        };
        let theirs = FailoverDraft {
            action_type: "say_message".into(),
            text: "Theirs".into(),
            language: "fr-FR".into(),
            ..Default::default()
        };
        assert_eq!(
            mine.differences(&theirs),
            vec![("text", "Mine".to_owned(), "Theirs".to_owned())]
        );
        let transfer = FailoverDraft {
            action_type: "transfer".into(),
            phone_number: "+33123456789".into(),
            ..Default::default()
        };
        let d = mine.differences(&transfer);
        assert!(d.iter().any(|(f, _, _)| *f == "type"));
        assert!(d.iter().any(|(f, _, _)| *f == "phone_number"));
        assert!(d.iter().all(|(f, _, _)| *f != "webhook_url"));
        assert!(mine.differences(&mine.clone()).is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> WebhookAllowList {
        WebhookAllowList::default()
    }

    #[test]
    fn webhook_urls() {
        assert_eq!(
            parse_webhook_url("https://hooks.example.com/failover", &none()).as_deref(),
            Ok("https://hooks.example.com/failover")
        );
        for (url, code) in [
            ("http://hooks.example.com/x", Code::HttpsRequired),
            ("ftp://hooks.example.com/x", Code::HttpsRequired),
            ("https://localhost/x", Code::ForbiddenHost),
            ("https://localhost./x", Code::ForbiddenHost),
            ("https://api.localhost/x", Code::ForbiddenHost),
            ("https://127.0.0.1/x", Code::ForbiddenHost),
            ("https://[::1]/x", Code::ForbiddenHost),
            ("https://[::ffff:127.0.0.1]/x", Code::ForbiddenHost),
            ("https://2130706433/x", Code::ForbiddenHost),
            ("https://0x7f.1/x", Code::ForbiddenHost),
            ("https://017700000001/x", Code::ForbiddenHost),
            (
                "https://169.254.169.254/latest/meta-data",
                Code::ForbiddenHost,
            ),
            ("https://10.0.0.1/x", Code::ForbiddenHost),
            ("https://100.64.1.1/x", Code::ForbiddenHost),
            ("https://[fd00:ec2::254]/x", Code::ForbiddenHost),
            (
                "https://user:pw@hooks.example.com/x",
                Code::CredentialsInUrl,
            ),
            ("not a url", Code::InvalidUrl),
            ("", Code::Required),
        ] {
            assert_eq!(parse_webhook_url(url, &none()), Err(code), "{url}");
        }
        let long = format!("https://hooks.example.com/{}", "a".repeat(2048));
        assert_eq!(parse_webhook_url(&long, &none()), Err(Code::TooLong));
    }

    #[test]
    fn allow_list_lets_exact_local_endpoints_through() {
        let allow = WebhookAllowList(vec!["127.0.0.1:8088".into(), "localhost:9000".into()]);
        assert!(parse_webhook_url("http://127.0.0.1:8088/hook", &allow).is_ok());
        assert!(parse_webhook_url("http://localhost:9000/hook", &allow).is_ok());
        assert_eq!(
            parse_webhook_url("http://127.0.0.1:8089/hook", &allow),
            Err(Code::HttpsRequired)
        );
        assert_eq!(
            parse_webhook_url("https://127.0.0.1:8089/hook", &allow),
            Err(Code::ForbiddenHost)
        );
    }

    #[test]
    fn phone_numbers() {
        assert_eq!(
            parse_phone_number("+33 1 23 45 67 89").as_deref(),
            Ok("+33123456789")
        );
        assert_eq!(
            parse_phone_number("+14155552671").as_deref(),
            Ok("+14155552671")
        );
        assert_eq!(parse_phone_number("0123456789"), Err(Code::PhoneNotE164));
        assert_eq!(parse_phone_number("+0123456789"), Err(Code::PhoneNotE164));
        assert_eq!(
            parse_phone_number("+3312345678901234"),
            Err(Code::PhoneNotE164),
            "16 digits"
        );
        assert_eq!(parse_phone_number("+33ABCDEFGHI"), Err(Code::PhoneNotE164));
        assert_eq!(parse_phone_number("+331234"), Err(Code::PhoneInvalid));
        assert_eq!(parse_phone_number(""), Err(Code::Required));
    }

    #[test]
    fn say_text() {
        assert_eq!(parse_say_text("  Bonjour  ").as_deref(), Ok("Bonjour"));
        assert_eq!(
            parse_say_text("e\u{301}te\u{301}").as_deref(),
            Ok("été"),
            "stored NFC"
        );
        assert_eq!(parse_say_text("   "), Err(Code::Required));
        assert_eq!(parse_say_text(&"a".repeat(1001)), Err(Code::TooLong));
        assert!(parse_say_text(&"a".repeat(1000)).is_ok());
        assert_eq!(parse_say_text("abc\u{202E}def"), Err(Code::BidiCharacters));
        assert_eq!(parse_say_text("abc\u{2066}def"), Err(Code::BidiCharacters));
        assert_eq!(parse_say_text("a\u{0}b"), Err(Code::ControlCharacters));
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("20", RING_SECONDS), Ok(20));
        assert_eq!(parse_seconds("4", RING_SECONDS), Err(Code::OutOfRange));
        assert_eq!(parse_seconds("46", RING_SECONDS), Err(Code::OutOfRange));
        assert_eq!(parse_seconds("5", RING_SECONDS), Ok(5));
        assert_eq!(parse_seconds("45", RING_SECONDS), Ok(45));
        assert_eq!(parse_seconds("0", TIMEOUT_SECONDS), Err(Code::OutOfRange));
        assert_eq!(parse_seconds("31", TIMEOUT_SECONDS), Err(Code::OutOfRange));
        assert_eq!(
            parse_seconds("1.5", TIMEOUT_SECONDS),
            Err(Code::NotAWholeNumber)
        );
        assert_eq!(parse_seconds("", TIMEOUT_SECONDS), Err(Code::Required));
    }

    fn h(name: &str, value: &str) -> SipHeaderDraft {
        SipHeaderDraft {
            name: name.into(),
            value: value.into(),
        }
    }

    fn headers(rows: &[SipHeaderDraft]) -> Result<Vec<SipHeader>, FieldErrors> {
        let mut e = FieldErrors::new();
        parse_sip_headers(rows, &mut e).ok_or(e)
    }

    #[test]
    fn sip_headers() {
        assert_eq!(
            headers(&[h("X-Customer", "42"), h("", "")]).unwrap().len(),
            1
        );
        assert_eq!(
            headers(&[h("Customer", "1")])
                .unwrap_err()
                .get("sip_headers.0.name"),
            Some(Code::SipHeaderName)
        );
        assert_eq!(
            headers(&[h("X-", "1")])
                .unwrap_err()
                .get("sip_headers.0.name"),
            Some(Code::SipHeaderName)
        );
        assert_eq!(
            headers(&[h("X-A B", "1")])
                .unwrap_err()
                .get("sip_headers.0.name"),
            Some(Code::SipHeaderName)
        );
        assert_eq!(
            headers(&[h("X-Ü", "1")])
                .unwrap_err()
                .get("sip_headers.0.name"),
            Some(Code::SipHeaderName)
        );
        assert_eq!(
            headers(&[h("X-Id", "1"), h("x-ID", "2")])
                .unwrap_err()
                .get("sip_headers.1.name"),
            Some(Code::DuplicateHeader)
        );
        for bad in ["a\rb", "a\nb", "a\0b"] {
            assert_eq!(
                headers(&[h("X-Id", bad)])
                    .unwrap_err()
                    .get("sip_headers.0.value"),
                Some(Code::ControlCharacters)
            );
        }
        let big = vec![h("X-A", &"v".repeat(600)), h("X-B", &"v".repeat(600))];
        assert_eq!(
            headers(&big).unwrap_err().get("sip_headers"),
            Some(Code::HeadersTooLarge)
        );
        let many: Vec<_> = (0..11).map(|i| h(&format!("X-H{i}"), "v")).collect();
        assert_eq!(
            headers(&many).unwrap_err().get("sip_headers"),
            Some(Code::TooManyHeaders)
        );
    }

    #[test]
    fn user_to_user() {
        assert_eq!(parse_user_to_user(""), Ok(None));
        assert_eq!(parse_user_to_user("0a1B").unwrap().as_deref(), Some("0a1B"));
        assert_eq!(parse_user_to_user("xyz0"), Err(Code::UuiNotHex));
        assert_eq!(parse_user_to_user("abc"), Err(Code::UuiOddLength));
        assert_eq!(parse_user_to_user(&"ab".repeat(129)), Err(Code::TooLong));
        assert!(parse_user_to_user(&"ab".repeat(128)).is_ok());
    }

    #[test]
    fn drafts_parse_into_actions_and_back() {
        let allow = none();
        let mut d = FailoverDraft::from_action(None);
        d.action_type = "transfer".into();
        d.phone_number = "+33123456789".into();
        let a = d.parse(&allow).unwrap();
        assert_eq!(
            a,
            FailoverAction::Transfer {
                max_ring_seconds: 20,
                target: TransferTarget::PhoneNumber("+33123456789".into())
            }
        );
        assert_eq!(
            FailoverDraft::from_action(Some(&a)).parse(&allow).unwrap(),
            a
        );
        // Another type's invalid fields don't matter.
        d.webhook_url = "http://nope".into();
        assert!(d.parse(&allow).is_ok());
        d.action_type = "workflow".into();
        assert_eq!(
            d.parse(&allow).unwrap_err().get("webhook_url"),
            Some(Code::HttpsRequired)
        );
        d.action_type = "transfer".into();
        d.transfer_target = "sip".into();
        let e = d.parse(&allow).unwrap_err();
        assert_eq!(e.get("sip_connection_id"), Some(Code::Required));
        assert_eq!(e.get("sip_destination_id"), Some(Code::Required));
    }

    #[test]
    fn action_json_shapes() {
        let a = FailoverAction::Transfer {
            max_ring_seconds: 20,
            target: TransferTarget::PhoneNumber("+33123456789".into()),
        };
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::json!({"type": "transfer", "max_ring_seconds": 20, "phone_number": "+33123456789"})
        );
        let w = FailoverAction::Workflow {
            webhook_url: "https://h.example.com/".into(),
            timeout_seconds: 10,
        };
        assert_eq!(
            serde_json::to_value(&w).unwrap(),
            serde_json::json!({"type": "workflow", "webhook_url": "https://h.example.com/", "timeout_seconds": 10})
        );
        let back: FailoverAction =
            serde_json::from_value(serde_json::to_value(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn actions_are_read_in_one_pass_with_serdes_errors() {
        let read = |j: &str| serde_json::from_str::<FailoverAction>(j).map_err(|e| e.to_string());
        assert_eq!(
            read(
                r#"{"webhook_url":"https://h.example.com","timeout_seconds":9,"type":"workflow","extra":1}"#
            ),
            Ok(FailoverAction::Workflow {
                webhook_url: "https://h.example.com".into(),
                timeout_seconds: 9
            })
        );
        assert_eq!(
            read(r#"{"type":"transfer","max_ring_seconds":20,"phone_number":"+33123456789"}"#),
            Ok(FailoverAction::Transfer {
                max_ring_seconds: 20,
                target: TransferTarget::PhoneNumber("+33123456789".into())
            })
        );
        let sip = r#"{"type":"transfer","max_ring_seconds":20,"sip":{"connection_id":"c","destination_id":"d","headers":[{"name":"X-A","value":"1"}],"user_to_user":null}}"#;
        let a = read(sip).unwrap();
        assert_eq!(read(&serde_json::to_string(&a).unwrap()), Ok(a));
        let err = |j: &str| read(j).unwrap_err();
        assert!(
            err(r#"{"type":"say_message","text":"x"}"#).starts_with("missing field `language`")
        );
        assert!(err(r#"{"text":"x","language":"fr-FR"}"#).starts_with("missing field `type`"));
        assert!(err(r#"{"type":"hang_up"}"#).starts_with("unknown variant `hang_up`"));
        assert!(err(r#"{"type":"transfer","max_ring_seconds":20}"#).contains("exactly one of"));
        let both = r#"{"type":"transfer","max_ring_seconds":20,"phone_number":"+33123456789","sip":{"connection_id":"c","destination_id":"d","headers":[]}}"#;
        assert!(err(both).contains("exactly one of"));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    proptest! {
        #[test]
        fn ring_seconds_accepts_exactly_5_to_45(n in 0u32..200) {
            let r = parse_seconds(&n.to_string(), RING_SECONDS);
            prop_assert_eq!(r.is_ok(), (5..=45).contains(&n));
        }

        #[test]
        fn timeout_accepts_exactly_1_to_30(n in 0u32..200) {
            prop_assert_eq!(parse_seconds(&n.to_string(), TIMEOUT_SECONDS).is_ok(), (1..=30).contains(&n));
        }

        #[test]
        fn loopback_private_and_link_local_hosts_are_refused_in_any_spelling(
            net in prop::sample::select(vec![(127u8, 0u8), (10, 0), (169, 254), (192, 168), (100, 64)]),
            c in 0u8..=255, d in 1u8..=254,
        ) {
            let second = if net.0 == 127 || net.0 == 10 { c } else { net.1 };
            let ip = Ipv4Addr::new(net.0, second, c, d);
            for host in [ip.to_string(), u32::from(ip).to_string(), format!("0x{:x}", u32::from(ip)), format!("[::ffff:{ip}]")] {
                let url = format!("https://{host}/hook");
                prop_assert_eq!(parse_webhook_url(&url, &WebhookAllowList::default()), Err(Code::ForbiddenHost), "{}", url);
            }
        }

        #[test]
        fn plain_http_is_never_accepted_without_the_allow_list(host in "[a-z]{1,12}\\.example\\.com") {
            prop_assert_eq!(parse_webhook_url(&format!("http://{host}/x"), &WebhookAllowList::default()), Err(Code::HttpsRequired));
        }

        #[test]
        fn say_text_with_a_bidi_override_is_refused(
            before in "[a-zA-Z ]{0,20}", after in "[a-zA-Z ]{0,20}",
            c in prop::sample::select(vec!['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}']),
        ) {
            let text = format!("x{before}{c}{after}x");
            prop_assert_eq!(parse_say_text(&text), Err(Code::BidiCharacters));
        }

        #[test]
        fn say_text_length_is_counted_in_characters(n in 1usize..1100) {
            let text = "é".repeat(n);
            prop_assert_eq!(parse_say_text(&text).is_ok(), n <= 1000);
        }

        #[test]
        fn phone_numbers_that_are_not_e164_are_refused(
            digits in "[0-9]{16,20}", letters in "[0-9]{2,6}[a-zA-Z][0-9a-zA-Z]{0,6}", national in "0[1-9][0-9]{8}",
        ) {
            prop_assert_eq!(parse_phone_number(&format!("+{digits}")), Err(Code::PhoneNotE164));
            prop_assert_eq!(parse_phone_number(&format!("+{letters}")), Err(Code::PhoneNotE164));
            prop_assert_eq!(parse_phone_number(&national), Err(Code::PhoneNotE164));
            prop_assert_eq!(parse_phone_number(&format!("+0{national}")), Err(Code::PhoneNotE164));
        }

        #[test]
        fn uui_accepts_exactly_even_hex_up_to_256(s in "[0-9a-fA-F]{0,300}") {
            let ok = s.len().is_multiple_of(2) && s.len() <= 256;
            prop_assert_eq!(parse_user_to_user(&s).is_ok(), ok);
        }

        #[test]
        fn uui_with_a_non_hex_character_is_refused(a in "[0-9a-f]{0,10}", c in "[g-zG-Z]", b in "[0-9a-f]{0,10}") {
            prop_assert_eq!(parse_user_to_user(&format!("{a}{c}{b}")), Err(Code::UuiNotHex));
        }

        #[test]
        fn header_names_need_the_x_prefix_and_token_characters(name in "[A-Za-z][A-Za-z0-9-]{0,10}", bad in "[ :;,@()<>\"/\\[\\]?={}]") {
            let mut e = FieldErrors::new();
            let valid = name.len() > 2 && name[..2].eq_ignore_ascii_case("x-");
            let r = parse_sip_headers(&[SipHeaderDraft { name: name.clone(), value: "v".into() }], &mut e);
            prop_assert_eq!(r.is_some(), valid);
            let mut e = FieldErrors::new();
            let with_bad = format!("X-{name}{bad}z");
            let rows = [SipHeaderDraft { name: with_bad, value: "v".into() }];
            let parsed = parse_sip_headers(&rows, &mut e);
            prop_assert!(parsed.is_none());
        }

        #[test]
        fn duplicate_header_names_in_another_case_are_refused(name in "X-[A-Za-z]{1,10}") {
            let mut e = FieldErrors::new();
            let rows = [
                SipHeaderDraft { name: name.clone(), value: "1".into() },
                SipHeaderDraft { name: name.to_lowercase(), value: "2".into() },
            ];
            let parsed = parse_sip_headers(&rows, &mut e);
            prop_assert!(parsed.is_none());
            prop_assert_eq!(e.get("sip_headers.1.name"), Some(Code::DuplicateHeader));
        }

        #[test]
        fn header_values_with_cr_lf_or_nul_are_refused(a in "[ -~]{0,10}", c in prop::sample::select(vec!['\r', '\n', '\0']), b in "[ -~]{0,10}") {
            let mut e = FieldErrors::new();
            let rows = [SipHeaderDraft { name: "X-Id".into(), value: format!("{a}{c}{b}") }];
            let parsed = parse_sip_headers(&rows, &mut e);
            prop_assert!(parsed.is_none());
        }
    }
}
