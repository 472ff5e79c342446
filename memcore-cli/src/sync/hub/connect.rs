//! The hub's URL: parsed once, shown without its password, and connected to with TLS
//! unless the server is on this machine.
//!
//! tokio-postgres knows `sslmode` `disable`, `prefer` and `require` only, and rejects
//! libpq's `verify-ca` and `verify-full`. memcore's TLS (rustls) always checks the
//! certificate chain and the host name, so those two are read as `require`; `prefer` (the
//! default) to a remote host becomes `require` too: a hub's traffic never silently falls back
//! to clear text. A hub whose certificate comes from a private authority names it as libpq
//! does, `sslrootcert=/path/ca.pem` (read here, since tokio-postgres does not know it): its
//! certificates are trusted besides Mozilla's roots, and TLS is required.

use super::HubError;
use super::error::describe;
use postgres::config::{Host, SslMode};
use postgres::error::SqlState;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// How long a connection attempt waits when the URL does not say (`connect_timeout`): a hub
/// that is down is reported, not waited on.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed hub URL.
#[derive(Clone)]
pub struct HubUrl {
    config: postgres::Config,
    tls: bool,
    root_cert: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for HubUrl {
    /// The target only: the password never reaches a log through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubUrl")
            .field("target", &self.target())
            .field("tls", &self.tls)
            .finish()
    }
}

impl HubUrl {
    /// Reads `url` and decides on TLS (see the module's docs).
    pub fn parse(url: &str) -> Result<HubUrl, HubError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(HubError::BadUrl(
                "empty; give postgres://user:password@host:port/database".into(),
            ));
        }
        let mut rewritten = url
            .replace("sslmode=verify-full", "sslmode=require")
            .replace("sslmode=verify-ca", "sslmode=require");
        let root_cert = take_param(&mut rewritten, "sslrootcert").map(std::path::PathBuf::from);
        // The parser's message names the bad option, never the URL, so it can be shown.
        let mut config: postgres::Config = rewritten
            .parse()
            .map_err(|e: postgres::Error| HubError::BadUrl(describe(&e)))?;
        if config.get_hosts().is_empty() {
            return Err(HubError::BadUrl(
                "no host; give postgres://user:password@host:port/database".into(),
            ));
        }
        if config.get_dbname().is_none() {
            return Err(HubError::BadUrl(
                "no database name; give postgres://user:password@host:port/database".into(),
            ));
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("memcore");
        let remote = config.get_hosts().iter().find_map(|h| match h {
            Host::Tcp(name) if !is_loopback(name) => Some(name.clone()),
            _ => None,
        });
        let tls = match (remote, config.get_ssl_mode()) {
            (Some(host), SslMode::Disable) => {
                let url = HubUrl {
                    config,
                    tls: false,
                    root_cert: None,
                };
                return Err(HubError::Insecure {
                    target: url.target(),
                    host,
                });
            }
            _ if root_cert.is_some() => {
                config.ssl_mode(SslMode::Require);
                true
            }
            (Some(_), _) | (None, SslMode::Require) => {
                config.ssl_mode(SslMode::Require);
                true
            }
            (None, _) => {
                config.ssl_mode(SslMode::Disable);
                false
            }
        };
        Ok(HubUrl {
            config,
            tls,
            root_cert,
        })
    }

    /// `hub:postgres://user@host:port/database`: what the store keeps its hub cursor and
    /// sent marks under, and what messages name. Never the password.
    pub fn target(&self) -> String {
        let c = &self.config;
        let user = c.get_user().map(|u| format!("{u}@")).unwrap_or_default();
        let hosts: Vec<String> = c
            .get_hosts()
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let host = match h {
                    Host::Tcp(name) if name.contains(':') => format!("[{name}]"),
                    Host::Tcp(name) => name.clone(),
                    #[cfg(unix)]
                    Host::Unix(path) => path.display().to_string(),
                };
                let port = c
                    .get_ports()
                    .get(i)
                    .or_else(|| c.get_ports().first())
                    .copied()
                    .unwrap_or(5432);
                format!("{host}:{port}")
            })
            .collect();
        let db = c.get_dbname().unwrap_or_default();
        format!("hub:postgres://{user}{}/{db}", hosts.join(","))
    }

    /// Whether the connection uses TLS.
    #[cfg(test)]
    pub fn tls(&self) -> bool {
        self.tls
    }

    /// The database's name.
    pub(crate) fn dbname(&self) -> String {
        self.config.get_dbname().unwrap_or_default().to_owned()
    }

    /// Connects, with the failure sorted into down, refused login, missing database.
    pub(crate) fn connect(&self) -> Result<postgres::Client, HubError> {
        let connected = if self.tls {
            self.config
                .connect(rustls_connector(self.root_cert.as_deref())?)
        } else {
            self.config.connect(postgres::NoTls)
        };
        connected.map_err(|e| self.connect_error(&e))
    }

    fn connect_error(&self, e: &postgres::Error) -> HubError {
        let target = self.target();
        let reason = describe(e);
        match e.code() {
            Some(code)
                if *code == SqlState::INVALID_PASSWORD
                    || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
            {
                HubError::Auth { target, reason }
            }
            Some(code) if *code == SqlState::INVALID_CATALOG_NAME => HubError::NoDatabase {
                target,
                dbname: self.dbname(),
                reason,
            },
            Some(_) => HubError::Query {
                target,
                action: "connect".into(),
                reason,
            },
            None => HubError::Unreachable { target, reason },
        }
    }
}

/// `url` with its password removed, by text alone (for a URL the parser refused): the
/// part between `user:` and `@` in the URL form, the value of `password=` in either form.
pub(crate) fn strip_password(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme) = out.find("://") {
        let rest = scheme + 3;
        let end = out[rest..].find('/').map_or(out.len(), |i| rest + i);
        if let Some(at) = out[rest..end].rfind('@').map(|i| rest + i)
            && let Some(colon) = out[rest..at].find(':').map(|i| rest + i)
        {
            out.replace_range(colon..at, "");
        }
    }
    while let Some(i) = out.find("password=") {
        let start = i + "password=".len();
        let end = out[start..]
            .find(|c: char| c == '&' || c.is_whitespace())
            .map_or(out.len(), |j| start + j);
        out.replace_range(i..end, "");
    }
    out
}

/// Removes `name=value` from `url` (a query parameter of the URL form or a pair of the
/// key-value form) and returns the value.
fn take_param(url: &mut String, name: &str) -> Option<String> {
    let key = format!("{name}=");
    let start = url
        .match_indices(&key)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || matches!(url.as_bytes()[i - 1], b'?' | b'&' | b' '))?;
    let value_start = start + key.len();
    let end = url[value_start..]
        .find(|c: char| c == '&' || c.is_whitespace())
        .map_or(url.len(), |j| value_start + j);
    let value = url[value_start..end].to_owned();
    // The separator after it goes too (or, at the end, the one before it).
    let (cut_from, cut_to) = if end < url.len() {
        (start, end + 1)
    } else if start > 0 && url.as_bytes()[start - 1] != b'?' {
        (start - 1, end)
    } else {
        (start, end)
    };
    url.replace_range(cut_from..cut_to, "");
    if url.ends_with('?') {
        url.pop();
    }
    Some(value)
}

/// Whether `host` names this machine.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// rustls with ring and Mozilla's roots, plus the certificates of `root_cert` when given,
/// built explicitly so that no process-wide default provider is needed.
fn rustls_connector(
    root_cert: Option<&std::path::Path>,
) -> Result<tokio_postgres_rustls::MakeRustlsConnect, HubError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = root_cert {
        let bad =
            |reason: String| HubError::BadUrl(format!("sslrootcert {}: {reason}", path.display()));
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| bad(e.to_string()))?
            .collect::<Result<_, _>>()
            .map_err(|e| bad(e.to_string()))?;
        let (added, _) = roots.add_parsable_certificates(certs);
        if added == 0 {
            return Err(bad("no certificate in it could be used".into()));
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| HubError::BadUrl(format!("TLS setup failed: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_never_carries_the_password() {
        let url = HubUrl::parse("postgres://ann:s3cret@127.0.0.1:5433/team").unwrap();
        assert_eq!(url.target(), "hub:postgres://ann@127.0.0.1:5433/team");
        assert!(!format!("{url:?}").contains("s3cret"));
        let kv = HubUrl::parse("host=localhost user=bob password=s3cret dbname=team").unwrap();
        assert_eq!(kv.target(), "hub:postgres://bob@localhost:5432/team");
    }

    #[test]
    fn a_url_the_parser_refuses_still_loses_its_password() {
        assert_eq!(
            strip_password("postgres://ann:s3:cr@t@db.example.com/t?sslmode=disable"),
            "postgres://ann@db.example.com/t?sslmode=disable"
        );
        assert_eq!(
            strip_password("host=x password=s3cret user=ann"),
            "host=x  user=ann"
        );
        assert_eq!(
            strip_password("postgres://x/t?password=s3cret&a=1"),
            "postgres://x/t?&a=1"
        );
    }

    #[test]
    fn sslrootcert_is_taken_out_of_either_form_and_requires_tls() {
        for (url, rest) in [
            ("postgres://a@h/t?sslrootcert=/ca.pem", "postgres://a@h/t"),
            (
                "postgres://a@h/t?sslrootcert=/ca.pem&x=1",
                "postgres://a@h/t?x=1",
            ),
            (
                "postgres://a@h/t?x=1&sslrootcert=/ca.pem",
                "postgres://a@h/t?x=1",
            ),
            ("host=h sslrootcert=/ca.pem dbname=t", "host=h dbname=t"),
        ] {
            let mut s = url.to_owned();
            assert_eq!(
                take_param(&mut s, "sslrootcert").as_deref(),
                Some("/ca.pem")
            );
            assert_eq!(s, rest);
        }
        let url = HubUrl::parse("postgres://a@localhost/t?sslrootcert=/ca.pem").unwrap();
        assert!(url.tls());
        let missing = url.connect().err().unwrap().to_string();
        assert!(missing.contains("sslrootcert /ca.pem"), "{missing}");
    }

    #[test]
    fn loopback_is_plain_and_anything_else_needs_tls() {
        assert!(!HubUrl::parse("postgres://a@127.0.0.1/t").unwrap().tls());
        assert!(!HubUrl::parse("postgres://a@[::1]/t").unwrap().tls());
        assert!(
            HubUrl::parse("postgres://a@127.0.0.1/t?sslmode=require")
                .unwrap()
                .tls()
        );
        assert!(
            HubUrl::parse("postgres://a@db.example.com/t")
                .unwrap()
                .tls()
        );
        assert!(
            HubUrl::parse("postgres://a@db.example.com/t?sslmode=verify-full")
                .unwrap()
                .tls()
        );
        let refused =
            HubUrl::parse("postgres://a:pw@db.example.com/t?sslmode=disable").unwrap_err();
        let text = refused.to_string();
        assert!(
            text.contains("db.example.com") && text.contains("without TLS"),
            "{text}"
        );
        assert!(!text.contains("pw@"), "{text}");
    }

    #[test]
    fn a_bad_url_says_what_is_missing_without_echoing_it() {
        for (url, says) in [
            ("", "empty"),
            ("postgres://a:pw@127.0.0.1", "no database"),
            ("postgres://a:pw@127.0.0.1/t?sslmode=sometimes", "sslmode"),
        ] {
            let text = HubUrl::parse(url).unwrap_err().to_string();
            assert!(text.contains(says), "{url}: {text}");
            assert!(!text.contains("pw"), "{url}: {text}");
        }
    }
}
