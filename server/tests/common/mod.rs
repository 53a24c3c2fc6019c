//! Test harness: a real Relais on a random port with a fresh database (a
//! SQLite file, or a new PostgreSQL database), driven over real HTTP.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use app::store::Db;
use relais_server::{ServeConfig, Server};
use sqlx::Connection;
use tokio::sync::oneshot;

pub use relais_server::demo::DEMO_PASSWORD;

/// The operator's token the test servers are started with (`/metrics`, the
/// details of `/readyz`).
pub const METRICS_TOKEN: &str = "test-metrics-token";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(Backend)` once on SQLite and once on PostgreSQL.
/// The PostgreSQL runs are reported as ignored unless asked for (`cargo test
/// -- --include-ignored`, as `make test` does); asked for without a
/// PostgreSQL, they fail.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs PostgreSQL: RELAIS_TEST_POSTGRES_URL (make test starts one)"]
            async fn postgres() {
                $crate::common::require_postgres();
                super::$name($crate::common::Backend::Postgres).await
            }
        }
    )*};
}

/// The PostgreSQL server tests use (a database is created per test on it).
pub fn postgres_url() -> Option<String> {
    std::env::var("RELAIS_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Fails a PostgreSQL test that was asked for without a PostgreSQL server.
pub fn require_postgres() {
    assert!(
        postgres_url().is_some(),
        "RELAIS_TEST_POSTGRES_URL is not set: `make test` starts a PostgreSQL for these tests"
    );
}

/// Polls `check` every 10 ms until it gives a value, and returns it with how
/// long that took; fails the test, saying `what` never happened, once
/// `deadline` has passed.
pub async fn eventually<T>(
    deadline: std::time::Duration,
    what: &str,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> (T, std::time::Duration) {
    let started = std::time::Instant::now();
    loop {
        if let Some(v) = check().await {
            return (v, started.elapsed());
        }
        assert!(
            started.elapsed() < deadline,
            "{what}: not within {deadline:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// The services as the command line uses them (actor `label`), on `db`.
pub fn system(db: &Db, label: &'static str) -> app::service::Ctx {
    app::service::Ctx::system(db.clone(), label, None)
}

/// A fresh, empty database: a SQLite file removed on drop, or a PostgreSQL
/// database dropped then.
pub struct TestDb {
    pub url: String,
    file_dir: Option<PathBuf>,
    /// The server's admin URL and the database's name.
    pg_database: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.file_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = self.pg_database.take() {
            // Drop runs on an async thread: the drop gets a thread and a runtime of its own.
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let dropped = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    let mut conn = sqlx::AnyConnection::connect(&admin).await?;
                    sqlx::query::<sqlx::Any>(&sql).execute(&mut conn).await?;
                    conn.close().await
                })
            })
            .join();
            if let Ok(Err(e)) = dropped {
                eprintln!("could not drop the test database {name}: {e}");
            }
        }
    }
}

impl TestDb {
    /// A database the test manages itself.
    pub fn external(url: String) -> TestDb {
        TestDb {
            url,
            file_dir: None,
            pg_database: None,
        }
    }

    /// The same database, for a second instance (not removed on its drop).
    pub fn share(&self) -> TestDb {
        TestDb::external(self.url.clone())
    }
}

/// A PostgreSQL server of a test's own (initdb + pg_ctl on a free port), so
/// that the test may stop and start it.
pub struct PgCluster {
    dir: PathBuf,
    bindir: PathBuf,
    pub port: u16,
}

impl PgCluster {
    fn as_postgres(&self, program: &str) -> std::process::Command {
        let path = self.bindir.join(program);
        // initdb and postgres refuse to run as root.
        if rustix::process::geteuid().is_root() {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            std::process::Command::new(path)
        }
    }

    pub fn create() -> PgCluster {
        let bindir = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is installed under /usr/lib/postgresql")
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .filter(|p| p.join("initdb").exists())
            .max()
            .expect("initdb");
        let dir =
            std::env::temp_dir().join(format!("relais-pgc-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = PgCluster { dir, bindir, port };
        if rustix::process::geteuid().is_root() {
            let ok = std::process::Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&cluster.dir)
                .status()
                .expect("chown");
            assert!(ok.success());
        }
        let out = cluster
            .as_postgres("initdb")
            .arg("-D")
            .arg(cluster.dir.join("data"))
            .args(["-U", "postgres", "-A", "trust", "--no-sync"])
            .output()
            .expect("initdb");
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        cluster.start();
        cluster
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn start(&self) {
        let out = self
            .as_postgres("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .arg("-w")
            .arg("-o")
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                self.port,
                self.dir.display()
            ))
            .arg("start")
            .output()
            .expect("pg_ctl start");
        assert!(
            out.status.success(),
            "pg_ctl start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A new cluster, shared, made off the async threads.
    pub async fn shared() -> std::sync::Arc<PgCluster> {
        std::sync::Arc::new(
            tokio::task::spawn_blocking(PgCluster::create)
                .await
                .expect("cluster"),
        )
    }

    /// Stops (`up` false) or starts the server, off the async threads.
    pub async fn set_running(self: &std::sync::Arc<Self>, up: bool) {
        let c = self.clone();
        tokio::task::spawn_blocking(move || if up { c.start() } else { c.stop() })
            .await
            .expect("pg_ctl");
    }

    pub fn stop(&self) {
        let out = self
            .as_postgres("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "fast", "-w", "stop"])
            .output()
            .expect("pg_ctl stop");
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = self
            .as_postgres("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub async fn fresh_db(backend: Backend) -> TestDb {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("relais-test-{unique}"));
            std::fs::create_dir_all(&dir).expect("temp dir");
            TestDb {
                url: format!("sqlite:{}", dir.join("relais.db").display()),
                file_dir: Some(dir),
                pg_database: None,
            }
        }
        Backend::Postgres => {
            let admin = postgres_url().expect("PostgreSQL URL");
            sqlx::any::install_default_drivers();
            let mut conn = sqlx::AnyConnection::connect(&admin)
                .await
                .expect("connect to PostgreSQL");
            let name = format!("relais_t_{unique}");
            sqlx::query::<sqlx::Any>(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let _ = conn.close().await;
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            TestDb {
                url: format!("{base}/{name}"),
                file_dir: None,
                pg_database: Some((admin, name)),
            }
        }
    }
}

/// A running Relais.
pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub db: Db,
    pub backend: Backend,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _db: TestDb,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts Relais with a configuration adjusted by `tweak`.
    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut ServeConfig)) -> TestApp {
        let test_db = fresh_db(backend).await;
        Self::spawn_on(backend, test_db, tweak).await
    }

    /// Starts Relais on a database made by the caller (another instance may share it).
    pub async fn spawn_on(
        backend: Backend,
        test_db: TestDb,
        tweak: impl FnOnce(&mut ServeConfig),
    ) -> TestApp {
        Self::spawn_prepared(backend, test_db, tweak, async |_| {}).await
    }

    /// Like `spawn_on`, running `before_run` on the migrated database after
    /// the address is bound and before the server starts.
    pub async fn spawn_prepared(
        backend: Backend,
        test_db: TestDb,
        tweak: impl FnOnce(&mut ServeConfig),
        before_run: impl AsyncFnOnce(&Db),
    ) -> TestApp {
        // Server warnings and errors, shown with the output of a failing test.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(std::env::var("RELAIS_TEST_LOG").unwrap_or_else(|_| "warn".into()))
            .try_init();
        let mut config = ServeConfig::for_database(&test_db.url);
        config.auth.metrics_token = Some(METRICS_TOKEN.to_owned());
        tweak(&mut config);
        let server = Server::bind(&config).await.expect("server starts");
        let addr = server.local_addr();
        let db = server.state.db.clone();
        before_run(&db).await;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .run(async {
                    let _ = rx.await;
                })
                .await
                .expect("server runs");
        });
        TestApp {
            addr,
            base: format!("http://{addr}"),
            db,
            backend,
            shutdown: Some(tx),
            task: Some(task),
            _db: test_db,
        }
    }

    /// Two instances on one new PostgreSQL database, the demo seeded.
    pub async fn two_instances_with_demo() -> (TestApp, TestApp) {
        require_postgres();
        let db = fresh_db(Backend::Postgres).await;
        let shared = db.share();
        let a = TestApp::spawn_on(Backend::Postgres, db, |_| {}).await;
        relais_server::demo::seed(&a.system("demo")).await.unwrap();
        let b = TestApp::spawn_on(Backend::Postgres, shared, |_| {}).await;
        (a, b)
    }

    /// Spawns and seeds the demo (accounts acme and globex, their users).
    pub async fn with_demo(backend: Backend) -> TestApp {
        let app = Self::spawn(backend).await;
        relais_server::demo::seed(&app.system("demo"))
            .await
            .expect("demo seeds");
        app
    }

    /// The runtime document of `agent`, which must be served (200).
    pub async fn doc(&self, token: &str, agent: &str) -> serde_json::Value {
        let res = self
            .runtime_get(Some(token), &format!("/agents/{agent}/failover"))
            .await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    /// Reports a failover event with `token`.
    pub async fn post_event(&self, token: &str, body: &serde_json::Value) -> reqwest::Response {
        reqwest::Client::new()
            .post(self.url("/api/runtime/v1/failover-events"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// A GET of an operator's endpoint, with the metrics token.
    async fn operator_get(&self, path: &str) -> reqwest::Response {
        reqwest::Client::new()
            .get(self.url(path))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap()
    }

    /// The Prometheus metrics.
    pub async fn metrics(&self) -> String {
        self.operator_get("/metrics").await.text().await.unwrap()
    }

    /// What `/readyz` says to the operator.
    pub async fn readyz(&self) -> serde_json::Value {
        self.operator_get("/readyz").await.json().await.unwrap()
    }

    /// The id of the agent `name` of the account `slug`.
    pub async fn agent_id(&self, slug: &str, name: &str) -> String {
        let account = app::store::accounts::find_by_slug(self.db.pool(), slug)
            .await
            .expect("accounts")
            .expect("account");
        app::store::agents::list_by_account(self.db.pool(), &account.id)
            .await
            .expect("agents")
            .into_iter()
            .find(|a| a.name == name)
            .expect("agent")
            .id
    }

    /// Switches failover of `slug` as `c` (who may), with a reason and the confirmation.
    pub async fn switched(&self, c: &reqwest::Client, slug: &str, on: bool) {
        let res = switch(self, c, slug, on, "test", true).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }

    /// Acting as the command line does (actor `label`), on this app's database.
    pub fn system(&self, label: &'static str) -> app::service::Ctx {
        system(&self.db, label)
    }

    /// Waits until the runtime snapshot holds every change committed so far.
    pub async fn wait_synced(&self) {
        let want = app::store::changes::current(self.db.pool())
            .await
            .expect("change counter");
        eventually(
            std::time::Duration::from_secs(10),
            &format!("the snapshot catching up with change {want}"),
            async || {
                let res = reqwest::Client::new()
                    .get(self.url("/readyz"))
                    .bearer_auth(METRICS_TOKEN)
                    .send()
                    .await
                    .expect("readyz");
                if res.status() != 200 {
                    return None;
                }
                let v: serde_json::Value = res.json().await.expect("json");
                (v["snapshot"]["sequence"].as_i64().unwrap_or(0) >= want).then_some(())
            },
        )
        .await;
    }

    /// A runtime token with these scopes (comma-separated), optionally bound
    /// to an account, usable at once.
    pub async fn token(&self, scopes: &str, account: Option<&str>) -> String {
        let (_, secret) =
            app::service::tokens::create(&self.system("test"), "test token", scopes, account)
                .await
                .expect("token");
        self.wait_synced().await;
        secret
    }

    /// GET on the runtime API with a bearer token.
    pub async fn runtime_get(&self, token: Option<&str>, path: &str) -> reqwest::Response {
        let mut req = reqwest::Client::new()
            .get(self.url(&format!("/api/runtime/v1{path}")))
            .timeout(std::time::Duration::from_secs(30));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    /// A browser-like client with its own cookie jar that doesn't follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            // A server that stops answering fails the test instead of hanging it.
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("client")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Calls a server function the way the hydrated page does (form-encoded,
    /// JSON answer, same-origin).
    pub async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("accept", "application/json")
            .header("origin", &self.base)
            .header("sec-fetch-site", "same-origin")
            .form(form)
            .send()
            .await
            .expect("request")
    }

    pub async fn sign_in(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        self.call(
            client,
            "sign_in",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// A client signed in as `email` with the demo password.
    pub async fn signed_in(&self, email: &str) -> reqwest::Client {
        let c = self.client();
        let res = self.sign_in(&c, email, DEMO_PASSWORD).await;
        assert_eq!(res.status(), 200, "sign-in of {email}");
        c
    }

    /// A page's HTML as `client` gets it, without Leptos' `<!>` markers.
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> String {
        let res = client.get(self.url(path)).send().await.expect("request");
        assert_eq!(res.status(), 200, "GET {path}");
        res.text().await.expect("body").replace("<!>", "")
    }

    /// The signed-in user as the server sees it (JSON), `null` when none.
    pub async fn whoami(&self, client: &reqwest::Client) -> serde_json::Value {
        let res = self.call(client, "whoami", &[]).await;
        assert_eq!(res.status(), 200);
        res.json().await.expect("json")
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Switches failover of the account `slug`, with a reason and (`confirm`) the
/// confirmation.
pub async fn switch(
    app: &TestApp,
    c: &reqwest::Client,
    slug: &str,
    on: bool,
    reason: &str,
    confirm: bool,
) -> reqwest::Response {
    let mut form = vec![
        ("slug", slug),
        ("enabled", if on { "true" } else { "false" }),
        ("reason", reason),
    ];
    if confirm {
        form.push(("confirm", "on"));
    }
    app.call(c, "accounts/failover", &form).await
}

/// Saves a say-message action for `agent` as the revision after `base`.
pub async fn say(
    app: &TestApp,
    c: &reqwest::Client,
    agent: &str,
    base: i64,
    text: &str,
) -> reqwest::Response {
    let base = base.to_string();
    app.call(
        c,
        "failover/save",
        &[
            ("agent_id", agent),
            ("base_revision", &base),
            ("draft[action_type]", "say_message"),
            ("draft[text]", text),
            ("draft[language]", "fr-FR"),
        ],
    )
    .await
}

/// The UTC date `n` days ago, `YYYY-MM-DD`.
pub fn days_ago(n: i64) -> String {
    (time::OffsetDateTime::now_utc() - time::Duration::days(n))
        .date()
        .to_string()
}

/// A transfer step of a plan's form: to `number`, 20 s of ring, `only_when`
/// (`open:<schedule id>`, empty for always).
pub fn step_transfer(number: &str, only_when: String) -> app::domain::plan::StepDraft {
    app::domain::plan::StepDraft {
        action: app::domain::failover::FailoverDraft {
            action_type: "transfer".into(),
            transfer_target: "phone".into(),
            phone_number: number.into(),
            max_ring_seconds: "20".into(),
            ..Default::default()
        },
        only_when,
    }
}

/// A say-message step that always runs, in French.
pub fn step_say(text: &str) -> app::domain::plan::StepDraft {
    app::domain::plan::StepDraft {
        action: app::domain::failover::FailoverDraft {
            action_type: "say_message".into(),
            text: text.into(),
            language: "fr-FR".into(),
            ..Default::default()
        },
        only_when: String::new(),
    }
}

/// Acme's "Front desk": weekdays 09:00–18:00 in Paris, closed on Christmas Day.
pub async fn front_desk(ctx: &app::service::Ctx) -> app::store::schedules::ScheduleRow {
    use app::domain::schedule::{ClosureDraft, IntervalDraft, ScheduleDraft};
    app::service::schedules::create(
        ctx,
        "acme",
        &ScheduleDraft {
            name: "Front desk".into(),
            timezone: "Europe/Paris".into(),
            weekly: (0..7)
                .map(|d| {
                    if d < 5 {
                        vec![IntervalDraft {
                            start: "09:00".into(),
                            end: "18:00".into(),
                        }]
                    } else {
                        vec![]
                    }
                })
                .collect(),
            closures: vec![ClosureDraft {
                from: "2026-12-25".into(),
                to: String::new(),
                label: "Noël".into(),
            }],
        },
    )
    .await
    .expect("schedule")
}

/// A plain HTML form post (no JavaScript) from the page `from`, as a
/// browser sends it: the answer is a redirect, whose target this returns.
pub async fn form_post(
    app: &TestApp,
    c: &reqwest::Client,
    endpoint: &str,
    from: &str,
    form: &[(&str, &str)],
) -> String {
    let res = c
        .post(app.url(&format!("/api/{endpoint}")))
        .header("accept", "text/html,application/xhtml+xml")
        .header("origin", &app.base)
        .header("sec-fetch-site", "same-origin")
        .header("referer", app.url(from))
        .form(form)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 302, "{endpoint}");
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// Runs the `relais` binary on `url` with `args`, `stdin` written to it,
/// and `env` set; returns its output.
#[allow(dead_code)]
pub fn run_relais(
    url: &str,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_relais"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("relais runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}
