//! `revocation.redis_url` (cargo feature `redis`): revoked entries in a Redis server shared
//! by every process, mirrored locally so that verification never waits on Redis.
//!
//! # The layout
//! Any program can revoke by writing a key and announcing it:
//!
//! ```text
//! SET wardgate:revoked:sid:<session id>   1   EX <ttl>
//! SET wardgate:revoked:jti:<token id>     1   EX <ttl>
//! SET wardgate:revoked:sub:<principal id> <T> EX <ttl>    (T: Unix seconds; iat <= T is revoked)
//! PUBLISH wardgate:revoked <the key just set>
//! ```
//!
//! The value of a `sid` or `jti` key is not read. A `sub` value that is not a whole number
//! of seconds revokes every token of that principal (it fails closed). The TTL is how long
//! the entry must live: at least the longest remaining lifetime of a token it should refuse.
//!
//! # The mirror
//! A background thread per engine holds two connections: one subscribed to the channel, one
//! for commands. It reads every `wardgate:revoked:*` key (`SCAN` and `MGET`) when it
//! connects and every `revocation.refresh.max_age`, `GET`s each announced key (a key that
//! is gone, expired or written in another database, is ignored: pub/sub channels are shared
//! by every database of a server), and `PING`s once a second. Entries that expire or are
//! deleted leave the mirror at its next full read. When a connection fails, it reconnects
//! after `revocation.refresh.cooldown`, and the mirror serves its last set for
//! `revocation.stale_for` after the last answer (see `mirror.rs`).

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use redis::{Client, Connection, RedisError};

use super::mirror::Mirror;
use super::revoke::{Revoke, RevokeError};
use super::set::{Entry, RevocationSet};
use super::status::RevocationSource;
use super::MAX_TIME;
use crate::time::{monotonic_ms, UnixTime};

/// The prefix of every key.
pub(crate) const PREFIX: &str = "wardgate:revoked:";
/// The channel on which written keys are announced.
pub(crate) const CHANNEL: &str = "wardgate:revoked";
/// How often the reader looks up from the channel (to notice the engine is gone, to ping).
const POLL: Duration = Duration::from_millis(200);
/// How often the reader checks the server still answers, in ms.
const HEARTBEAT: u64 = 1_000;
/// How many keys one `SCAN` step asks for.
const SCAN_COUNT: usize = 1_000;

/// The timing of `revocation.refresh` and `stale_for`, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// The longest the mirror goes without a full read.
    pub max_age: u64,
    /// The least time between two connection attempts.
    pub cooldown: u64,
    /// How long connecting, or one command, may take.
    pub timeout: u64,
    /// How long the last set serves after the source stops answering.
    pub stale_for: u64,
}

/// A Redis source: the mirror, and the client revocations are written with.
pub(crate) struct RedisSource {
    mirror: Arc<Mirror>,
    client: Client,
    timing: Timing,
    /// The connection `revoke` writes on, made when first needed.
    writer: Mutex<Option<Connection>>,
}

/// Never shows the URL, which may hold a password.
impl std::fmt::Debug for RedisSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSource").field("timing", &self.timing).finish_non_exhaustive()
    }
}

impl RedisSource {
    /// A source for `url` (already checked for its shape), whose mirror starts filling at
    /// once in a background thread; it waits for the first read to end, at most
    /// `refresh.timeout`, so that the engine's first verifications find a set. The
    /// problem, when the client does not accept the URL, never repeats it.
    pub(crate) fn start(url: &str, timing: Timing) -> Result<RedisSource, &'static str> {
        let client = Client::open(url).map_err(|_| "is not a URL the Redis client accepts")?;
        let mirror = Arc::new(Mirror::new(RevocationSource::RedisUrl, None, timing.stale_for));
        let reader = (Arc::downgrade(&mirror), client.clone());
        std::thread::Builder::new()
            .name("wardgate-revocation".into())
            .spawn(move || run(&reader.0, &reader.1, timing))
            .map_err(|_| "could not start the thread that mirrors it")?;
        mirror.wait_for_start(Duration::from_millis(timing.timeout));
        Ok(RedisSource { mirror, client, timing, writer: Mutex::new(None) })
    }

    /// The mirror verifications read.
    pub(crate) fn mirror(&self) -> &Mirror {
        &self.mirror
    }

    /// Writes the entries of `revoke` and announces them, then adds them to this process's
    /// mirror (so that this process refuses the tokens as soon as the call returns).
    pub(crate) fn revoke(&self, revoke: &Revoke) -> Result<(), RevokeError> {
        let now = UnixTime::now().as_secs_f64().floor() as u64;
        let entries = revoke.entries(now)?;
        let mut pipe = redis::pipe();
        for entry in &entries {
            let (key, value) = key_value(entry);
            pipe.cmd("SET").arg(&key).arg(value).arg("EX").arg(revoke.ttl).ignore();
        }
        for entry in &entries {
            pipe.cmd("PUBLISH").arg(CHANNEL).arg(key_value(entry).0).ignore();
        }
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        // A connection kept from an earlier call may have been dropped by the server: one
        // new attempt on a fresh connection.
        let mut last = None;
        for _ in 0..2 {
            if writer.is_none() {
                match connect(&self.client, self.timing.timeout) {
                    Ok(con) => *writer = Some(con),
                    Err(e) => {
                        last = Some(e);
                        break;
                    }
                }
            }
            let Some(con) = writer.as_mut() else { break };
            match pipe.query::<()>(con) {
                Ok(()) => {
                    last = None;
                    break;
                }
                Err(e) => {
                    *writer = None;
                    last = Some(e);
                }
            }
        }
        if let Some(e) = last {
            return Err(RevokeError::Failed(describe(&e)));
        }
        drop(writer);
        for entry in entries {
            self.mirror.insert(entry);
        }
        Ok(())
    }
}

/// The key of an entry, and the value written under it.
fn key_value(entry: &Entry) -> (String, String) {
    match entry {
        Entry::Sid(id) => (format!("{PREFIX}sid:{id}"), "1".into()),
        Entry::Jti(id) => (format!("{PREFIX}jti:{id}"), "1".into()),
        Entry::Subject(id, before) => (format!("{PREFIX}sub:{id}"), before.to_string()),
    }
}

/// The entry a key and its value stand for; `None` for a key outside the layout.
fn entry(key: &[u8], value: &[u8]) -> Option<Entry> {
    let rest = std::str::from_utf8(key).ok()?.strip_prefix(PREFIX)?;
    let (kind, id) = rest.split_once(':')?;
    if id.is_empty() {
        return None;
    }
    let id = id.to_owned();
    match kind {
        "sid" => Some(Entry::Sid(id)),
        "jti" => Some(Entry::Jti(id)),
        "sub" => {
            // A time that does not read as whole seconds revokes every token of the principal.
            let before = std::str::from_utf8(value).ok().and_then(|v| v.trim().parse::<u64>().ok());
            Some(Entry::Subject(id, before.unwrap_or(MAX_TIME).min(MAX_TIME)))
        }
        _ => None,
    }
}

/// A connection with `timeout` (ms) for connecting and for each command.
fn connect(client: &Client, timeout: u64) -> Result<Connection, RedisError> {
    let timeout = Duration::from_millis(timeout);
    let con = client.get_connection_with_timeout(timeout)?;
    con.set_read_timeout(Some(timeout))?;
    con.set_write_timeout(Some(timeout))?;
    Ok(con)
}

/// What went wrong, in words that never hold the URL, a password or an entry.
fn describe(e: &RedisError) -> String {
    if e.is_timeout() {
        "the server did not answer in time (revocation.refresh.timeout)".into()
    } else if e.kind() == redis::ErrorKind::AuthenticationFailed {
        "the server refused the credentials".into()
    } else if e.is_connection_refusal() {
        "the connection was refused".into()
    } else if let Some(code) =
        e.code().filter(|c| c.len() <= 32 && c.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
    {
        format!("the server answered with the error {code}")
    } else if e.is_connection_dropped() || e.is_io_error() {
        "the connection failed".into()
    } else {
        "the server's answer could not be read as Redis".into()
    }
}

/// The reader thread: sessions, with `cooldown` between them, until the engine is gone.
fn run(mirror: &Weak<Mirror>, client: &Client, timing: Timing) {
    loop {
        match session(mirror, client, timing) {
            Ok(()) => return,
            Err(problem) => match mirror.upgrade() {
                Some(m) => m.lost(problem),
                None => return,
            },
        }
        let until = monotonic_ms() + timing.cooldown;
        while monotonic_ms() < until {
            std::thread::sleep(POLL.min(Duration::from_millis(timing.cooldown.max(1))));
            if mirror.strong_count() == 0 {
                return;
            }
        }
    }
}

/// One connection's life: subscribe, read everything, then follow the channel. `Ok` when
/// the engine is gone; otherwise the problem that ended it.
fn session(mirror: &Weak<Mirror>, client: &Client, timing: Timing) -> Result<(), String> {
    let fail = |e: RedisError| describe(&e);
    let mut listener = connect(client, timing.timeout).map_err(fail)?;
    let mut commands = connect(client, timing.timeout).map_err(fail)?;
    let mut channel = listener.as_pubsub();
    channel.subscribe(CHANNEL).map_err(fail)?;
    channel.set_read_timeout(Some(POLL)).map_err(fail)?;
    read_all(mirror, &mut commands)?;
    let (mut pinged, mut read) = (monotonic_ms(), monotonic_ms());
    loop {
        let announced = match channel.get_message() {
            Ok(message) => Some(message.get_payload_bytes().to_vec()),
            Err(e) if e.is_timeout() => None,
            Err(e) => return Err(describe(&e)),
        };
        let Some(m) = mirror.upgrade() else { return Ok(()) };
        if let Some(key) = announced {
            let value: Option<Vec<u8>> = redis::cmd("GET").arg(&key).query(&mut commands).or_else(|e| {
                // A key of another type is not an entry; anything else ends the session.
                if e.code() == Some("WRONGTYPE") {
                    Ok(None)
                } else {
                    Err(describe(&e))
                }
            })?;
            if let Some(entry) = value.and_then(|value| entry(&key, &value)) {
                m.insert(entry);
            }
            m.contact(monotonic_ms());
        }
        let now = monotonic_ms();
        if now.saturating_sub(read) >= timing.max_age {
            drop(m);
            read_all(mirror, &mut commands)?;
            (read, pinged) = (monotonic_ms(), monotonic_ms());
        } else if now.saturating_sub(pinged) >= HEARTBEAT {
            let _: String = redis::cmd("PING").query(&mut commands).map_err(fail)?;
            m.contact(monotonic_ms());
            pinged = monotonic_ms();
        }
    }
}

/// Reads every key of the layout into a new set, which replaces the mirror's.
fn read_all(mirror: &Weak<Mirror>, commands: &mut Connection) -> Result<(), String> {
    if let Some(m) = mirror.upgrade() {
        m.begin_read();
    }
    let pattern = format!("{PREFIX}*");
    let mut set = RevocationSet::default();
    let mut cursor = 0u64;
    loop {
        let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(SCAN_COUNT)
            .query(commands)
            .map_err(|e| describe(&e))?;
        if !keys.is_empty() {
            // MGET gives nil for a key that expired meanwhile or holds another type.
            let values: Vec<Option<Vec<u8>>> =
                redis::cmd("MGET").arg(&keys).query(commands).map_err(|e| describe(&e))?;
            for (key, value) in keys.iter().zip(values) {
                if let Some(entry) = value.and_then(|value| entry(key, &value)) {
                    set.insert(entry);
                }
            }
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
    if let Some(m) = mirror.upgrade() {
        m.replace(set, monotonic_ms(), UnixTime::now().as_secs_f64());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_entries() {
        for entry in [Entry::Sid("s:1".into()), Entry::Jti("j 1".into()), Entry::Subject("u:1".into(), 1_764_000_000)] {
            let (key, value) = key_value(&entry);
            assert_eq!(super::entry(key.as_bytes(), value.as_bytes()), Some(entry));
        }
        assert_eq!(key_value(&Entry::Subject("u1".into(), 5)), ("wardgate:revoked:sub:u1".into(), "5".into()));
        assert_eq!(entry(b"wardgate:revoked:sid:", b"1"), None);
        assert_eq!(entry(b"wardgate:revoked:other:x", b"1"), None);
        assert_eq!(entry(b"another:key", b"1"), None);
        assert_eq!(entry(b"wardgate:revoked:sub:u1", b"soon"), Some(Entry::Subject("u1".into(), MAX_TIME)));
        assert_eq!(entry(b"wardgate:revoked:sub:u1", b"-5"), Some(Entry::Subject("u1".into(), MAX_TIME)));
        assert_eq!(
            entry(b"wardgate:revoked:sub:u1", b"99999999999999999999"),
            Some(Entry::Subject("u1".into(), MAX_TIME))
        );
    }
}
