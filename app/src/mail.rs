//! Outgoing e-mail (invitation and password-reset links) through the SMTP
//! server of `RELAIS_SMTP_URL` (`smtp://host:25`, `smtp://user:pass@host:587`
//! with STARTTLS, `smtps://host:465`), from `RELAIS_MAIL_FROM`.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How long one message may take to hand over before the caller is told it
/// wasn't sent (the link is shown anyway).
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// The configured SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never printed.
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Mailer {
    /// A mailer for `url`, sending from `from` (default `relais@localhost`).
    pub fn new(url: &str, from: Option<&str>) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("RELAIS_SMTP_URL: {e}"))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        let from = from
            .unwrap_or("Relais <relais@localhost>")
            .parse::<Mailbox>()
            .map_err(|e| format!("RELAIS_MAIL_FROM: {e}"))?;
        Ok(Mailer { transport, from })
    }

    /// Sends a plain-text message; `false` (logged, without the body) when
    /// the server refused it or didn't answer in time.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> bool {
        let Ok(to_box) = to.parse::<Mailbox>() else {
            tracing::warn!("e-mail not sent: the address doesn't parse");
            return false;
        };
        let message = match Message::builder()
            .from(self.from.clone())
            .to(to_box)
            .subject(subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            // Readable as it travels; links survive (soft line breaks aside).
            .body(
                lettre::message::Body::new_with_encoding(
                    body,
                    lettre::message::header::ContentTransferEncoding::QuotedPrintable,
                )
                .unwrap_or_else(lettre::message::Body::new),
            ) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "e-mail not built");
                return false;
            }
        };
        match tokio::time::timeout(SEND_TIMEOUT, self.transport.send(message)).await {
            Ok(Ok(_)) => true,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "e-mail not sent");
                false
            }
            Err(_) => {
                tracing::warn!("e-mail not sent: the SMTP server didn't answer in time");
                false
            }
        }
    }
}

/// The two messages Relais sends, in French and English (the recipient's
/// language is not known yet).
pub fn invitation(account: Option<&str>, url: &str) -> (String, String) {
    let (fr, en) = match account {
        Some(a) => (
            format!("Vous êtes invité·e à rejoindre « {a} » sur Relais."),
            format!("You are invited to join \"{a}\" on Relais."),
        ),
        None => (
            "Vous êtes invité·e à rejoindre l'équipe Relais.".to_owned(),
            "You are invited to join the Relais team.".to_owned(),
        ),
    };
    (
        "Relais : invitation / invitation".to_owned(),
        format!(
            "{fr}\nOuvrez ce lien (valable 7 jours) pour choisir votre nom et votre mot de passe :\n{url}\n\n\
             {en}\nOpen this link (valid 7 days) to choose your name and password:\n{url}\n"
        ),
    )
}

pub fn password_reset(url: &str) -> (String, String) {
    (
        "Relais : nouveau mot de passe / new password".to_owned(),
        format!(
            "Ouvrez ce lien (valable 24 heures, une seule fois) pour choisir un nouveau mot de passe :\n{url}\n\n\
             Open this link (valid 24 hours, once) to choose a new password:\n{url}\n\n\
             Si vous n'avez rien demandé, ignorez ce message. / If you didn't ask, ignore this message.\n"
        ),
    )
}
