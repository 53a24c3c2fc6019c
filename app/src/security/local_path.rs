//! Where a browser may be sent back to: a path of this site only (no open
//! redirect), after sign-in (`next`) and after a form post (the `Referer`).

/// Only a path of this site is followed after sign-in (no open redirect):
/// printable ASCII only (a browser drops a tab or a newline, turning `/\t/x`
/// into `//x`), no backslash (browsers read it as `/`), neither `//` nor its
/// percent-encoded form at the start, and resolved against an origin it must
/// not leave. Anything else: the role's home.
pub fn safe_next(next: Option<String>) -> Option<String> {
    const ORIGIN: &str = "http://relais.invalid";
    let next = next?;
    let printable = next.bytes().all(|b| b.is_ascii_graphic());
    let decoded = percent_encoding::percent_decode_str(&next).decode_utf8_lossy();
    let plain = |s: &str| {
        s.starts_with('/') && !s.starts_with("//") && !s.contains('\\') && !s.starts_with("/api/")
    };
    if !(printable && plain(&next) && plain(&decoded)) {
        return None;
    }
    let base = url::Url::parse(ORIGIN).ok()?;
    let joined = base.join(&next).ok()?;
    if joined.origin() != base.origin() {
        return None;
    }
    let local = &joined.as_str()[ORIGIN.len()..];
    plain(local).then(|| local.to_owned())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_must_be_local() {
        assert_eq!(
            safe_next(Some("/accounts/acme".into())).as_deref(),
            Some("/accounts/acme")
        );
        assert_eq!(
            safe_next(Some("/accounts?page=2#x".into())).as_deref(),
            Some("/accounts?page=2#x")
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "https:evil.example",
            "/\\evil.example",
            "/\tevil",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "/\u{3000}/evil.example",
            "/\u{ff0f}evil.example",
            "/é/evil",
            " /evil",
            "evil.example",
            "",
            "/api/sign_out",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(Some(bad.into())), None, "{bad:?}");
        }
        assert_eq!(safe_next(None), None);
    }
}
