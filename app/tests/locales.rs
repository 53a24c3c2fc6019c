//! The two catalogues say the same things: every key in both, the same
//! placeholders, and French typography (a space before `:` `;` `?` `!`).

use std::collections::BTreeMap;

fn catalogue(lang: &str) -> BTreeMap<String, String> {
    let path = format!("{}/locales/{lang}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("catalogue")).expect("JSON")
}

fn placeholders(s: &str) -> Vec<String> {
    let mut out: Vec<String> = s
        .split("{{")
        .skip(1)
        .filter_map(|p| p.split("}}").next())
        .map(|p| p.trim().to_owned())
        .collect();
    out.sort();
    out
}

#[test]
fn every_key_is_in_both_languages_with_the_same_placeholders() {
    let (en, fr) = (catalogue("en"), catalogue("fr"));
    let missing_fr: Vec<_> = en.keys().filter(|k| !fr.contains_key(*k)).collect();
    let missing_en: Vec<_> = fr.keys().filter(|k| !en.contains_key(*k)).collect();
    assert!(missing_fr.is_empty(), "missing in fr.json: {missing_fr:?}");
    assert!(missing_en.is_empty(), "missing in en.json: {missing_en:?}");
    for (k, v) in &en {
        assert_eq!(placeholders(v), placeholders(&fr[k]), "placeholders of {k}");
    }
}

#[test]
fn french_puts_a_space_before_double_punctuation() {
    let mut wrong = Vec::new();
    for (k, v) in catalogue("fr") {
        let text: String = v
            .split("{{")
            .map(|p| p.split_once("}}").map_or(p, |(_, rest)| rest))
            .collect();
        let chars: Vec<char> = text.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if matches!(c, ':' | ';' | '?' | '!')
                && i > 0
                && !chars[i - 1].is_whitespace()
                && chars[i - 1] != '\u{202f}'
            {
                // "https://", "12:30" and the URI schemes "sip:" "sips:" are not punctuation.
                let next = chars.get(i + 1).copied().unwrap_or(' ');
                let word: String = chars[..i]
                    .iter()
                    .rev()
                    .take_while(|c| c.is_alphanumeric())
                    .collect();
                if next == '/' || next.is_ascii_digit() || matches!(word.as_str(), "pis" | "spis") {
                    continue;
                }
                wrong.push(format!("{k}: {v}"));
                break;
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "no space before a double punctuation mark:\n{}",
        wrong.join("\n")
    );
}
