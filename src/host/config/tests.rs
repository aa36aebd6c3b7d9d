use std::io::Write as _;
use std::path::PathBuf;

use super::*;

/// A configuration file holding `text`, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(text: &str) -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = std::env::temp_dir()
            .join(format!("qscope-config-test-{}-{n}.toml", std::process::id()));
        std::fs::File::create(&path).unwrap().write_all(text.as_bytes()).unwrap();
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn load(text: &str) -> Result<Settings, ConfigError> {
    let file = TempFile::new(text);
    Settings::load_with_env(&Sources { file: Some(file.0.clone()), flags: Vec::new() }, no_env)
}

/// The error `text` gives, as printed.
fn refused(text: &str) -> String {
    load(text).expect_err("the configuration is refused").to_string()
}

#[test]
fn no_file_is_the_defaults() {
    let settings = Settings::load_with_env(&Sources::default(), no_env).unwrap();
    assert_eq!(settings.listen, "127.0.0.1:8080".parse().unwrap());
    assert_eq!(settings.database, DatabaseLocation::Sqlite("qscope.sqlite3".into()));
    assert!(settings.sqlite_full_sync);
    assert_eq!(settings.rate_limit, 20);
    assert_eq!(settings.purge_interval, Some(Duration::from_secs(300)));
    let config = settings.core_config("http://127.0.0.1:8080").unwrap();
    let names: Vec<&str> = config.scopes().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["read", "write"]);
    assert_eq!(config.default_scopes().to_string(), "read");
    assert_eq!(config.fifo().refresh_per_client_subject, Some(5));
    assert_eq!(config.fifo().access_per_refresh, Some(2));
    assert_eq!(config.fifo().refresh_per_client, None);
    assert_eq!(*config.registration_policy(), RegistrationPolicy::Closed);
}

#[test]
fn the_example_file_is_valid_and_names_every_key() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/qscope.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let settings = load(&text).unwrap();
    assert_eq!(settings.issuer.as_deref(), Some("https://auth.example.com"));
    // Every key appears in the example, commented out or not.
    for key in file::KEYS {
        let name = key.rsplit('.').next().unwrap();
        let set = format!("{name} =");
        assert!(text.contains(&set), "the example file does not document {key}");
    }
}

#[test]
fn a_file_sets_everything_it_names() {
    let settings = load(
        r##"
        issuer = "https://auth.example.com"
        listen = "0.0.0.0:9000"
        database = "postgres://qscope:pw@db.internal/qscope"
        sqlite_sync = "normal"
        grants = ["authorization_code", "refresh_token", "device_code", "password"]

        [scopes.profile]
        description = "Your name"
        default = true
        [scopes.email]
        description = "Your e-mail address"

        [tokens]
        access_lifetime = 600
        code_lifetime = 30
        refresh_rotation = "grace"
        refresh_grace = 5

        [fifo]
        refresh_per_client = 100
        access_per_refresh = 0

        [pkce]
        allow_plain = true

        [registration]
        policy = "open"
        scopes = ["profile"]

        [http]
        trusted_proxies = ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]

        [logs]
        format = "json"

        [metrics]
        enabled = false

        [branding]
        name = "Example Corp"
        logo = "https://cdn.example.com/logo.svg"
        primary_color = "#AA3300"
        support_url = "mailto:help@example.com"
        "##,
    )
    .unwrap();
    assert_eq!(settings.listen, "0.0.0.0:9000".parse().unwrap());
    assert!(matches!(settings.database, DatabaseLocation::Postgres(_)));
    assert!(!settings.sqlite_full_sync);
    assert_eq!(settings.log_format, LogFormat::Json);
    assert!(!settings.metrics);
    assert_eq!(settings.branding.name, "Example Corp");
    assert_eq!(settings.branding.logo, Some(Logo::Url("https://cdn.example.com/logo.svg".into())));
    assert_eq!(settings.branding.primary_color, "#aa3300");
    assert_eq!(settings.branding.support_url.as_deref(), Some("mailto:help@example.com"));
    let proxies: Vec<String> = settings.trusted_proxies.iter().map(ToString::to_string).collect();
    assert_eq!(proxies, ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"]);
    let config = settings.core_config("https://auth.example.com").unwrap();
    assert!(config.grant_enabled(crate::store::GrantType::Password));
    assert!(!config.grant_enabled(crate::store::GrantType::ClientCredentials));
    assert_eq!(config.access_token_lifetime().get(), 600);
    assert_eq!(config.code_lifetime().get(), 30);
    assert_eq!(config.rotation(), crate::RefreshRotation::Grace(crate::Seconds::new(5)));
    assert_eq!(config.fifo().refresh_per_client, Some(100));
    assert_eq!(config.fifo().access_per_refresh, None, "0 is no limit");
    assert!(config.pkce().allow_plain);
    assert_eq!(*config.registration_policy(), RegistrationPolicy::Open);
    assert_eq!(config.registration_scopes().to_string(), "profile");
    assert_eq!(config.default_scopes().to_string(), "profile");
}

#[test]
fn flags_beat_variables_which_beat_the_file() {
    let file = TempFile::new("listen = \"127.0.0.1:1\"\n[tokens]\ncode_lifetime = 10\n");
    let env = |name: &str| match name {
        "QSCOPE_LISTEN" => Some("127.0.0.1:2".to_owned()),
        "QSCOPE_TOKENS__CODE_LIFETIME" => Some("20".to_owned()),
        "QSCOPE_RATE_LIMITS__PER_ADDRESS" => Some("7".to_owned()),
        _ => None,
    };
    let mut sources = Sources { file: Some(file.0.clone()), flags: Vec::new() };
    let settings = Settings::load_with_env(&sources, env).unwrap();
    assert_eq!(settings.listen.port(), 2, "the variable beats the file");
    assert_eq!(settings.rate_limit, 7);
    let config = settings.core_config("http://127.0.0.1:2").unwrap();
    assert_eq!(config.code_lifetime().get(), 20);
    sources.flag("listen", "127.0.0.1:3");
    sources.flag("tokens.code_lifetime", 30);
    let settings = Settings::load_with_env(&sources, env).unwrap();
    assert_eq!(settings.listen.port(), 3, "the flag beats the variable");
    assert_eq!(settings.core_config("http://127.0.0.1:3").unwrap().code_lifetime().get(), 30);
}

#[test]
fn every_invalid_value_names_its_key_and_the_reason() {
    let cases: &[(&str, &str)] = &[
        ("listen = \"nowhere\"", "config error: listen: \"nowhere\" is not an address and port"),
        ("database = \"mysql://x/y\"", "config error: database: a SQLite file path or a postgres"),
        ("database = \"\"", "config error: database: must not be empty"),
        ("sqlite_sync = \"sometimes\"", "config error: sqlite_sync: unknown variant `sometimes`"),
        ("issuer = \"ftp://x\"", "config error: issuer: issuer must be an https URL"),
        ("grants = []", "config error: grants: at least one grant must be enabled"),
        ("grants = [\"implicit\"]", "config error: grants[0]: unknown grant \"implicit\""),
        (
            "grants = [\"refresh_token\", \"refresh_token\"]",
            "config error: grants[1]: \"refresh_token\" is listed twice",
        ),
        ("grants = \"refresh_token\"", "config error: grants: invalid type: string"),
        ("[scopes.read]\ndescription = \"\"", "config error: scopes.read.description: must say"),
        ("[scopes.read]\ndefault = true", "config error: scopes.read: missing field `description`"),
        (
            "[scopes.\"a b\"]\ndescription = \"x\"",
            "config error: scopes.a b: invalid or repeated scope name",
        ),
        (
            "[scopes.read]\ndescription = \"x\\u202Ey\"",
            "config error: scopes.read.description: the description of scope",
        ),
        (
            "[tokens]\naccess_lifetime = 0",
            "config error: tokens.access_lifetime: access token lifetime must be between 1 and",
        ),
        (
            "[tokens]\ncode_lifetime = 601",
            "config error: tokens.code_lifetime: authorization code lifetime must be between 1 \
             and 600 seconds",
        ),
        (
            "[tokens]\nrefresh_rotation = \"grace\"\nrefresh_grace = 0",
            "config error: tokens.refresh_grace: refresh grace window",
        ),
        ("[tokens]\nrefresh_rotation = \"lax\"", "config error: tokens.refresh_rotation: unknown"),
        ("[tokens]\naccess_lifetime = -1", "config error: tokens.access_lifetime: invalid value"),
        (
            "[tokens]\naccess_lifetime = \"1h\"",
            "config error: tokens.access_lifetime: invalid type",
        ),
        (
            "[tokens]\ninteraction_lifetime = 60",
            "config error: sessions.sign_in_timeout: must be at most tokens.interaction_lifetime",
        ),
        (
            "[registration]\npolicy = \"maybe\"",
            "config error: registration.policy: unknown variant",
        ),
        (
            "[registration]\npolicy = \"initial_access_token\"",
            "config error: registration.initial_access_token_hashes: policy initial_access_token \
             needs at least one hash",
        ),
        (
            "[registration]\ninitial_access_token_hashes = [\"short\"]",
            "config error: registration.initial_access_token_hashes[0]: not a token hash",
        ),
        (
            "[registration]\nscopes = [\"admin\"]",
            "config error: registration.scopes[0]: \"admin\" is not one of the scopes",
        ),
        (
            "[registration]\ngrants = [\"password\"]",
            "config error: registration: invalid registration settings: the password grant",
        ),
        ("[passwords]\nargon2_iterations = 0", "config error: passwords: invalid argon2"),
        (
            "[passwords]\nmax_concurrent_checks = 0",
            "config error: passwords.max_concurrent_checks: must be at least 1",
        ),
        (
            "[http]\ntrusted_proxies = [\"10.0.0.0/33\"]",
            "config error: http.trusted_proxies[0]: \"10.0.0.0/33\" is not an address or CIDR",
        ),
        ("[http]\nrequest_timeout = 0", "config error: http.request_timeout: must be at least 1"),
        ("[http]\nmax_connections = 0", "config error: http.max_connections: must be at least 1"),
        ("[sessions]\nsign_in_timeout = 0", "config error: sessions.sign_in_timeout: must be at"),
        ("[sessions]\nidle_timeout = 0", "config error: sessions.idle_timeout: must be at least"),
        ("[audit]\nqueue = 0", "config error: audit.queue: must be at least 1"),
        (
            "[audit]\nsample_introspections = 0",
            "config error: audit.sample_introspections: must be at least 1",
        ),
        ("[logs]\nformat = \"xml\"", "config error: logs.format: unknown variant `xml`"),
        ("[logs]\nfilter = \"info,[\"", "config error: logs.filter: not a log filter"),
        (
            "[metrics]\nlisten = \"127.0.0.1:9090\"",
            "config error: metrics.listen: unknown field `listen`, expected `enabled`",
        ),
        ("[branding]\nname = \"  \"", "config error: branding.name: must be 1 to 64 characters"),
        (
            "[branding]\nprimary_color = \"blue\"",
            "config error: branding.primary_color: must be a colour as #rrggbb",
        ),
        (
            "[branding]\nprimary_color = \"#12345g\"",
            "config error: branding.primary_color: must be a colour as #rrggbb",
        ),
        (
            "[branding]\nlogo = \"http://cdn.example.com/logo.png\"",
            "config error: branding.logo: a URL must be https:// with a plain host name",
        ),
        (
            "[branding]\nlogo = \"/nonexistent/qscope-logo.png\"",
            "config error: branding.logo: cannot read /nonexistent/qscope-logo.png",
        ),
        (
            "[branding]\nlogo = \"logo.gif\"",
            "config error: branding.logo: a file must be .svg, .png, .jpg, .webp or .ico",
        ),
        (
            "[branding]\nsupport_url = \"javascript:alert(1)\"",
            "config error: branding.support_url: must be an https:// URL or a mailto: address",
        ),
        (
            "colour = \"blue\"",
            "config error: colour: unknown field `colour`, expected one of `issuer`",
        ),
        ("[tokens]\nlifetime = 3", "config error: tokens.lifetime: unknown field `lifetime`"),
        ("[fifo]\naccess_per_refresh = 1.5", "config error: fifo.access_per_refresh: invalid type"),
        ("listen = ", "config error: "),
    ];
    let mut wrong = Vec::new();
    for (text, expected) in cases {
        let got = refused(text);
        if !got.starts_with(expected) || got.contains('\n') {
            wrong.push(format!("{text:?}\n  got:      {got:?}\n  expected: {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_syntax_error_names_the_file_and_line() {
    let file = TempFile::new("listen = \"127.0.0.1:1\"\n[tokens\n");
    let sources = Sources { file: Some(file.0.clone()), flags: Vec::new() };
    let error = Settings::load_with_env(&sources, no_env).unwrap_err();
    assert_eq!(error.key(), format!("{}:2", file.0.display()));
    let missing = Sources { file: Some("/nonexistent/qscope.toml".into()), flags: Vec::new() };
    let error = Settings::load_with_env(&missing, no_env).unwrap_err().to_string();
    assert!(error.starts_with("config error: /nonexistent/qscope.toml: cannot read it"), "{error}");
}

#[test]
fn a_flag_for_an_unknown_key_is_refused() {
    let sources = Sources { file: None, flags: vec![("tokens.nope".into(), Value::Integer(1))] };
    let error = Settings::load_with_env(&sources, no_env).unwrap_err().to_string();
    assert_eq!(error, "config error: tokens.nope: no such configuration key");
}
