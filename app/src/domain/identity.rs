//! Names, slugs, emails and the password shape rule.

use super::Code;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Shortest password accepted when one is set (NIST SP 800-63B asks for at least 8;
/// Relais guards configuration of live phone calls, so it asks for more).
pub const PASSWORD_MIN_CHARS: usize = 12;
/// Longest password accepted: argon2 of huge inputs is a denial-of-service vector.
pub const PASSWORD_MAX_CHARS: usize = 128;

/// A syntactically valid email address, stored lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Code> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Code::Required);
        }
        if s.len() > 254 {
            return Err(Code::TooLong);
        }
        let parsed = email_address::EmailAddress::from_str(s).map_err(|_| Code::InvalidEmail)?;
        // Bare local names ("root@localhost") are syntactically fine but never a customer's.
        if !parsed.domain().contains('.') {
            return Err(Code::InvalidEmail);
        }
        Ok(Email(s.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An account slug: lowercase ASCII letters, digits and inner hyphens, 2–63 chars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, Code> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Code::Required);
        }
        if s.len() < 2 {
            return Err(Code::TooShort);
        }
        if s.len() > 63 {
            return Err(Code::TooLong);
        }
        let ok = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok || s.starts_with('-') || s.ends_with('-') {
            return Err(Code::InvalidSlug);
        }
        Ok(Slug(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn display_name(raw: &str, max: usize) -> Result<String, Code> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Code::Required);
    }
    if s.chars().count() > max {
        return Err(Code::TooLong);
    }
    if s.chars().any(char::is_control) {
        return Err(Code::InvalidCharacters);
    }
    Ok(s.to_owned())
}

/// An account's display name: 1–100 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountName(String);

impl AccountName {
    pub fn parse(raw: &str) -> Result<Self, Code> {
        display_name(raw, 100).map(AccountName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's (or agent's) display name: 1–100 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, Code> {
        display_name(raw, 100).map(PersonName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The length rule of a new password, checked in the browser and on the server
/// (the server also refuses guessable passwords).
pub fn check_password_shape(raw: &str) -> Result<(), Code> {
    let n = raw.chars().count();
    if n == 0 {
        return Err(Code::Required);
    }
    if n < PASSWORD_MIN_CHARS {
        return Err(Code::PasswordTooShort);
    }
    if n > PASSWORD_MAX_CHARS {
        return Err(Code::TooLong);
    }
    Ok(())
}

/// A short name for a browser from its User-Agent ("Firefox on Linux"), for
/// the list of one's sessions; "Unknown browser" when it says nothing known.
pub fn browser_label(user_agent: &str) -> String {
    let ua = user_agent;
    // Order matters: Edge and Opera also say Chrome; Chrome also says Safari.
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(mark, _)| ua.contains(mark))
    .map(|(_, name)| *name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(mark, _)| ua.contains(mark))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} · {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) => "?".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(browser_label(firefox), "Firefox · Linux");
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
        assert_eq!(browser_label(chrome), "Chrome · Windows");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(browser_label(safari), "Safari · iOS");
        assert_eq!(browser_label(""), "?");
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Ana@Example.COM ").unwrap().as_str(),
            "ana@example.com"
        );
        assert_eq!(Email::parse(""), Err(Code::Required));
        assert_eq!(Email::parse("not-an-email"), Err(Code::InvalidEmail));
        assert_eq!(Email::parse("root@localhost"), Err(Code::InvalidEmail));
        assert_eq!(Email::parse("a@b@example.com"), Err(Code::InvalidEmail));
    }

    #[test]
    fn slugs() {
        assert!(Slug::parse("acme-2").is_ok());
        assert_eq!(Slug::parse("a"), Err(Code::TooShort));
        assert_eq!(Slug::parse("Acme"), Err(Code::InvalidSlug));
        assert_eq!(Slug::parse("-acme"), Err(Code::InvalidSlug));
        assert_eq!(Slug::parse("ac me"), Err(Code::InvalidSlug));
        assert_eq!(Slug::parse(&"a".repeat(64)), Err(Code::TooLong));
    }

    #[test]
    fn names() {
        assert_eq!(AccountName::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert_eq!(AccountName::parse("   "), Err(Code::Required));
        assert_eq!(AccountName::parse("a\u{7}b"), Err(Code::InvalidCharacters));
        assert_eq!(PersonName::parse(&"é".repeat(101)), Err(Code::TooLong));
    }

    #[test]
    fn password_shape() {
        assert_eq!(check_password_shape(""), Err(Code::Required));
        assert_eq!(
            check_password_shape("short-pass1"),
            Err(Code::PasswordTooShort)
        );
        assert!(check_password_shape("long enough pass").is_ok());
        assert_eq!(check_password_shape(&"x".repeat(129)), Err(Code::TooLong));
    }
}
