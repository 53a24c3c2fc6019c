//! The physical limit `make bench` compares Relais with: a bare axum program
//! that answers every request with the same JSON document, read from a file
//! (a path ending in `/resolve` gets RESOLVE_BODY_FILE's, one under `/ofrep/`
//! OFREP_BODY_FILE's after reading the request's body, when given, so each of
//! Relais's calls is compared with an answer of its own size).
//!
//! With `BENCH_STATIC_IDS` naming a file of agent ids (one per line), the
//! program is keyed instead: each id gets its own copy of each answer, found
//! by the id in the path (or the OFREP body's `targetingKey`) in a hash map,
//! as Relais finds its documents. Serving 100,000 answers spread over memory
//! costs cache misses one hot body never has; the keyed limit shows how much
//! of Relais's distance to the bare program is that, and how much is its own.
//!
//! cargo run --release -p relais-server --example bench_static -- ADDR BODY_FILE [RESOLVE_BODY_FILE [OFREP_BODY_FILE]]

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The three answers, for one id or for all.
#[derive(Clone)]
struct Answers {
    get: Bytes,
    resolve: Bytes,
    ofrep: Bytes,
}

impl Answers {
    /// Copies of its own, in allocations of their own.
    fn copy(&self) -> Answers {
        Answers {
            get: Bytes::from(self.get.to_vec()),
            resolve: Bytes::from(self.resolve.to_vec()),
            ofrep: Bytes::from(self.ofrep.to_vec()),
        }
    }
}

enum Table {
    One(Answers),
    Keyed(HashMap<Box<str>, Answers>),
}

impl Table {
    /// `id` is only looked at when keyed: one body costs no parsing.
    fn find<'a>(&self, id: impl FnOnce() -> &'a str) -> Option<&Answers> {
        match self {
            Table::One(answers) => Some(answers),
            Table::Keyed(map) => map.get(id()),
        }
    }
}

/// The id in `/api/runtime/v1/agents/{id}/failover[/resolve]`.
fn path_id(path: &str) -> &str {
    path.split('/').nth(5).unwrap_or("")
}

/// The `targetingKey` of an OFREP body, found without parsing the JSON.
fn targeting_key(body: &[u8]) -> &str {
    const KEY: &[u8] = b"\"targetingKey\":\"";
    let Some(at) = body.windows(KEY.len()).position(|w| w == KEY) else {
        return "";
    };
    let rest = &body[at + KEY.len()..];
    let end = rest.iter().position(|b| *b == b'"').unwrap_or(0);
    std::str::from_utf8(&rest[..end]).unwrap_or("")
}

fn answer(found: Option<&Answers>, pick: fn(&Answers) -> &Bytes) -> Response {
    match found {
        Some(answers) => (
            [(header::CONTENT_TYPE, "application/json")],
            pick(answers).clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let addr = args.get(1).expect("ADDR");
    let get = Bytes::from(std::fs::read(args.get(2).expect("BODY_FILE"))?);
    let read_or = |i: usize| -> anyhow::Result<Bytes> {
        Ok(match args.get(i) {
            Some(path) => Bytes::from(std::fs::read(path)?),
            None => get.clone(),
        })
    };
    let answers = Answers {
        resolve: read_or(3)?,
        ofrep: read_or(4)?,
        get: get.clone(),
    };
    let table = match std::env::var_os("BENCH_STATIC_IDS") {
        Some(path) => Table::Keyed(
            std::fs::read_to_string(path)?
                .lines()
                .filter(|l| !l.is_empty())
                .map(|id| (Box::from(id), answers.copy()))
                .collect(),
        ),
        None => Table::One(answers),
    };
    let table = Arc::new(table);
    let app = axum::Router::new().fallback(move |req: Request| {
        let table = table.clone();
        async move {
            let path = req.uri().path();
            if path.starts_with("/ofrep/") {
                let body = axum::body::to_bytes(req.into_body(), 16 * 1024)
                    .await
                    .unwrap_or_default();
                answer(table.find(|| targeting_key(&body)), |a| &a.ofrep)
            } else if path.ends_with("/resolve") {
                answer(table.find(|| path_id(path)), |a| &a.resolve)
            } else {
                answer(table.find(|| path_id(path)), |a| &a.get)
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
