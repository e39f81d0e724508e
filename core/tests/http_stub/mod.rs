//! The two halves of one HTTP/1.1 exchange, for the tests' JWKS endpoints on 127.0.0.1
//! (`core/tests/remote_keys.rs`, `core/tests/jwks_urls.rs`, `core/tests/leaks.rs`,
//! `cli/tests/leaks.rs`), and in [`endpoint`] an endpoint a test can change while it serves.
#![allow(dead_code)] // each test crate uses its part

pub mod endpoint;

use std::io::{Read, Write};

/// Reads a request up to the end of its head; `false` when the client closed the
/// connection, or reading failed, first.
pub fn read_request_head(stream: &mut impl Read) -> bool {
    request_head(stream).is_some()
}

/// Reads a request's head and gives the target of its request line (`/jwks?k=v` in
/// `GET /jwks?k=v HTTP/1.1`); `None` as for [`read_request_head`].
pub fn read_request_target(stream: &mut impl Read) -> Option<String> {
    let head = request_head(stream)?;
    let line = head.split(|&b| b == b'\r').next()?;
    let target = line.split(|&b| b == b' ').nth(1)?;
    Some(String::from_utf8_lossy(target).into_owned())
}

fn request_head(stream: &mut impl Read) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    Some(head)
}

/// Writes a JSON response and its body: `status` is the rest of the status line (`200 OK`),
/// `headers` more header lines, each ending in `\r\n`. The connection closes after it. The
/// body is bytes, so that it may be encoded (`content-encoding: gzip\r\n` in `headers`).
pub fn write_json_response(stream: &mut impl Write, status: &str, headers: &str, body: impl AsRef<[u8]>) {
    let body = body.as_ref();
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{headers}content-length: {}\r\n\
         connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(&[head.as_bytes(), body].concat());
}
