//! The layers hold (ARCHITECTURE.md): no import circle between the crate's
//! modules, the store depends on the domain only, the domain on nothing,
//! SQL only in the store, and transactions opened and committed only by the
//! services' write helper. Read from the source, so a change that breaks a
//! rule fails here with the file that broke it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).expect("source folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source file");
                out.push((path, text));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&root, &mut out);
    out.into_iter()
        .map(|(p, t)| (p.strip_prefix(&root).expect("under src").to_owned(), t))
        .collect()
}

/// The top-level module a file belongs to (`None`: the crate root).
fn module_of(path: &Path) -> Option<String> {
    let first = path.components().next()?.as_os_str().to_str()?.to_owned();
    let name = first.trim_end_matches(".rs").to_owned();
    (name != "lib").then_some(name)
}

/// The code of a file without its comments and string literals (good enough
/// for this source: no raw strings hold `crate::`).
fn code_only(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a file's code names through `crate::`.
fn references(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// Module → the modules it uses, and for each edge one file that makes it.
fn graph() -> BTreeMap<String, BTreeMap<String, PathBuf>> {
    let mut g: BTreeMap<String, BTreeMap<String, PathBuf>> = BTreeMap::new();
    for (path, text) in sources() {
        let Some(module) = module_of(&path) else {
            continue;
        };
        let entry = g.entry(module.clone()).or_default();
        for used in references(&code_only(&text)) {
            if used != module {
                entry.entry(used).or_insert_with(|| path.clone());
            }
        }
    }
    g
}

#[test]
fn no_import_circle_between_modules() {
    let g = graph();
    // Depth-first search; a module met again on the current path closes a circle.
    fn visit(
        m: &str,
        g: &BTreeMap<String, BTreeMap<String, PathBuf>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Result<(), String> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut circle = path[at..].to_vec();
            circle.push(m.to_owned());
            let hops: Vec<String> = circle
                .windows(2)
                .map(|w| format!("{} → {} ({})", w[0], w[1], g[&w[0]][&w[1]].display()))
                .collect();
            return Err(hops.join(", "));
        }
        if !done.insert(m.to_owned()) {
            return Ok(());
        }
        path.push(m.to_owned());
        for next in g.get(m).into_iter().flat_map(|e| e.keys()) {
            visit(next, g, path, done)?;
        }
        path.pop();
        Ok(())
    }
    let mut done = BTreeSet::new();
    for m in g.keys() {
        if let Err(circle) = visit(m, &g, &mut Vec::new(), &mut done) {
            panic!("import circle: {circle}");
        }
    }
}

fn uses_of(module: &str) -> BTreeMap<String, PathBuf> {
    graph().remove(module).unwrap_or_default()
}

#[test]
fn the_store_depends_on_the_domain_only() {
    let uses = uses_of("store");
    let extra: Vec<_> = uses.iter().filter(|(m, _)| *m != "domain").collect();
    assert!(extra.is_empty(), "the store uses {extra:?}");
}

#[test]
fn the_domain_depends_on_nothing_else() {
    let uses = uses_of("domain");
    assert!(uses.is_empty(), "the domain uses {uses:?}");
}

#[test]
fn the_pieces_every_page_uses_are_not_in_the_shell() {
    let g = graph();
    let users: Vec<_> = g
        .iter()
        .filter(|(m, uses)| *m != "shell" && uses.contains_key("shell"))
        .map(|(m, _)| m.clone())
        .collect();
    assert!(users.is_empty(), "modules that import the shell: {users:?}");
}

/// Files (outside `allowed`) whose code contains `needle`.
fn files_with(needle: &str, allowed: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    sources()
        .into_iter()
        .filter(|(p, t)| !allowed(p) && code_only(t).contains(needle))
        .map(|(p, _)| p)
        .collect()
}

#[test]
fn sql_lives_in_the_store() {
    for needle in ["sqlx::query", "query_as", "PgListener"] {
        let found = files_with(needle, |p| p.starts_with("store"));
        assert!(found.is_empty(), "{needle} outside store/: {found:?}");
    }
}

#[test]
fn only_the_write_helper_opens_and_commits_changes() {
    let helper = |p: &Path| p == Path::new("service/mod.rs");
    for needle in [
        "begin_write(",
        "audit::commit(",
        "pool.begin(",
        "pool().begin(",
        "begin_with(",
    ] {
        let found = files_with(needle, |p| helper(p) || p == Path::new("store/mod.rs"));
        assert!(
            found.is_empty(),
            "{needle} outside the write helper: {found:?}"
        );
    }
    let found = files_with(".commit().await", |p| p == Path::new("store/audit.rs"));
    assert!(
        found.is_empty(),
        "a commit outside store::audit::commit: {found:?}"
    );
}

#[test]
fn the_graph_reader_sees_imports() {
    let r = references("use crate::{domain::X, store::{a, b}};\nlet x = crate::ui::Loading;");
    assert!(
        r.contains("domain") && r.contains("store") && r.contains("ui"),
        "{r:?}"
    );
    assert!(references("use $crate::common;").is_empty());
}
