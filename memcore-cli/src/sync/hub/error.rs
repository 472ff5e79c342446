//! What can go wrong with a hub. Every message names the hub by its password-free target
//! and says what to do; none carries the password.

/// A failure talking to a hub.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// The URL cannot be read (the message says what is wrong, not the URL itself, which
    /// may hold a password).
    #[error("hub URL: {0}")]
    BadUrl(String),
    /// A plain connection to a host that is not this machine.
    #[error(
        "{target}: refusing to connect to {host} without TLS (sslmode=disable): the \
         password and the team's records would cross the network in clear; remove \
         sslmode=disable (memcore then requires TLS and checks the server's certificate)"
    )]
    Insecure {
        /// The hub.
        target: String,
        /// The host that is not local.
        host: String,
    },
    /// No server answered (down, wrong host or port, a firewall).
    #[error("{target} is not reachable: {reason}; nothing was sent or received")]
    Unreachable {
        /// The hub.
        target: String,
        /// What the client saw.
        reason: String,
    },
    /// The server refused the login.
    #[error(
        "{target} refused the login: {reason}; check the user and password in the hub \
         URL (--hub, MEMCORE_HUB or the config file)"
    )]
    Auth {
        /// The hub.
        target: String,
        /// The server's message.
        reason: String,
    },
    /// The database named in the URL does not exist.
    #[error(
        "{target}: the database does not exist ({reason}); create it first \
         (`createdb {dbname}`, or `CREATE DATABASE {dbname}` in psql)"
    )]
    NoDatabase {
        /// The hub.
        target: String,
        /// The database's name.
        dbname: String,
        /// The server's message.
        reason: String,
    },
    /// The hub was made or migrated by a newer memcore.
    #[error(
        "{target} has schema version {hub}, newer than this memcore's {this}: upgrade \
         memcore to sync with it (nothing was written to the hub)"
    )]
    NewerSchema {
        /// The hub.
        target: String,
        /// The hub's schema version.
        hub: i64,
        /// This build's.
        this: i64,
    },
    /// A change cannot be stored as it is (a number out of range...).
    #[error("{target}: change {change_id} cannot be sent: {reason}")]
    BadChange {
        /// The hub.
        target: String,
        /// The change.
        change_id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A statement failed once connected.
    #[error("{target}: cannot {action}: {reason}")]
    Query {
        /// The hub.
        target: String,
        /// What was being done ("push 1000 changes", "pull project p"...).
        action: String,
        /// The server's or the client's message.
        reason: String,
    },
    /// The local store failed during a round.
    #[error(transparent)]
    Memory(#[from] memcore::Error),
}

/// The text of a PostgreSQL error: the server's message (with its detail) when there is one,
/// else the client's (the connection failed, the server went away).
pub(crate) fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_owned(),
        },
        None => {
            // The client's Display says "error connecting to server" and the cause is in
            // the source chain: both together.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            text
        }
    }
}

/// A [`HubError::Query`] for `e` while doing `action` on `target`.
pub(crate) fn query(target: String, action: impl Into<String>, e: &postgres::Error) -> HubError {
    HubError::Query {
        target,
        action: action.into(),
        reason: describe(e),
    }
}
