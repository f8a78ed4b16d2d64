//! Start-up configuration: the reference server's environment variables (same
//! names, same meanings) plus this server's own settings, read from the process
//! environment and a `.env` file.
//!
//! The reference compares its switches with exact strings (`INSECURE == "true"`,
//! `REQUIRE_AUTH_KEY === "false"`, `USE_BACKEND === "true"`); a value it would
//! silently read as "the other one" (`True`, `yes`, `1`) is refused here with an
//! error naming the variable, so a typo cannot flip TLS or authentication.
//!
//! One deliberate difference: the reference crashes at start-up when neither
//! `INSECURE=true` nor a key and certificate are given. With no TLS settings at
//! all this server starts in plain mode and says so; `INSECURE=false` without
//! the files is still an error.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use crate::room::Levels;

mod settings;
mod unknown;
mod urls;

pub use unknown::{Unknown, unknown_vars};

/// Where the key and certificate PEM files are (`SERVER_KEY`, `SERVER_CERT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The private key (`SERVER_KEY`).
    pub key: PathBuf,
    /// The certificate chain (`SERVER_CERT`).
    pub cert: PathBuf,
}

/// How the match thread is placed on the CPUs (`SPECTRA_PIN_CORE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pinning {
    /// Never pin.
    Off,
    /// Pin to the last core when the machine has more than one.
    Auto,
    /// Pin to this core index.
    Core(usize),
}

/// The organisation backend and the external services of the reference
/// (`USE_BACKEND` and the URLs/tokens it reads). Only read by the backend
/// clients; kept verbatim.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackendConfig {
    /// Observer keys, matches, playercams and stats go to the external
    /// services, and the support-package and Discord sign-in routes exist
    /// (`USE_BACKEND`, exactly `true`).
    pub use_backend: bool,
    /// The organisation backend: key validation and match sync (`BACKEND_URL`).
    pub backend_url: Option<String>,
    /// Sent as `X-User-Token` on every organisation-backend call (`BACKEND_TOKEN`).
    pub backend_token: Option<String>,
    /// Where an organisation's supporter status is asked for (`SUPPORTER_CHECK_URL`).
    pub supporter_check_url: Option<String>,
    /// The playercam service: name overrides and playercams (`PLAYERCAM_URL`).
    pub playercam_url: Option<String>,
    /// The stats service: players' tiers at match start (`STATS_BACKEND_URL`).
    pub stats_backend_url: Option<String>,
    /// Sent as `Authentication` on stats calls (`STATS_BACKEND_TOKEN`).
    pub stats_backend_token: Option<String>,
    /// The Tebex store API the support packages come from (`TEBEX_BASE_URL`).
    pub tebex_base_url: Option<String>,
    /// The Tebex store (`TEBEX_STORE_ID`).
    pub tebex_store_id: Option<String>,
    /// The Tebex extension (`TEBEX_EXTENSION_ID`).
    pub tebex_extension_id: Option<String>,
    /// The Discord application of the sign-in (`DISCORD_CLIENT_ID`).
    pub discord_client_id: Option<String>,
    /// Its secret, sent with the token exchange (`DISCORD_CLIENT_SECRET`).
    pub discord_client_secret: Option<String>,
    /// The redirect URI the sign-in was started with (`DISCORD_REDIRECT_URI`).
    pub discord_redirect_uri: Option<String>,
    /// Where the sign-in code is exchanged for a token (`DISCORD_OAUTH_URL`).
    pub discord_oauth_url: Option<String>,
    /// Where the signed-in user is fetched (`DISCORD_USER_URL`).
    pub discord_user_url: Option<String>,
    /// The client link a signed-in user is sent back to, with their id,
    /// name and avatar (`SPECTRA_CLIENT_DEEPLINK`).
    pub spectra_client_deeplink: Option<String>,
}

/// Observer authentication (`REQUIRE_AUTH_KEY`, `AUTH_KEY`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// The reference requires a key unless `REQUIRE_AUTH_KEY` is exactly `false`.
    pub require_auth_key: bool,
    /// The one local key accepted besides the backend's keys.
    pub auth_key: Option<String>,
}

/// What this process is (`SPECTRA_ROLE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The whole server: ingest, match thread, REST, broadcast; with a
    /// Redis URL it also publishes every room's output for edges.
    Origin,
    /// Only the broadcast port (and `/status`), fed by an origin over Redis.
    Edge,
}

/// How log lines are written (`SPECTRA_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One timestamped line of text per record, for people.
    #[default]
    Text,
    /// One JSON object per line (timestamp, level, target, message), for
    /// log shippers that would otherwise have to parse the text.
    Json,
}

impl LogFormat {
    /// Reads `SPECTRA_LOG_FORMAT` alone: the logger is set up before the
    /// rest of the configuration is read, so that its errors are logged in
    /// the format asked for.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<LogFormat, ConfigError> {
        match get(vars, "SPECTRA_LOG_FORMAT") {
            None | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(ConfigError::NotLogFormat {
                value: other.to_owned(),
            }),
        }
    }
}

/// Replay logs (`SPECTRA_REPLAYS`, `SPECTRA_REPLAY_DIR`, `SPECTRA_RECOVER`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayConfig {
    /// Observers' events are logged (`SPECTRA_REPLAYS`, default `true`).
    pub enabled: bool,
    /// Where the logs are written (`SPECTRA_REPLAY_DIR`, default `replays`).
    pub dir: PathBuf,
    /// Matches live at the last stop are rebuilt from the logs at start
    /// (`SPECTRA_RECOVER`, default `true`; needs the logs on).
    pub recover: bool,
}

/// Everything the server needs to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address every listener binds (`SPECTRA_BIND`, default all interfaces as the reference).
    pub bind: IpAddr,
    /// Observer ingest port (`SPECTRA_INGEST_PORT`, default 5100).
    pub ingest_port: u16,
    /// REST port (`SPECTRA_REST_PORT`, default 5101).
    pub rest_port: u16,
    /// Overlay broadcast port (`SPECTRA_BROADCAST_PORT`, default 5200).
    pub broadcast_port: u16,
    /// `None`: plain HTTP/WebSocket on all three ports.
    pub tls: Option<TlsFiles>,
    /// Observer authentication.
    pub auth: AuthConfig,
    /// The organisation backend and external services.
    pub backend: BackendConfig,
    /// Replay logs.
    pub replay: ReplayConfig,
    /// Match thread placement.
    pub pin_core: Pinning,
    /// Reactor threads serving the broadcast port (`SPECTRA_BROADCAST_SHARDS`,
    /// 1..=26; default one per CPU but one, up to 8): a room's frames are
    /// written by all of them at once.
    pub broadcast_shards: usize,
    /// Largest REST request body (`SPECTRA_REST_MAX_BODY`, default 100 kB as express' json parser).
    pub rest_max_body: usize,
    /// Seconds a graceful stop may take before the process exits anyway (`SPECTRA_SHUTDOWN_SECS`).
    pub shutdown_secs: u64,
    /// Seconds between the stop signal and the closing of connections,
    /// while `/readyz` already answers 503 and everything else is still
    /// served, so that load balancers probing it stop sending clients
    /// before they would be refused (`SPECTRA_DRAIN_SECS`, default 0).
    pub drain_secs: u64,
    /// Seconds between the log's summary lines (connections, matches,
    /// deliveries, drops); 0: none (`SPECTRA_SUMMARY_SECS`, default 60).
    pub summary_secs: u64,
    /// Deflate levels of the broadcast frames (`SPECTRA_STANDALONE_LEVEL`,
    /// `SPECTRA_STREAM_LEVEL`; see [`Levels`] for the defaults and why).
    pub levels: Levels,
    /// Origin or edge (`SPECTRA_ROLE`, default `origin`).
    pub role: Role,
    /// Where room outputs travel between an origin and its edges
    /// (`SPECTRA_REDIS_URL`, `redis://` or `rediss://`); checked, not
    /// connected to.
    pub redis_url: Option<String>,
    /// Text or JSON log lines (`SPECTRA_LOG_FORMAT`, default `text`).
    pub log_format: LogFormat,
    /// Tests only: the match clock moves only when a test sets it
    /// (`SPECTRA_TEST_CLOCK`, default `false`).
    pub test_clock: bool,
}

/// A configuration value that stops start-up; every variant names its variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// A switch must be exactly `true` or `false`.
    NotBoolean {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// A port must be a number from 1 to 65535.
    NotPort {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// A listen address must be an IPv4 or IPv6 address.
    NotAddress {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// A count or size must be a positive whole number.
    NotPositive {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// A core setting is `auto`, `off` or a core index.
    NotCore {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// A compression level is a whole number from 0 to 9.
    NotLevel {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// TLS was asked for (`INSECURE=false`, or one file given) but a file is missing.
    TlsFileMissing {
        /// `SERVER_KEY` or `SERVER_CERT`.
        var: &'static str,
    },
    /// Two ports are the same.
    PortClash {
        /// The first port's variable.
        a: &'static str,
        /// The second port's variable.
        b: &'static str,
        /// The port both name.
        port: u16,
    },
    /// `USE_BACKEND=true` needs the backend's address.
    BackendUrlMissing,
    /// `SPECTRA_ROLE` is `origin` or `edge`.
    NotRole {
        /// The value given.
        value: String,
    },
    /// An edge needs `SPECTRA_REDIS_URL`.
    EdgeWithoutRedis,
    /// `SPECTRA_REDIS_URL` is not a Redis URL.
    BadRedisUrl {
        /// The value given.
        value: String,
        /// The Redis client's complaint.
        why: String,
    },
    /// `SPECTRA_LOG_FORMAT` is `text` or `json`.
    NotLogFormat {
        /// The value given.
        value: String,
    },
    /// A duration in seconds must be a whole number, 0 or more.
    NotSeconds {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// A service URL does not parse as an absolute URL of its kind.
    BadUrl {
        /// The variable.
        var: &'static str,
        /// Its value, any password in it masked.
        value: String,
        /// What is wrong with it.
        why: String,
    },
    /// The `.env` file exists but cannot be read or parsed.
    DotEnv(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NotBoolean { var, value } => {
                write!(f, "{var}={value:?}: expected `true` or `false`")
            }
            ConfigError::NotPort { var, value } => {
                write!(f, "{var}={value:?}: expected a port number from 1 to 65535")
            }
            ConfigError::NotAddress { var, value } => {
                write!(
                    f,
                    "{var}={value:?}: expected an IP address such as 0.0.0.0 or ::"
                )
            }
            ConfigError::NotPositive { var, value } => {
                write!(f, "{var}={value:?}: expected a positive whole number")
            }
            ConfigError::NotCore { var, value } => {
                write!(f, "{var}={value:?}: expected `auto`, `off` or a core index")
            }
            ConfigError::NotLevel { var, value } => write!(
                f,
                "{var}={value:?}: expected a deflate level from 0 (none) to {}",
                Levels::MAX
            ),
            ConfigError::TlsFileMissing { var } => write!(
                f,
                "{var} is not set: TLS needs both SERVER_KEY and SERVER_CERT (or set INSECURE=true for plain mode)"
            ),
            ConfigError::PortClash { a, b, port } => {
                write!(f, "{a} and {b} are both {port}: every port must differ")
            }
            ConfigError::BackendUrlMissing => {
                write!(f, "BACKEND_URL is not set: USE_BACKEND=true needs it")
            }
            ConfigError::NotRole { value } => {
                write!(f, "SPECTRA_ROLE={value:?}: expected `origin` or `edge`")
            }
            ConfigError::EdgeWithoutRedis => write!(
                f,
                "SPECTRA_REDIS_URL is not set: SPECTRA_ROLE=edge gets its rooms from Redis"
            ),
            ConfigError::BadRedisUrl { value, why } => write!(
                f,
                "SPECTRA_REDIS_URL={value:?}: {why} (expected redis://[user:password@]host:port[/db] or rediss://…)"
            ),
            ConfigError::NotLogFormat { value } => {
                write!(f, "SPECTRA_LOG_FORMAT={value:?}: expected `text` or `json`")
            }
            ConfigError::NotSeconds { var, value } => {
                write!(
                    f,
                    "{var}={value:?}: expected a whole number of seconds (0 or more)"
                )
            }
            ConfigError::BadUrl { var, value, why } => write!(f, "{var}={value:?}: {why}"),
            ConfigError::DotEnv(msg) => write!(f, ".env: {msg}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Reads one variable: unset and empty (as `VAR=` in a compose file) are the same.
fn get<'a>(vars: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn owned(vars: &HashMap<String, String>, name: &str) -> Option<String> {
    get(vars, name).map(str::to_owned)
}

fn boolean(vars: &HashMap<String, String>, var: &'static str) -> Result<Option<bool>, ConfigError> {
    match get(vars, var) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(ConfigError::NotBoolean {
            var,
            value: other.to_owned(),
        }),
    }
}

fn port(
    vars: &HashMap<String, String>,
    var: &'static str,
    default: u16,
) -> Result<u16, ConfigError> {
    match get(vars, var) {
        None => Ok(default),
        Some(v) => match v.parse::<u16>() {
            Ok(p) if p != 0 => Ok(p),
            _ => Err(ConfigError::NotPort {
                var,
                value: v.to_owned(),
            }),
        },
    }
}

fn positive(
    vars: &HashMap<String, String>,
    var: &'static str,
    default: u64,
) -> Result<u64, ConfigError> {
    match get(vars, var) {
        None => Ok(default),
        Some(v) => match v.parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(ConfigError::NotPositive {
                var,
                value: v.to_owned(),
            }),
        },
    }
}

fn seconds(
    vars: &HashMap<String, String>,
    var: &'static str,
    default: u64,
) -> Result<u64, ConfigError> {
    match get(vars, var) {
        None => Ok(default),
        Some(v) => v.parse::<u64>().map_err(|_| ConfigError::NotSeconds {
            var,
            value: v.to_owned(),
        }),
    }
}

fn level(
    vars: &HashMap<String, String>,
    var: &'static str,
    default: u32,
) -> Result<u32, ConfigError> {
    match get(vars, var) {
        None => Ok(default),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if n <= Levels::MAX => Ok(n),
            _ => Err(ConfigError::NotLevel {
                var,
                value: v.to_owned(),
            }),
        },
    }
}

/// The variables the configuration is read from: the process environment
/// and `./.env` (the environment wins, as with the reference's `dotenv`),
/// without changing the environment.
pub fn vars() -> Result<HashMap<String, String>, ConfigError> {
    let mut vars: HashMap<String, String> = HashMap::new();
    match dotenvy::dotenv_iter() {
        Ok(iter) => {
            for item in iter {
                let (k, v) = item.map_err(|e| ConfigError::DotEnv(e.to_string()))?;
                vars.insert(k, v);
            }
        }
        Err(e) if e.not_found() => {}
        Err(e) => return Err(ConfigError::DotEnv(e.to_string())),
    }
    for (k, v) in std::env::vars_os() {
        if let (Ok(k), Ok(v)) = (k.into_string(), v.into_string()) {
            vars.insert(k, v);
        }
    }
    Ok(vars)
}

impl Config {
    /// Builds the configuration from a map of variables (the environment merged
    /// with `.env`). Pure, so tests inject maps instead of touching the process
    /// environment.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Config, ConfigError> {
        let bind = match get(vars, "SPECTRA_BIND") {
            None => IpAddr::from([0, 0, 0, 0]),
            Some(v) => v.parse().map_err(|_| ConfigError::NotAddress {
                var: "SPECTRA_BIND",
                value: v.to_owned(),
            })?,
        };
        let ingest_port = port(vars, "SPECTRA_INGEST_PORT", 5100)?;
        let rest_port = port(vars, "SPECTRA_REST_PORT", 5101)?;
        let broadcast_port = port(vars, "SPECTRA_BROADCAST_PORT", 5200)?;
        let ports = [
            ("SPECTRA_INGEST_PORT", ingest_port),
            ("SPECTRA_REST_PORT", rest_port),
            ("SPECTRA_BROADCAST_PORT", broadcast_port),
        ];
        for (i, (a, pa)) in ports.iter().enumerate() {
            for (b, pb) in ports.iter().skip(i + 1) {
                if pa == pb {
                    return Err(ConfigError::PortClash { a, b, port: *pa });
                }
            }
        }

        let tls = Self::tls(vars)?;

        let auth = AuthConfig {
            require_auth_key: boolean(vars, "REQUIRE_AUTH_KEY")?.unwrap_or(true),
            // The key is compared verbatim, so it is not trimmed.
            auth_key: vars.get("AUTH_KEY").filter(|k| !k.is_empty()).cloned(),
        };

        let backend = BackendConfig {
            use_backend: boolean(vars, "USE_BACKEND")?.unwrap_or(false),
            backend_url: owned(vars, "BACKEND_URL"),
            backend_token: owned(vars, "BACKEND_TOKEN"),
            supporter_check_url: owned(vars, "SUPPORTER_CHECK_URL"),
            playercam_url: owned(vars, "PLAYERCAM_URL"),
            stats_backend_url: owned(vars, "STATS_BACKEND_URL"),
            stats_backend_token: owned(vars, "STATS_BACKEND_TOKEN"),
            tebex_base_url: owned(vars, "TEBEX_BASE_URL"),
            tebex_store_id: owned(vars, "TEBEX_STORE_ID"),
            tebex_extension_id: owned(vars, "TEBEX_EXTENSION_ID"),
            discord_client_id: owned(vars, "DISCORD_CLIENT_ID"),
            discord_client_secret: owned(vars, "DISCORD_CLIENT_SECRET"),
            discord_redirect_uri: owned(vars, "DISCORD_REDIRECT_URI"),
            discord_oauth_url: owned(vars, "DISCORD_OAUTH_URL"),
            discord_user_url: owned(vars, "DISCORD_USER_URL"),
            spectra_client_deeplink: owned(vars, "SPECTRA_CLIENT_DEEPLINK"),
        };
        if backend.use_backend && backend.backend_url.is_none() {
            return Err(ConfigError::BackendUrlMissing);
        }

        let replay = ReplayConfig {
            enabled: boolean(vars, "SPECTRA_REPLAYS")?.unwrap_or(true),
            dir: PathBuf::from(get(vars, "SPECTRA_REPLAY_DIR").unwrap_or("replays")),
            recover: boolean(vars, "SPECTRA_RECOVER")?.unwrap_or(true),
        };

        let pin_core = match get(vars, "SPECTRA_PIN_CORE") {
            None | Some("auto") => Pinning::Auto,
            Some("off") => Pinning::Off,
            Some(v) => match v.parse::<usize>() {
                Ok(n) => Pinning::Core(n),
                Err(_) => {
                    return Err(ConfigError::NotCore {
                        var: "SPECTRA_PIN_CORE",
                        value: v.to_owned(),
                    });
                }
            },
        };

        // One per core the match thread (pinned to the last) leaves; on two
        // cores, two writers only slowed a co-located client's reads.
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        let default_shards = cpus.saturating_sub(1).clamp(1, 8) as u64;
        let broadcast_shards = match positive(vars, "SPECTRA_BROADCAST_SHARDS", default_shards)? {
            n @ 1..=26 => n as usize,
            _ => {
                return Err(ConfigError::NotPositive {
                    var: "SPECTRA_BROADCAST_SHARDS",
                    value: format!(
                        "{} (at most 26)",
                        get(vars, "SPECTRA_BROADCAST_SHARDS").unwrap_or("")
                    ),
                });
            }
        };
        let rest_max_body = positive(vars, "SPECTRA_REST_MAX_BODY", 100 * 1024)?;
        let rest_max_body = usize::try_from(rest_max_body).unwrap_or(usize::MAX);
        let shutdown_secs = positive(vars, "SPECTRA_SHUTDOWN_SECS", 5)?;
        let drain_secs = seconds(vars, "SPECTRA_DRAIN_SECS", 0)?;
        let summary_secs = seconds(vars, "SPECTRA_SUMMARY_SECS", 60)?;
        let role = match get(vars, "SPECTRA_ROLE") {
            None | Some("origin") => Role::Origin,
            Some("edge") => Role::Edge,
            Some(other) => {
                return Err(ConfigError::NotRole {
                    value: other.to_owned(),
                });
            }
        };
        let redis_url = owned(vars, "SPECTRA_REDIS_URL");
        if let Some(url) = &redis_url {
            redis::Client::open(url.as_str()).map_err(|e| ConfigError::BadRedisUrl {
                value: url.clone(),
                why: e.to_string(),
            })?;
        } else if role == Role::Edge {
            return Err(ConfigError::EdgeWithoutRedis);
        }
        let defaults = Levels::default();
        let levels = Levels {
            standalone: level(vars, "SPECTRA_STANDALONE_LEVEL", defaults.standalone)?,
            stream: level(vars, "SPECTRA_STREAM_LEVEL", defaults.stream)?,
        };

        Ok(Config {
            bind,
            ingest_port,
            rest_port,
            broadcast_port,
            tls,
            auth,
            backend,
            replay,
            pin_core,
            broadcast_shards,
            rest_max_body,
            shutdown_secs,
            drain_secs,
            summary_secs,
            levels,
            role,
            redis_url,
            log_format: LogFormat::from_vars(vars)?,
            test_clock: boolean(vars, "SPECTRA_TEST_CLOCK")?.unwrap_or(false),
        })
    }

    fn tls(vars: &HashMap<String, String>) -> Result<Option<TlsFiles>, ConfigError> {
        let key = get(vars, "SERVER_KEY");
        let cert = get(vars, "SERVER_CERT");
        let files = |key: Option<&str>, cert: Option<&str>| match (key, cert) {
            (Some(k), Some(c)) => Ok(TlsFiles {
                key: PathBuf::from(k),
                cert: PathBuf::from(c),
            }),
            (None, _) => Err(ConfigError::TlsFileMissing { var: "SERVER_KEY" }),
            (_, None) => Err(ConfigError::TlsFileMissing { var: "SERVER_CERT" }),
        };
        match boolean(vars, "INSECURE")? {
            Some(true) => Ok(None),
            Some(false) => files(key, cert).map(Some),
            // Not said either way: TLS when the files are named, plain otherwise.
            None if key.is_none() && cert.is_none() => Ok(None),
            None => files(key, cert).map(Some),
        }
    }

    /// How long a graceful stop may take (`SPECTRA_SHUTDOWN_SECS`).
    pub fn shutdown_budget(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.shutdown_secs)
    }

    /// How long connections are still served after the stop signal
    /// (`SPECTRA_DRAIN_SECS`).
    pub fn drain(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.drain_secs)
    }

    /// How often the log gets a summary line; `None`: never
    /// (`SPECTRA_SUMMARY_SECS`).
    pub fn summary_every(&self) -> Option<std::time::Duration> {
        (self.summary_secs > 0).then(|| std::time::Duration::from_secs(self.summary_secs))
    }

    /// Settings that are valid but probably not what was meant, one
    /// sentence each (logged at start-up, printed by `check-config`).
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.auth.require_auth_key && self.auth.auth_key.is_none() && !self.backend.use_backend {
            w.push("REQUIRE_AUTH_KEY is on but AUTH_KEY is not set: every observer logon will be refused (set AUTH_KEY, or REQUIRE_AUTH_KEY=false)".to_owned());
        }
        w
    }

    /// One line for the start-up log: the mode and the ports.
    pub fn describe(&self) -> String {
        let mode = match &self.tls {
            None => "plain HTTP/WebSocket (no TLS)".to_owned(),
            Some(t) => format!("TLS (key {}, cert {})", t.key.display(), t.cert.display()),
        };
        // The address only: the URL may carry a password.
        let redis = self
            .redis_url
            .as_deref()
            .and_then(|u| redis::Client::open(u).ok())
            .map(|c| c.get_connection_info().addr().to_string());
        if self.role == Role::Edge {
            return format!(
                "{mode}; edge: REST {bind}:{} (/status), broadcast {bind}:{} ({} shard(s)); rooms from Redis at {}",
                self.rest_port,
                self.broadcast_port,
                self.broadcast_shards,
                redis.unwrap_or_default(),
                bind = self.bind,
            );
        }
        format!(
            "{mode}; ingest {bind}:{}, REST {bind}:{}, broadcast {bind}:{} ({} shard(s)); replays {}{}",
            self.ingest_port,
            self.rest_port,
            self.broadcast_port,
            self.broadcast_shards,
            if self.replay.enabled {
                format!("on in {}", self.replay.dir.display())
            } else {
                "off".to_owned()
            },
            redis.map_or_else(String::new, |r| format!(
                "; room outputs published to Redis at {r}"
            )),
            bind = self.bind,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn no_configuration_starts_plain_on_the_reference_ports() {
        let c = Config::from_vars(&vars(&[])).unwrap();
        assert_eq!(c.tls, None);
        assert_eq!(
            (c.ingest_port, c.rest_port, c.broadcast_port),
            (5100, 5101, 5200)
        );
        assert_eq!(c.bind, IpAddr::from([0, 0, 0, 0]));
        assert!(
            c.auth.require_auth_key,
            "the reference requires a key by default"
        );
        assert_eq!(c.auth.auth_key, None);
        assert!(!c.backend.use_backend);
        assert!(c.replay.enabled && c.replay.recover);
        assert_eq!(c.replay.dir, PathBuf::from("replays"));
        assert_eq!(c.pin_core, Pinning::Auto);
        assert_eq!(c.levels, Levels::default());
        assert_eq!((c.role, c.redis_url.as_deref()), (Role::Origin, None));
        assert_eq!((c.drain_secs, c.log_format), (0, LogFormat::Text));
        assert_eq!(c.summary_every(), Some(std::time::Duration::from_secs(60)));
        let off = Config::from_vars(&vars(&[("SPECTRA_SUMMARY_SECS", "0")])).unwrap();
        assert_eq!(off.summary_every(), None);
        assert!(!c.test_clock);
        assert!(c.describe().contains("plain"));
    }

    #[test]
    fn insecure_true_is_plain_even_with_files() {
        let c = Config::from_vars(&vars(&[
            ("INSECURE", "true"),
            ("SERVER_KEY", "k.pem"),
            ("SERVER_CERT", "c.pem"),
        ]))
        .unwrap();
        assert_eq!(c.tls, None);
    }

    #[test]
    fn insecure_false_needs_both_files() {
        let e = Config::from_vars(&vars(&[("INSECURE", "false"), ("SERVER_CERT", "c.pem")]))
            .unwrap_err();
        assert_eq!(e, ConfigError::TlsFileMissing { var: "SERVER_KEY" });
        assert!(e.to_string().starts_with("SERVER_KEY"));
        let e = Config::from_vars(&vars(&[("INSECURE", "false"), ("SERVER_KEY", "k.pem")]))
            .unwrap_err();
        assert_eq!(e, ConfigError::TlsFileMissing { var: "SERVER_CERT" });
        let c = Config::from_vars(&vars(&[
            ("INSECURE", "false"),
            ("SERVER_KEY", "keys/server.key"),
            ("SERVER_CERT", "keys/server.crt"),
        ]))
        .unwrap();
        assert_eq!(
            c.tls,
            Some(TlsFiles {
                key: "keys/server.key".into(),
                cert: "keys/server.crt".into()
            })
        );
        assert!(c.describe().contains("TLS"));
    }

    #[test]
    fn files_without_insecure_mean_tls_as_in_the_reference() {
        let c = Config::from_vars(&vars(&[("SERVER_KEY", "k"), ("SERVER_CERT", "c")])).unwrap();
        assert!(c.tls.is_some());
        let e = Config::from_vars(&vars(&[("SERVER_KEY", "k")])).unwrap_err();
        assert_eq!(e, ConfigError::TlsFileMissing { var: "SERVER_CERT" });
    }

    #[test]
    fn switches_accept_only_true_or_false() {
        for var in [
            "INSECURE",
            "REQUIRE_AUTH_KEY",
            "USE_BACKEND",
            "SPECTRA_REPLAYS",
            "SPECTRA_TEST_CLOCK",
        ] {
            let e = Config::from_vars(&vars(&[(var, "True")])).unwrap_err();
            assert!(
                matches!(&e, ConfigError::NotBoolean { var: v, value } if *v == var && value == "True"),
                "{e:?}"
            );
            assert!(e.to_string().contains(var), "{e}");
        }
    }

    #[test]
    fn empty_values_are_unset() {
        let c = Config::from_vars(&vars(&[
            ("INSECURE", ""),
            ("REQUIRE_AUTH_KEY", ""),
            ("AUTH_KEY", ""),
            ("SPECTRA_INGEST_PORT", ""),
        ]))
        .unwrap();
        assert_eq!(c.tls, None);
        assert!(c.auth.require_auth_key);
        assert_eq!(c.auth.auth_key, None);
        assert_eq!(c.ingest_port, 5100);
    }

    #[test]
    fn a_key_required_but_not_set_is_warned_about() {
        let c = Config::from_vars(&vars(&[])).unwrap();
        assert_eq!(c.warnings().len(), 1);
        assert!(c.warnings()[0].starts_with("REQUIRE_AUTH_KEY is on but AUTH_KEY is not set"));
        for set in [("AUTH_KEY", "k"), ("REQUIRE_AUTH_KEY", "false")] {
            assert_eq!(
                Config::from_vars(&vars(&[set])).unwrap().warnings(),
                Vec::<String>::new()
            );
        }
    }

    #[test]
    fn auth_key_settings() {
        let c = Config::from_vars(&vars(&[
            ("REQUIRE_AUTH_KEY", "false"),
            ("AUTH_KEY", "DEBUG_REMOVE_ME"),
        ]))
        .unwrap();
        assert!(!c.auth.require_auth_key);
        assert_eq!(c.auth.auth_key.as_deref(), Some("DEBUG_REMOVE_ME"));
    }

    #[test]
    fn bad_ports_are_named() {
        for (var, value) in [
            ("SPECTRA_INGEST_PORT", "0"),
            ("SPECTRA_REST_PORT", "70000"),
            ("SPECTRA_BROADCAST_PORT", "http"),
        ] {
            let e = Config::from_vars(&vars(&[(var, value)])).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("{var}={value:?}: expected a port number from 1 to 65535")
            );
        }
        let e = Config::from_vars(&vars(&[("SPECTRA_REST_PORT", "5100")])).unwrap_err();
        assert_eq!(
            e,
            ConfigError::PortClash {
                a: "SPECTRA_INGEST_PORT",
                b: "SPECTRA_REST_PORT",
                port: 5100
            }
        );
    }

    #[test]
    fn ports_bind_and_replays_are_configurable() {
        let c = Config::from_vars(&vars(&[
            ("SPECTRA_INGEST_PORT", "6100"),
            ("SPECTRA_REST_PORT", "6101"),
            ("SPECTRA_BROADCAST_PORT", "6200"),
            ("SPECTRA_BIND", "127.0.0.1"),
            ("SPECTRA_REPLAYS", "false"),
            ("SPECTRA_REPLAY_DIR", "/var/lib/spectra"),
            ("SPECTRA_RECOVER", "false"),
            ("SPECTRA_PIN_CORE", "3"),
            ("SPECTRA_BROADCAST_SHARDS", "3"),
            ("SPECTRA_REST_MAX_BODY", "2048"),
            ("SPECTRA_STANDALONE_LEVEL", "1"),
            ("SPECTRA_STREAM_LEVEL", "0"),
        ]))
        .unwrap();
        assert_eq!(
            (c.ingest_port, c.rest_port, c.broadcast_port),
            (6100, 6101, 6200)
        );
        assert_eq!(c.bind, IpAddr::from([127, 0, 0, 1]));
        assert!(!c.replay.enabled);
        assert!(!c.replay.recover);
        assert_eq!(c.replay.dir, PathBuf::from("/var/lib/spectra"));
        assert_eq!(c.pin_core, Pinning::Core(3));
        assert_eq!(c.broadcast_shards, 3);
        assert_eq!(c.rest_max_body, 2048);
        assert_eq!(
            c.levels,
            Levels {
                standalone: 1,
                stream: 0
            }
        );
        assert!(c.describe().contains("replays off"));
    }

    #[test]
    fn bad_bind_core_and_sizes_are_named() {
        let e = Config::from_vars(&vars(&[("SPECTRA_BIND", "localhost")])).unwrap_err();
        assert!(e.to_string().starts_with("SPECTRA_BIND="), "{e}");
        let e = Config::from_vars(&vars(&[("SPECTRA_PIN_CORE", "first")])).unwrap_err();
        assert!(e.to_string().starts_with("SPECTRA_PIN_CORE="), "{e}");
        assert_eq!(
            Config::from_vars(&vars(&[("SPECTRA_PIN_CORE", "off")]))
                .unwrap()
                .pin_core,
            Pinning::Off
        );
        let e = Config::from_vars(&vars(&[("SPECTRA_REST_MAX_BODY", "0")])).unwrap_err();
        assert!(e.to_string().starts_with("SPECTRA_REST_MAX_BODY="), "{e}");
        let e = Config::from_vars(&vars(&[("SPECTRA_SHUTDOWN_SECS", "-1")])).unwrap_err();
        assert!(e.to_string().starts_with("SPECTRA_SHUTDOWN_SECS="), "{e}");
        let e = Config::from_vars(&vars(&[("SPECTRA_DRAIN_SECS", "1.5")])).unwrap_err();
        assert!(e.to_string().starts_with("SPECTRA_DRAIN_SECS="), "{e}");
        let c = Config::from_vars(&vars(&[("SPECTRA_DRAIN_SECS", "0")])).unwrap();
        assert_eq!(c.drain(), std::time::Duration::ZERO);
        let e = Config::from_vars(&vars(&[("SPECTRA_LOG_FORMAT", "JSON")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"SPECTRA_LOG_FORMAT="JSON": expected `text` or `json`"#
        );
        let c = Config::from_vars(&vars(&[("SPECTRA_LOG_FORMAT", "json")])).unwrap();
        assert_eq!(c.log_format, LogFormat::Json);
        for bad in ["10", "-1", "fast"] {
            let e = Config::from_vars(&vars(&[("SPECTRA_STREAM_LEVEL", bad)])).unwrap_err();
            assert!(e.to_string().starts_with("SPECTRA_STREAM_LEVEL="), "{e}");
        }
    }

    #[test]
    fn an_edge_needs_a_redis_url_that_parses() {
        let e = Config::from_vars(&vars(&[("SPECTRA_ROLE", "edge")])).unwrap_err();
        assert_eq!(e, ConfigError::EdgeWithoutRedis);
        assert!(e.to_string().starts_with("SPECTRA_REDIS_URL"), "{e}");
        let e = Config::from_vars(&vars(&[("SPECTRA_ROLE", "relay")])).unwrap_err();
        assert!(e.to_string().starts_with("SPECTRA_ROLE="), "{e}");
        let e = Config::from_vars(&vars(&[("SPECTRA_REDIS_URL", "http://x")])).unwrap_err();
        assert!(e.to_string().starts_with("SPECTRA_REDIS_URL="), "{e}");
        let c = Config::from_vars(&vars(&[
            ("SPECTRA_ROLE", "edge"),
            ("SPECTRA_REDIS_URL", "redis://user:pw@10.0.0.2:6380/2"),
        ]))
        .unwrap();
        assert_eq!(c.role, Role::Edge);
        assert!(!c.describe().contains("pw"), "{}", c.describe());
        let c = Config::from_vars(&vars(&[("SPECTRA_REDIS_URL", "rediss://cache:6379")])).unwrap();
        assert_eq!(c.role, Role::Origin);
        assert_eq!(c.redis_url.as_deref(), Some("rediss://cache:6379"));
    }

    #[test]
    fn backend_needs_its_url_and_keeps_every_service_setting() {
        let e = Config::from_vars(&vars(&[("USE_BACKEND", "true")])).unwrap_err();
        assert_eq!(e, ConfigError::BackendUrlMissing);
        assert!(e.to_string().starts_with("BACKEND_URL"));
        let c = Config::from_vars(&vars(&[
            ("USE_BACKEND", "true"),
            ("BACKEND_URL", "http://127.0.0.1:9000"),
            ("BACKEND_TOKEN", "tok"),
            ("SUPPORTER_CHECK_URL", "http://s"),
            ("PLAYERCAM_URL", "http://p"),
            ("STATS_BACKEND_URL", "http://st"),
            ("STATS_BACKEND_TOKEN", "st"),
            ("TEBEX_BASE_URL", "http://t"),
            ("TEBEX_STORE_ID", "1"),
            ("TEBEX_EXTENSION_ID", "2"),
            ("DISCORD_CLIENT_ID", "id"),
            ("DISCORD_CLIENT_SECRET", "sec"),
            ("DISCORD_REDIRECT_URI", "http://r"),
            ("DISCORD_OAUTH_URL", "http://o"),
            ("DISCORD_USER_URL", "http://u"),
            ("SPECTRA_CLIENT_DEEPLINK", "spectra://x"),
        ]))
        .unwrap();
        let b = &c.backend;
        assert!(b.use_backend);
        assert_eq!(b.backend_url.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(b.backend_token.as_deref(), Some("tok"));
        assert_eq!(b.supporter_check_url.as_deref(), Some("http://s"));
        assert_eq!(b.playercam_url.as_deref(), Some("http://p"));
        assert_eq!(b.stats_backend_url.as_deref(), Some("http://st"));
        assert_eq!(b.stats_backend_token.as_deref(), Some("st"));
        assert_eq!(b.tebex_base_url.as_deref(), Some("http://t"));
        assert_eq!(b.tebex_store_id.as_deref(), Some("1"));
        assert_eq!(b.tebex_extension_id.as_deref(), Some("2"));
        assert_eq!(b.discord_client_id.as_deref(), Some("id"));
        assert_eq!(b.discord_client_secret.as_deref(), Some("sec"));
        assert_eq!(b.discord_redirect_uri.as_deref(), Some("http://r"));
        assert_eq!(b.discord_oauth_url.as_deref(), Some("http://o"));
        assert_eq!(b.discord_user_url.as_deref(), Some("http://u"));
        assert_eq!(b.spectra_client_deeplink.as_deref(), Some("spectra://x"));
    }

    #[test]
    fn dotenv_file_format_of_the_reference_example_parses() {
        // The reference's .env.example carries an inline comment after a value.
        let dir = std::env::temp_dir().join(format!("spectra-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        std::fs::write(
            &path,
            "SERVER_KEY=keys/server.key\nSERVER_CERT=keys/server.crt\nINSECURE=true # Set to false to use HTTPS\n\nREQUIRE_AUTH_KEY=true\nAUTH_KEY=DEBUG_REMOVE_ME\n",
        )
        .unwrap();
        let map: HashMap<String, String> = dotenvy::from_path_iter(&path)
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        std::fs::remove_dir_all(&dir).unwrap();
        let c = Config::from_vars(&map).unwrap();
        assert_eq!(c.tls, None);
        assert_eq!(c.auth.auth_key.as_deref(), Some("DEBUG_REMOVE_ME"));
    }
}
