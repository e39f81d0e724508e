//! The core's one reading of a `keys.jwks_url`, and the canonical text built from it.
//!
//! A URL is read by three parsers: this one, the native fetch's (`http::Uri`, under ureq)
//! and, in the WebAssembly build, the host's `fetch` (WHATWG URL). The grammar accepted here
//! is one on which they agree: whatever WHATWG would strip, map, decode, normalise or read
//! differently is refused rather than guessed at, and what is kept is written back in the
//! form WHATWG serialises it to, so that re-parsing the canonical text anywhere gives it back.

use std::fmt::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Why a `keys.jwks_url` is refused. The messages name what is wrong and never repeat any
/// part of the URL, whose query may hold a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum UrlProblem {
    #[error("must not contain whitespace or control characters")]
    Whitespace,
    #[error("must be ASCII: percent-encode other characters in the path or query (a host must be written in ASCII)")]
    NotAscii,
    #[error("must not contain a backslash, which WHATWG URL parsers (fetch) read as a slash")]
    Backslash,
    #[error("must not have a fragment (#...)")]
    Fragment,
    #[error("must be an absolute URL written https://host/path (http: only for a loopback host)")]
    NotAbsolute,
    #[error("must be an https: URL (http: only for a loopback host)")]
    Scheme,
    #[error("must not carry credentials (user:password@) or any @ before the path")]
    Credentials,
    #[error("has no host")]
    NoHost,
    #[error("has a host with a character other than letters, digits, hyphens, underscores and dots (percent-encoding included)")]
    HostName,
    #[error("has a host with an empty label (a leading, doubled or trailing dot) or a label that starts or ends with a hyphen")]
    HostLabel,
    #[error("has a host longer than 253 characters or with a label longer than 63")]
    HostLength,
    #[error("has an internationalized host label (xn--...), which is not supported")]
    Punycode,
    #[error("has a numeric host that is not an IPv4 address written as four decimal numbers without leading zeros (such as 127.0.0.1)")]
    Ipv4,
    #[error("has an invalid IPv6 address in [ ] (zone ids are not supported), or text after it other than :port")]
    Ipv6,
    #[error("has an invalid port (digits only, 1 to 65535)")]
    Port,
    #[error("must use https: (http: is allowed only for localhost, 127.0.0.0/8 and [::1])")]
    NotLoopback,
    #[error("has a character in its path or query that must be percent-encoded")]
    PathCharacter,
    #[error("has an empty query (a ? with nothing after it), which fetch drops and other clients send")]
    EmptyQuery,
    #[error("has a % that does not start a percent-encoded byte (%XX)")]
    Percent,
    #[error("has a . or .. path segment (percent-encoded or not), which URL parsers remove")]
    DotSegment,
    #[error("has a percent-encoded /, \\ or control character in its path")]
    EncodedSeparator,
}

impl UrlProblem {
    /// A stable name for the problem (the corpus in `tests/urls/jwks_urls.json` uses it).
    #[cfg(test)]
    pub(crate) fn code(self) -> &'static str {
        match self {
            UrlProblem::Whitespace => "whitespace",
            UrlProblem::NotAscii => "not_ascii",
            UrlProblem::Backslash => "backslash",
            UrlProblem::Fragment => "fragment",
            UrlProblem::NotAbsolute => "not_absolute",
            UrlProblem::Scheme => "scheme",
            UrlProblem::Credentials => "credentials",
            UrlProblem::NoHost => "no_host",
            UrlProblem::HostName => "host_name",
            UrlProblem::HostLabel => "host_label",
            UrlProblem::HostLength => "host_length",
            UrlProblem::Punycode => "punycode",
            UrlProblem::Ipv4 => "ipv4",
            UrlProblem::Ipv6 => "ipv6",
            UrlProblem::Port => "port",
            UrlProblem::NotLoopback => "not_loopback",
            UrlProblem::PathCharacter => "path_character",
            UrlProblem::EmptyQuery => "empty_query",
            UrlProblem::Percent => "percent",
            UrlProblem::DotSegment => "dot_segment",
            UrlProblem::EncodedSeparator => "encoded_separator",
        }
    }
}

use UrlProblem::*;

/// The longest host name, and the longest label in it (RFC 1035, as TLS checks them).
const MAX_NAME: usize = 253;
const MAX_LABEL: usize = 63;

/// Bytes that may stand unencoded in a path: RFC 3986 `pchar` and `/`. Every one of them
/// is kept as is by WHATWG's path state and accepted by `http::Uri`.
const PATH_BYTES: &[u8] = b"-._~!$&'()*+,;=:@/";
/// The same for a query, with `?` and without `'` (which WHATWG percent-encodes in the query
/// of an http: or https: URL).
const QUERY_BYTES: &[u8] = b"-._~!$&()*+,;=:@/?";

/// The host of an accepted URL.
enum Host {
    /// A lower-case DNS name.
    Name(String),
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

impl Host {
    fn is_loopback(&self) -> bool {
        match self {
            Host::Name(name) => name == "localhost" || name.ends_with(".localhost"),
            Host::V4(ip) => ip.is_loopback(),
            Host::V6(ip) => ip.is_loopback(),
        }
    }
}

/// As WHATWG serialises a host.
impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(name) => f.write_str(name),
            Host::V4(ip) => write!(f, "{ip}"),
            Host::V6(ip) => write_ipv6(f, ip),
        }
    }
}

/// Reads `url` and gives its canonical text: scheme and host in lower case, IPv6 compressed,
/// no default port, no leading zeros in the port, `/` for an empty path; the path and query
/// exactly as written. See `check_url` for what is refused.
pub(crate) fn canonical(url: &str) -> Result<String, UrlProblem> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Whitespace);
    }
    if !url.is_ascii() {
        return Err(NotAscii);
    }
    if url.contains('\\') {
        return Err(Backslash);
    }
    if url.contains('#') {
        return Err(Fragment);
    }
    let (secure, rest) = scheme(url)?;
    let rest = rest.strip_prefix("//").ok_or(NotAbsolute)?;
    let (authority, target) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    if authority.contains('@') {
        return Err(Credentials);
    }
    let (host, port) = host_and_port(authority)?;
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    check_path(path)?;
    if let Some(query) = query {
        if query.is_empty() {
            return Err(EmptyQuery);
        }
        check_escapes(query, QUERY_BYTES)?;
    }
    if !secure && !host.is_loopback() {
        return Err(NotLoopback);
    }
    let mut text = format!("{}://{host}", if secure { "https" } else { "http" });
    if let Some(port) = port.filter(|&p| p != if secure { 443 } else { 80 }) {
        let _ = write!(text, ":{port}");
    }
    text.push_str(if path.is_empty() { "/" } else { path });
    if let Some(query) = query {
        text.push('?');
        text.push_str(query);
    }
    Ok(text)
}

/// The scheme (`true` for https:) and what follows its colon.
fn scheme(url: &str) -> Result<(bool, &str), UrlProblem> {
    let (scheme, rest) = url.split_once(':').ok_or(NotAbsolute)?;
    let well_formed = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    if !well_formed {
        return Err(NotAbsolute);
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok((true, rest)),
        "http" => Ok((false, rest)),
        _ => Err(Scheme),
    }
}

fn host_and_port(authority: &str) -> Result<(Host, Option<u16>), UrlProblem> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let (inside, after) = bracketed.split_once(']').ok_or(Ipv6)?;
            let port = if after.is_empty() { None } else { Some(after.strip_prefix(':').ok_or(Ipv6)?) };
            (ipv6(inside)?, port)
        }
        None => {
            let (name, port) = match authority.split_once(':') {
                Some((name, port)) => (name, Some(port)),
                None => (authority, None),
            };
            if name.is_empty() {
                return Err(NoHost);
            }
            (host_name(name)?, port)
        }
    };
    Ok((host, port.map(self::port).transpose()?))
}

/// An IPv6 address as `std` reads it (no zone id), with only the characters WHATWG reads.
fn ipv6(inside: &str) -> Result<Host, UrlProblem> {
    if !inside.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.') {
        return Err(Ipv6);
    }
    inside.parse().map(Host::V6).map_err(|_| Ipv6)
}

/// A host that is not in brackets: a DNS name, or an IPv4 address in four decimal parts.
fn host_name(name: &str) -> Result<Host, UrlProblem> {
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
        return Err(HostName);
    }
    let name = name.to_ascii_lowercase();
    let labels: Vec<&str> = name.split('.').collect();
    if labels.iter().any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-')) {
        return Err(HostLabel);
    }
    if name.len() > MAX_NAME || labels.iter().any(|l| l.len() > MAX_LABEL) {
        return Err(HostLength);
    }
    // WHATWG reads a host whose last label is a number as an IPv4 address, in any of the
    // forms inet_aton takes (127.1, 0x7f.1, 2130706433...); only the dotted-decimal one is kept.
    if labels.last().is_some_and(|last| is_number(last)) {
        return dotted_decimal(&labels).map(Host::V4).ok_or(Ipv4);
    }
    // WHATWG checks and rewrites A-labels through IDNA tables the core does not carry.
    if labels.iter().any(|l| l.starts_with("xn--")) {
        return Err(Punycode);
    }
    Ok(Host::Name(name))
}

/// Whether WHATWG's IPv4 number parser takes `label`: decimal, octal or `0x` hex digits.
fn is_number(label: &str) -> bool {
    match label.strip_prefix("0x") {
        Some(hex) => hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => label.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// Four decimal parts from 0 to 255, without leading zeros.
fn dotted_decimal(labels: &[&str]) -> Option<Ipv4Addr> {
    let [a, b, c, d] = labels else { return None };
    let part = |p: &str| {
        let canonical = p == "0" || (!p.starts_with('0') && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
        canonical.then(|| p.parse::<u8>().ok()).flatten()
    };
    Some(Ipv4Addr::new(part(a)?, part(b)?, part(c)?, part(d)?))
}

/// Digits only (leading zeros are dropped, as every reader does), 1 to 65535.
fn port(digits: &str) -> Result<u16, UrlProblem> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Port);
    }
    match digits.trim_start_matches('0').parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(Port),
    }
}

/// The path's characters and escapes, then its segments: no `.` or `..` (WHATWG removes
/// them, `%2e` included), no encoded separator or control (servers differ on decoding them).
fn check_path(path: &str) -> Result<(), UrlProblem> {
    check_escapes(path, PATH_BYTES)?;
    for segment in path.split('/') {
        let lower = segment.to_ascii_lowercase();
        if matches!(lower.as_str(), "." | "%2e" | ".." | ".%2e" | "%2e." | "%2e%2e") {
            return Err(DotSegment);
        }
        if escapes(segment).any(|byte| byte < 0x20 || byte == 0x7f || byte == b'/' || byte == b'\\') {
            return Err(EncodedSeparator);
        }
    }
    Ok(())
}

/// Letters, digits, the bytes in `allowed`, and `%` before two hex digits.
fn check_escapes(text: &str, allowed: &[u8]) -> Result<(), UrlProblem> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if bytes.get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) => i += 3,
            b'%' => return Err(Percent),
            b if b.is_ascii_alphanumeric() || allowed.contains(&b) => i += 1,
            _ => return Err(PathCharacter),
        }
    }
    Ok(())
}

/// The bytes that the escapes of checked `text` stand for.
fn escapes(text: &str) -> impl Iterator<Item = u8> + '_ {
    text.match_indices('%').filter_map(|(i, _)| u8::from_str_radix(text.get(i + 1..i + 3)?, 16).ok())
}

/// WHATWG's IPv6 serialisation: lower-case hex pieces without leading zeros, the first
/// longest run of two or more zero pieces written `::`, never a dotted IPv4 tail.
fn write_ipv6(f: &mut fmt::Formatter<'_>, ip: &Ipv6Addr) -> fmt::Result {
    let pieces = ip.segments();
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < pieces.len() {
        let run = pieces[i..].iter().take_while(|&&p| p == 0).count();
        if run >= 2 && best.is_none_or(|(_, len)| run > len) {
            best = Some((i, run));
        }
        i += run.max(1);
    }
    f.write_char('[')?;
    let mut i = 0;
    while i < pieces.len() {
        if let Some((start, len)) = best.filter(|&(start, _)| start == i) {
            f.write_str(if start == 0 { "::" } else { ":" })?;
            i += len;
            continue;
        }
        write!(f, "{:x}", pieces[i])?;
        i += 1;
        if i < pieces.len() {
            f.write_char(':')?;
        }
    }
    f.write_char(']')
}
