//! Runtime API tokens: the scopes a token may carry.

use super::Code;
use serde::{Deserialize, Serialize};

/// A scope a token may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    RuntimeRead,
    RuntimeEvents,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::RuntimeRead, Scope::RuntimeEvents];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::RuntimeRead => "runtime:read",
            Scope::RuntimeEvents => "runtime:events",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// Parses `runtime:read,runtime:events`; refuses empty lists and unknown scopes.
    pub fn parse_list(s: &str) -> Result<Vec<Scope>, Code> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let scope = Scope::parse(part).ok_or(Code::InvalidChoice)?;
            if !out.contains(&scope) {
                out.push(scope);
            }
        }
        if out.is_empty() {
            return Err(Code::Required);
        }
        Ok(out)
    }
}

pub fn scopes_to_string(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_lists() {
        assert_eq!(
            Scope::parse_list("runtime:read, runtime:events,runtime:read"),
            Ok(vec![Scope::RuntimeRead, Scope::RuntimeEvents])
        );
        assert_eq!(Scope::parse_list(""), Err(Code::Required));
        assert_eq!(Scope::parse_list("runtime:write"), Err(Code::InvalidChoice));
    }
}
