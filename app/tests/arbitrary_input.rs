//! Every parser of outside input, fed arbitrary Unicode (not ASCII only):
//! it answers a value or a field-error code, and never panics. The webhook
//! answer judge is fed arbitrary text and arbitrary actions the same way.

#![cfg(feature = "ssr")]

use app::domain::failover::{
    self, FailoverDraft, SipHeaderDraft, WebhookAllowList, parse_destination_id,
    parse_phone_number, parse_reason, parse_say_text, parse_seconds, parse_sip_headers,
    parse_sip_uri, parse_user_to_user, parse_webhook_url,
};
use app::domain::{
    AccountName, AccountRole, Direction, Email, FieldErrors, Language, PersonName, Scope, Slug,
    StaffRole, check_password_shape,
};
use app::webhook::judge;
use proptest::prelude::*;

/// Any string of any characters (controls, combining marks, astral planes),
/// up to `n` of them, with a bias towards the shapes parsers look at.
fn text(n: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<char>(), 0..n).prop_map(|v| v.into_iter().collect()),
        prop::collection::vec(any::<char>(), 0..4)
            .prop_map(|v| format!("x-{}", v.into_iter().collect::<String>())),
        prop::collection::vec(any::<char>(), 0..4)
            .prop_map(|v| format!("https://{}.example/", v.into_iter().collect::<String>())),
        prop::collection::vec(any::<char>(), 0..4)
            .prop_map(|v| format!("+33{}", v.into_iter().collect::<String>())),
        prop::collection::vec(any::<char>(), 0..4)
            .prop_map(|v| format!("sip:{}@", v.into_iter().collect::<String>())),
        "[aéX\\-ü€😀\u{301}]{0,6}",
    ]
}

fn header() -> impl Strategy<Value = SipHeaderDraft> {
    (text(12), text(12)).prop_map(|(name, value)| SipHeaderDraft { name, value })
}

fn draft() -> impl Strategy<Value = FailoverDraft> {
    let kind = prop_oneof![
        Just("workflow".to_owned()),
        Just("say_message".to_owned()),
        Just("transfer".to_owned()),
        text(10),
    ];
    let target = prop_oneof![
        Just(String::new()),
        Just("phone".to_owned()),
        Just("sip".to_owned()),
        text(5)
    ];
    (
        (kind, text(40), text(6), text(40), text(8), text(6)),
        (
            target,
            text(20),
            text(10),
            text(20),
            prop::collection::vec(header(), 0..12),
            text(20),
        ),
    )
        .prop_map(
            |(
                (action_type, webhook_url, timeout_seconds, text, language, max_ring_seconds),
                (
                    transfer_target,
                    phone_number,
                    sip_connection_id,
                    sip_destination_id,
                    sip_headers,
                    sip_user_to_user,
                ),
            )| FailoverDraft {
                action_type,
                webhook_url,
                timeout_seconds,
                text,
                language,
                max_ring_seconds,
                transfer_target,
                phone_number,
                sip_connection_id,
                sip_destination_id,
                sip_headers,
                sip_user_to_user,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn identity_parsers_never_panic(s in text(300)) {
        let _ = Email::parse(&s);
        let _ = Slug::parse(&s);
        let _ = AccountName::parse(&s);
        let _ = PersonName::parse(&s);
        let _ = check_password_shape(&s);
        let _ = StaffRole::parse(&s);
        let _ = AccountRole::parse(&s);
        let _ = Direction::parse(&s);
        let _ = Language::parse(&s);
        let _ = Scope::parse_list(&s);
    }

    #[test]
    fn failover_field_parsers_never_panic(s in text(300)) {
        let allow = WebhookAllowList(vec!["127.0.0.1:9".into()]);
        let _ = parse_seconds(&s, failover::TIMEOUT_SECONDS);
        let _ = parse_webhook_url(&s, &allow);
        let _ = parse_say_text(&s);
        let _ = parse_phone_number(&s);
        let _ = parse_destination_id(&s);
        let _ = parse_user_to_user(&s);
        let _ = parse_sip_uri(&s);
        let _ = parse_reason(&s);
    }

    #[test]
    fn sip_headers_of_any_characters_get_an_answer(rows in prop::collection::vec(header(), 0..14)) {
        let mut e = FieldErrors::new();
        let parsed = parse_sip_headers(&rows, &mut e);
        // A list is accepted exactly when no field error was raised.
        prop_assert_eq!(parsed.is_some(), e.is_empty());
        if let Some(headers) = parsed {
            for h in headers {
                prop_assert!(h.name.is_ascii() && h.name.len() > 2);
                prop_assert!(h.name[..2].eq_ignore_ascii_case("x-"));
                prop_assert!(!h.value.chars().any(char::is_control));
            }
        }
    }

    #[test]
    fn drafts_of_any_characters_parse_or_name_their_fields(d in draft()) {
        let allow = WebhookAllowList::default();
        match d.parse(&allow) {
            // What is accepted survives the round trip through the form.
            Ok(action) => prop_assert_eq!(FailoverDraft::from_action(Some(&action)).parse(&allow), Ok(action)),
            Err(e) => prop_assert!(!e.is_empty()),
        }
    }

    #[test]
    fn webhook_answers_of_any_text_are_judged(body in text(400)) {
        let _ = judge(&body, &WebhookAllowList::default());
    }

    #[test]
    fn webhook_answers_with_any_action_are_judged(d in draft()) {
        // The fields as a webhook would send them, whatever they hold.
        let headers: Vec<_> = d
            .sip_headers
            .iter()
            .map(|h| serde_json::json!({"name": h.name, "value": h.value}))
            .collect();
        for action in [
            serde_json::json!({"type": "say_message", "text": d.text, "language": d.language}),
            serde_json::json!({"type": "transfer", "max_ring_seconds": 20, "phone_number": d.phone_number}),
            serde_json::json!({"type": "transfer", "max_ring_seconds": 20, "sip": {
                "connection_id": d.sip_connection_id, "destination_id": d.sip_destination_id,
                "headers": headers, "user_to_user": d.sip_user_to_user,
            }}),
        ] {
            let body = serde_json::json!({ "action": action }).to_string();
            let _ = judge(&body, &WebhookAllowList::default());
        }
    }
}

/// The answer that used to panic (a header name sliced inside a character).
#[test]
fn a_header_name_with_an_accent_is_refused_not_a_panic() {
    let mut e = FieldErrors::new();
    let rows = [SipHeaderDraft {
        name: "aé".into(),
        value: "v".into(),
    }];
    assert!(parse_sip_headers(&rows, &mut e).is_none());
    assert!(!e.is_empty());
    let body = r#"{"action":{"type":"transfer","max_ring_seconds":20,"sip":{"connection_id":"c","destination_id":"d","headers":[{"name":"aé","value":"v"}]}}}"#;
    assert!(matches!(
        judge(body, &WebhookAllowList::default()),
        app::webhook::Verdict::Invalid(_)
    ));
}
