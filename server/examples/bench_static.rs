//! The physical limit `make bench` compares Relais with: a bare axum program
//! that answers every request with the same JSON document, read from a file
//! (a path ending in `/resolve` gets RESOLVE_BODY_FILE's, one under `/ofrep/`
//! OFREP_BODY_FILE's after reading the request's body, when given, so each of
//! Relais's calls is compared with an answer of its own size).
//!
//! cargo run --release -p relais-server --example bench_static -- ADDR BODY_FILE [RESOLVE_BODY_FILE [OFREP_BODY_FILE]]

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::header;
use axum::response::IntoResponse;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let addr = args.get(1).expect("ADDR");
    let body = Bytes::from(std::fs::read(args.get(2).expect("BODY_FILE"))?);
    let resolve = match args.get(3) {
        Some(path) => Bytes::from(std::fs::read(path)?),
        None => body.clone(),
    };
    let ofrep = match args.get(4) {
        Some(path) => Bytes::from(std::fs::read(path)?),
        None => body.clone(),
    };
    let app = axum::Router::new().fallback(move |req: Request| {
        let path = req.uri().path();
        let post = path.starts_with("/ofrep/");
        let body = if post {
            ofrep.clone()
        } else if path.ends_with("/resolve") {
            resolve.clone()
        } else {
            body.clone()
        };
        async move {
            if post {
                let _ = axum::body::to_bytes(req.into_body(), 16 * 1024).await;
            }
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
