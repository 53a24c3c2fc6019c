//! The command line (SPEC §5): `serve` (the default), `migrate`, `account`,
//! `user`, `agent`, `token`, `config` and `demo`.

use std::io::Read;

use anyhow::{Context, anyhow};
use clap::{Args, Parser, Subcommand};

use app::domain::{AccountRole, StaffRole, scopes_to_string};
use app::error::AppError;
use app::security::throttle::ThrottleLimits;
use app::service::members::NewUserRole;
use app::service::{Ctx, Links, accounts, agents, invitations, members, tokens, users};
use app::state::AuthSettings;
use app::store::Db;
use app::views::{InviteOutcome, IssuedLink, LinkKind};

use crate::{ServeConfig, Server, default_site_root, shutdown_signal};

/// The default database: a SQLite file under `data/`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:data/relais.db";

#[derive(Debug, Parser)]
#[command(
    name = "relais",
    version,
    about = "Relais: failover configuration for inbound voice agents"
)]
pub struct Cli {
    /// sqlite:PATH or postgres://… (env DATABASE_URL).
    #[arg(long, global = true, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve the UI and the API (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage agents.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Manage runtime API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Configuration as code: export and apply YAML.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Seed a demo: two accounts, staff and customer users, agents, a SIP
    /// connection and a runtime token.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Also Acme's failover actions and two weeks of failover events (what
    /// `serve --demo` seeds).
    #[arg(long)]
    pub history: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "RELAIS_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: String,
    /// Seed the demo first if the database has no account yet.
    #[arg(long)]
    pub demo: bool,
    /// Where users reach the site, e.g. https://relais.example.com: with
    /// https, cookies are Secure and __Host- prefixed and pages send HSTS;
    /// state-changing requests must come from this origin.
    #[arg(long, env = "RELAIS_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<url::Url>,
    /// Proxy hops in front of Relais, counted from the right of
    /// X-Forwarded-For (0: the client is the socket peer).
    #[arg(long, env = "RELAIS_TRUSTED_PROXIES", default_value_t = 0)]
    pub trusted_proxies: u8,
    /// When set, /metrics and the details of /readyz need it as a bearer token.
    #[arg(long, env = "RELAIS_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Minutes without a request before a session ends.
    #[arg(long, env = "RELAIS_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: u64,
    /// Minutes after sign-in before a session ends, whatever the activity.
    #[arg(long, env = "RELAIS_SESSION_LIFETIME_MINUTES", default_value_t = 720)]
    pub session_lifetime_minutes: u64,
    /// Failed sign-ins for one email from one client before each further
    /// one makes that client wait (1 s, doubling, up to 15 min).
    #[arg(long, env = "RELAIS_SIGNIN_FREE_FAILURES", default_value_t = 5)]
    pub signin_free_failures: u32,
    /// Failed sign-ins from one client, whatever the email, before the same.
    #[arg(
        long,
        env = "RELAIS_SIGNIN_FREE_FAILURES_PER_CLIENT",
        default_value_t = 30
    )]
    pub signin_free_failures_per_client: u32,
    /// Local webhook endpoints allowed anyway (development, tests): exact
    /// host:port entries, comma-separated. Plain http is accepted for them.
    #[arg(long, env = "RELAIS_WEBHOOK_ALLOW", value_delimiter = ',')]
    pub webhook_allow: Vec<String>,
    /// Days failover events are kept (0: for ever); older reports are refused.
    #[arg(long, env = "RELAIS_EVENT_RETENTION_DAYS", default_value_t = crate::DEFAULT_EVENT_RETENTION_DAYS)]
    pub event_retention_days: u32,
    /// The last known runtime snapshot, written after changes and served at
    /// start while the database can't be reached ("off": none kept).
    #[arg(
        long,
        env = "RELAIS_SNAPSHOT_FILE",
        default_value = "data/relais-snapshot.bin"
    )]
    pub snapshot_file: String,
    /// Failover event reports accepted per second per runtime token (429 past it).
    #[arg(long, env = "RELAIS_EVENTS_PER_SECOND", default_value_t = crate::DEFAULT_EVENTS_PER_SECOND)]
    pub events_per_second: u32,
    /// OFREP evaluations accepted per second per runtime token (429 past
    /// it); 0: no limit.
    #[arg(long, env = "RELAIS_OFREP_PER_SECOND", default_value_t = 0)]
    pub ofrep_per_second: u32,
    /// Seconds a client may take none of the data sent before its
    /// connection is closed (a change stream nobody reads, a vanished client).
    #[arg(long, env = "RELAIS_SEND_TIMEOUT_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub send_timeout_seconds: u64,
    #[command(flatten)]
    pub mail: MailArgs,
}

/// The SMTP server invitation and password-reset links are e-mailed through.
#[derive(Debug, Args)]
pub struct MailArgs {
    /// smtp://host:25 (plain), smtp://user:pass@host:587?tls=required
    /// (STARTTLS), smtps://host:465; unset: links are only shown.
    #[arg(long, env = "RELAIS_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender, e.g. "Relais <relais@example.com>".
    #[arg(long, env = "RELAIS_MAIL_FROM")]
    pub mail_from: Option<String>,
}

impl MailArgs {
    fn mailer(&self) -> anyhow::Result<Option<app::mail::Mailer>> {
        match self.smtp_url.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(url) => app::mail::Mailer::new(url, self.mail_from.as_deref())
                .map(Some)
                .map_err(|e| anyhow!(e)),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account (failover off).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        slug: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Invite someone to an account: an existing user is added at once; a
    /// new one gets a one-time link (printed; e-mailed when SMTP is set).
    Invite {
        #[arg(long)]
        email: String,
        /// The slug of the account.
        #[arg(long)]
        account: String,
        /// owner, editor or viewer.
        #[arg(long)]
        role: String,
        /// Where the link points, e.g. https://relais.example.com.
        #[arg(long, env = "RELAIS_PUBLIC_URL", value_parser = parse_public_url)]
        public_url: Option<url::Url>,
        #[command(flatten)]
        mail: MailArgs,
    },
    /// Disable a user: their sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled user again.
    Enable {
        #[arg(long)]
        email: String,
    },
    /// Make a one-time password-reset link (24 hours; printed, e-mailed when SMTP is set).
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long, env = "RELAIS_PUBLIC_URL", value_parser = parse_public_url)]
        public_url: Option<url::Url>,
        #[command(flatten)]
        mail: MailArgs,
    },
    /// Create a user; without --password-stdin a password is generated and printed once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// A staff role: admin or csm.
        #[arg(long, conflicts_with_all = ["account", "role"], required_unless_present = "account")]
        staff: Option<String>,
        /// The slug of the account the user belongs to.
        #[arg(long, requires = "role")]
        account: Option<String>,
        /// The role in that account: owner, editor or viewer.
        #[arg(long, requires = "account")]
        role: Option<String>,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Create an agent; prints its id.
    Create {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
        /// inbound or outbound.
        #[arg(long)]
        direction: String,
        /// A supported locale, e.g. fr-FR.
        #[arg(long)]
        language: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a runtime API token; prints it once (only its hash is kept).
    Create {
        #[arg(long)]
        name: String,
        /// runtime:read and/or runtime:events, comma-separated.
        #[arg(long)]
        scope: String,
        /// Bind the token to this account (its slug).
        #[arg(long)]
        account: Option<String>,
    },
    /// Revoke a runtime API token by its id; refused from the next request on.
    Revoke {
        #[arg(long)]
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the default messages, SIP connections, business hours and
    /// agents' failover plans as YAML.
    Export {
        /// Only this account (its slug).
        #[arg(long)]
        account: Option<String>,
    },
    /// Judge a file whole, print what it changes and make the changes; a
    /// file with any error changes nothing.
    Apply {
        /// The YAML file ("-": standard input).
        file: String,
        /// Print what would change; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The user the changes are made as: their roles apply, the audit
        /// log names them.
        #[arg(long = "as", value_name = "EMAIL")]
        as_email: String,
        /// Local webhook endpoints allowed anyway, as for `serve`.
        #[arg(long, env = "RELAIS_WEBHOOK_ALLOW", value_delimiter = ',')]
        webhook_allow: Vec<String>,
    },
}

/// Logs go to stderr, filtered by `RELAIS_LOG` (default `info`); with
/// `RELAIS_LOG_FORMAT=json`, one JSON object per line.
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("RELAIS_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let json = std::env::var("RELAIS_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let _ = if json {
        // One JSON object per line, the event's fields at the top level.
        logs.json().flatten_event(true).try_init()
    } else {
        logs.try_init()
    };
}

/// One clear line for a refused command.
fn explain(e: AppError) -> anyhow::Error {
    anyhow!(app::messages::describe_en(&e))
}

/// The same, for a command naming an account by slug: one that is not there is said so.
fn explain_account(e: AppError) -> anyhow::Error {
    explain(match e {
        AppError::NotFound => {
            app::domain::FieldErrors::single("account", app::domain::Code::UnknownAccount).into()
        }
        other => other,
    })
}

/// The migrated database, for a command acting as `cli`.
async fn open(url: &str) -> anyhow::Result<Ctx> {
    let db = Db::connect(url)
        .await
        .with_context(|| format!("cannot open the database {}", redact(url)))?;
    db.migrate().await.context("cannot migrate the database")?;
    Ok(Ctx::system(db, "cli", None))
}

/// A database URL without its password, for messages.
pub use app::store::redact_url as redact;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = cli.database_url.clone();
    let command = match cli.command {
        Some(c) => c,
        // `relais` alone is `relais serve`, with the same defaults and environment.
        None => {
            use clap::FromArgMatches;
            // A bad value in the environment exits as `relais serve` would.
            let matches =
                ServeArgs::augment_args(clap::Command::new("relais")).get_matches_from(["relais"]);
            Command::Serve(ServeArgs::from_arg_matches(&matches)?)
        }
    };
    match command {
        Command::Serve(args) => serve(&url, args).await,
        Command::Migrate => {
            open(&url).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::Account(AccountCommand::Create { name, slug }) => {
            let ctx = open(&url).await?;
            let account = accounts::create(&ctx, &name, &slug)
                .await
                .map_err(explain)?;
            println!("created account {} ({})", account.slug, account.id);
            Ok(())
        }
        Command::User(command) => user(&url, command).await,
        Command::Agent(AgentCommand::Create {
            account,
            name,
            direction,
            language,
        }) => {
            let ctx = open(&url).await?;
            let agent = agents::create(&ctx, &account, &name, &direction, &language)
                .await
                .map_err(explain_account)?;
            println!("{}", agent.id);
            Ok(())
        }
        Command::Token(command) => token(&url, command).await,
        Command::Config(command) => config(&url, command).await,
        Command::Demo(args) => demo(&url, args).await,
    }
}

/// `relais user …`.
async fn user(url: &str, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create {
            email,
            name,
            staff,
            account,
            role,
            password_stdin,
        } => {
            let role = new_user_role(staff, account, role)?;
            create_user(url, &email, &name, role, password_stdin).await
        }
        UserCommand::Invite {
            email,
            account,
            role,
            public_url,
            mail,
        } => {
            let ctx = open(url).await?.with_links(links(public_url, &mail)?);
            match invitations::invite(&ctx, &account, &email, &role)
                .await
                .map_err(explain_account)?
            {
                InviteOutcome::Added { email } => {
                    println!("{email} already had a user: they are a member of {account} now");
                }
                InviteOutcome::Invited(link) => print_link(&link),
            }
            Ok(())
        }
        UserCommand::Disable { email } => set_disabled(url, &email, true).await,
        UserCommand::Enable { email } => set_disabled(url, &email, false).await,
        UserCommand::ResetPassword {
            email,
            public_url,
            mail,
        } => {
            let ctx = open(url).await?.with_links(links(public_url, &mail)?);
            let id = users::id_by_email(&ctx, &email).await.map_err(explain)?;
            let link = invitations::reset_link(&ctx, &id).await.map_err(explain)?;
            print_link(&link);
            Ok(())
        }
    }
}

/// `relais config export` and `relais config apply`.
async fn config(url: &str, command: ConfigCommand) -> anyhow::Result<()> {
    use app::service::config::{self, ApplyError};
    match command {
        ConfigCommand::Export { account } => {
            let ctx = open(url).await?;
            let yaml = config::export(&ctx, account.as_deref())
                .await
                .map_err(explain_account)?;
            print!("{yaml}");
            Ok(())
        }
        ConfigCommand::Apply {
            file,
            dry_run,
            as_email,
            webhook_allow,
        } => {
            let text = if file == "-" {
                let mut buf = String::new();
                std::io::stdin()
                    .read_to_string(&mut buf)
                    .context("cannot read the file from standard input")?;
                buf
            } else {
                std::fs::read_to_string(&file).with_context(|| format!("cannot read {file}"))?
            };
            let system = open(url).await?;
            let id = users::id_by_email(&system, &as_email)
                .await
                .map_err(explain)?;
            let principal = members::principal(&system.db, &id)
                .await
                .map_err(explain)?
                .ok_or_else(|| {
                    anyhow!("{as_email} is disabled or hasn't accepted their invitation")
                })?;
            let ctx = Ctx::command_line_as(
                system.db,
                principal,
                app::domain::failover::WebhookAllowList(webhook_allow),
            );
            match config::apply(&ctx, &text, dry_run).await {
                Ok(applied) => {
                    for line in &applied.changes {
                        println!("{line}");
                    }
                    let n = applied.changes.len();
                    let what = if n == 1 { "change" } else { "changes" };
                    if n == 0 {
                        println!("no changes: the database already holds this file");
                    } else if applied.dry_run {
                        println!("dry run: {n} {what}, nothing applied");
                    } else {
                        println!("applied {n} {what} as {as_email}");
                    }
                    Ok(())
                }
                Err(ApplyError::Refused(issues)) => {
                    for i in &issues {
                        eprintln!("{i}");
                    }
                    let n = issues.len();
                    Err(anyhow!(
                        "{file} is refused ({n} {}): nothing was changed",
                        if n == 1 { "problem" } else { "problems" }
                    ))
                }
                Err(ApplyError::Interrupted {
                    done,
                    total,
                    what,
                    error,
                }) => Err(anyhow!(
                    "stopped after {done} of {total} changes, at:\n{what}\n{}\n(the {done} before it are made: export again to see where things stand)",
                    app::messages::describe_en(&error)
                )),
                Err(ApplyError::Failed(e)) => Err(explain(e)),
            }
        }
    }
}

/// `relais demo [--history]`: the demo's data, through the services.
async fn demo(url: &str, args: DemoArgs) -> anyhow::Result<()> {
    let ctx = open(url).await?;
    let demo = Ctx::system(ctx.db, "demo", None);
    let seeded = if args.history {
        crate::demo::seed_with_history(&demo).await
    } else {
        crate::demo::seed(&demo).await
    }
    .map_err(explain)?;
    crate::demo::print_sign_in(None, Some(&seeded));
    Ok(())
}

/// Where the command line's links point: `RELAIS_PUBLIC_URL`, else the
/// default address of `relais serve`.
fn links(public_url: Option<url::Url>, mail: &MailArgs) -> anyhow::Result<Links> {
    let base_url = public_url
        .map(|u| u.as_str().trim_end_matches('/').to_owned())
        .unwrap_or_else(|| "http://127.0.0.1:3000".to_owned());
    Ok(Links {
        base_url,
        mailer: mail.mailer()?.map(std::sync::Arc::new),
    })
}

/// A link, printed once: its use, who it is for, until when.
fn print_link(link: &IssuedLink) {
    let what = match link.kind {
        LinkKind::Invitation => "invitation",
        LinkKind::PasswordReset => "password-reset link",
    };
    println!(
        "{what} for {} (valid until {}):\n{}",
        link.email,
        app::time_fmt::utc(link.expires_at),
        link.url
    );
    match link.emailed {
        Some(true) => println!("e-mailed to {}", link.email),
        Some(false) => eprintln!("the e-mail could not be sent: pass the link on yourself"),
        None => {}
    }
}

async fn set_disabled(url: &str, email: &str, disabled: bool) -> anyhow::Result<()> {
    let ctx = open(url).await?;
    let id = users::id_by_email(&ctx, email).await.map_err(explain)?;
    users::set_disabled(&ctx, &id, disabled)
        .await
        .map_err(explain)?;
    println!(
        "{email} is {}",
        if disabled { "disabled" } else { "enabled" }
    );
    Ok(())
}

/// The role of `relais user create`: a staff role, or a role in one account.
fn new_user_role(
    staff: Option<String>,
    account: Option<String>,
    role: Option<String>,
) -> anyhow::Result<NewUserRole> {
    Ok(match (staff, account, role) {
        (Some(s), _, _) => NewUserRole::Staff(
            StaffRole::parse(&s).map_err(|_| anyhow!("--staff must be admin or csm"))?,
        ),
        (None, Some(account_slug), Some(r)) => NewUserRole::Member {
            account_slug,
            role: AccountRole::parse(&r)
                .map_err(|_| anyhow!("--role must be owner, editor or viewer"))?,
        },
        _ => {
            return Err(anyhow!(
                "give --staff ROLE, or --account SLUG with --role ROLE"
            ));
        }
    })
}

/// `relais user create`: the password from standard input, or generated and printed once.
async fn create_user(
    url: &str,
    email: &str,
    name: &str,
    role: NewUserRole,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let (password, generated) = if password_stdin {
        let mut buf = String::new();
        std::io::stdin()
            .read_to_string(&mut buf)
            .context("cannot read the password from standard input")?;
        (buf.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (generate_password(), true)
    };
    let ctx = open(url).await?;
    let (id, email) = members::create_user(&ctx, email, name, &password, role)
        .await
        .map_err(explain)?;
    println!("created user {} ({id})", email.as_str());
    if generated {
        println!("password (shown once): {password}");
    }
    Ok(())
}

/// `relais token create` and `relais token revoke`.
async fn token(url: &str, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create {
            name,
            scope,
            account,
        } => {
            let ctx = open(url).await?;
            let (row, secret) = tokens::create(&ctx, &name, &scope, account.as_deref())
                .await
                .map_err(explain)?;
            eprintln!(
                "created token {} ({}, {}{}); it is shown once:",
                row.name,
                row.id,
                scopes_to_string(&row.scopes),
                row.account_slug
                    .as_deref()
                    .map(|s| format!(", account {s}"))
                    .unwrap_or_default()
            );
            println!("{secret}");
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            let ctx = open(url).await?;
            let row = tokens::revoke(&ctx, &id).await.map_err(explain)?;
            println!("revoked token {} ({})", row.name, row.id);
            Ok(())
        }
    }
}

/// A random password of 20 characters from an unambiguous alphabet (~115 bits).
pub fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// `RELAIS_PUBLIC_URL`: an http or https address with a host.
fn parse_public_url(raw: &str) -> Result<url::Url, String> {
    let u = url::Url::parse(raw.trim()).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err(
            "an http:// or https:// address with a host, e.g. https://relais.example.com".into(),
        );
    }
    Ok(u)
}

async fn serve(url: &str, args: ServeArgs) -> anyhow::Result<()> {
    let config = ServeConfig {
        database_url: url.to_owned(),
        addr: args
            .addr
            .parse()
            .with_context(|| format!("--addr: not an address: {}", args.addr))?,
        site_root: default_site_root(),
        auth: AuthSettings {
            idle_timeout: std::time::Duration::from_secs(args.session_idle_minutes * 60),
            absolute_lifetime: std::time::Duration::from_secs(args.session_lifetime_minutes * 60),
            public_url: args.public_url,
            trusted_proxies: args.trusted_proxies,
            metrics_token: args.metrics_token.filter(|t| !t.is_empty()),
            throttle: ThrottleLimits {
                free_failures_per_email: args.signin_free_failures,
                free_failures_per_client: args.signin_free_failures_per_client,
            },
        },
        webhook_allow_list: app::domain::failover::WebhookAllowList(args.webhook_allow),
        event_retention_days: args.event_retention_days,
        events_per_second: args.events_per_second,
        ofrep_per_second: args.ofrep_per_second,
        snapshot_file: match args.snapshot_file.trim() {
            "" | "off" => None,
            path => Some(std::path::PathBuf::from(path)),
        },
        mailer: args.mail.mailer()?,
        send_timeout: std::time::Duration::from_secs(args.send_timeout_seconds),
    };
    let server = Server::bind(&config)
        .await
        .with_context(|| format!("cannot start on {} with {}", config.addr, redact(url)))?;
    let seeded = if args.demo {
        let demo = Ctx::system(
            server.state.db.clone(),
            "demo",
            Some(server.state.runtime.clone()),
        );
        crate::demo::seed_if_empty(&demo).await.map_err(explain)?
    } else {
        None
    };
    let addr = server.local_addr();
    println!("Relais is listening on http://{addr}");
    if args.demo {
        crate::demo::print_sign_in(Some(addr), seeded.as_ref());
    }
    server.run(shutdown_signal()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("sqlite:data/relais.db"), "sqlite:data/relais.db");
        assert_eq!(
            redact("postgres://h/db?sslmode=require&password=secret"),
            "postgres://h/db?sslmode=require&password=***"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn generated_passwords_pass_the_rule() {
        let p = generate_password();
        assert_eq!(p.len(), 20);
        assert!(app::security::password::check_new_password(&p, &[]).is_ok());
    }
}
