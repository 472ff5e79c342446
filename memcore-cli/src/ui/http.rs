//! Just enough HTTP/1.1 for a local viewer, over `std::net`: one request per connection,
//! bodies by `Content-Length` only, every read and write under a timeout, every size bounded.
//! The request line and headers are parsed by `httparse` (hyper's parser); the loop around
//! it, the limits and the response writer are here.
//!
//! Why not a crate: tiny_http 0.12 (the small synchronous server first chosen) sets no socket
//! timeouts, and when a request is answered without its body being read (every refusal), it
//! drains the body into a buffer of the size the client *announced*: a request with
//! `Content-Length: 109951162777600` and no token aborted the process ("memory allocation
//! failed"). A viewer that anyone on the machine can stop is not one to trust, and the part
//! of HTTP a same-origin page needs is small enough to own.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// Longest wait for one read or write; a client that stalls longer is dropped.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a request line and its headers may take to arrive in all.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// Largest request line plus headers.
const MAX_HEAD: usize = 16 * 1024;

/// A request whose head was read; its body is read on demand with [`Request::body`].
pub struct Request {
    /// The method, as sent (`GET`, `POST`...).
    pub method: String,
    /// The target's path (before `?`), still percent-encoded.
    pub path: String,
    /// The target's query string (after `?`), still percent-encoded.
    pub query: String,
    headers: Vec<(String, String)>,
    /// Bytes of the body that arrived with the head.
    early_body: Vec<u8>,
    stream: TcpStream,
}

/// A response: status, headers (besides Content-Length and Connection) and body.
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// Why a request could not be read; answered with `status` when the connection still works.
#[derive(Debug)]
pub struct ReadError {
    /// The status to answer with (400, 408, 413, 431, 501), if any.
    pub status: Option<u16>,
    /// What was wrong.
    pub message: String,
}

fn read_error(status: u16, message: impl Into<String>) -> ReadError {
    ReadError {
        status: Some(status),
        message: message.into(),
    }
}

/// Most headers a request may have.
const MAX_HEADERS: usize = 64;

/// Reads a request's head from `stream`.
pub fn read_request(stream: TcpStream) -> Result<Request, (TcpStream, ReadError)> {
    if let Err(e) = stream
        .set_read_timeout(Some(IO_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(IO_TIMEOUT)))
    {
        let error = ReadError {
            status: None,
            message: format!("cannot set socket timeouts: {e}"),
        };
        return Err((stream, error));
    }
    match read_head(&stream) {
        Ok(head) => Ok(Request {
            method: head.method,
            path: head.path,
            query: head.query,
            headers: head.headers,
            early_body: head.rest,
            stream,
        }),
        Err(e) => Err((stream, e)),
    }
}

/// A parsed head, and the bytes that came after it.
#[derive(Debug)]
struct Head {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    rest: Vec<u8>,
}

/// Reads until the head parses whole, within [`MAX_HEAD`] bytes and [`HEAD_DEADLINE`].
fn read_head(mut stream: &TcpStream) -> Result<Head, ReadError> {
    let start = Instant::now();
    let mut buffer = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    loop {
        if !buffer.is_empty()
            && let Some(head) = parse_head(&buffer)?
        {
            return Ok(head);
        }
        if buffer.len() > MAX_HEAD {
            return Err(read_error(431, "the request head is larger than 16 KiB"));
        }
        if start.elapsed() > HEAD_DEADLINE {
            return Err(read_error(408, "the request head took too long to arrive"));
        }
        match stream.read(&mut chunk) {
            Ok(0) => {
                return Err(ReadError {
                    status: None,
                    message: "the client closed the connection".to_owned(),
                });
            }
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if is_timeout(&e) => {
                return Err(read_error(408, "the request head took too long to arrive"));
            }
            Err(e) => {
                return Err(ReadError {
                    status: None,
                    message: format!("cannot read the request: {e}"),
                });
            }
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The head in `buffer`, `None` while it is incomplete.
fn parse_head(buffer: &[u8]) -> Result<Option<Head>, ReadError> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut slots);
    let length = match request.parse(buffer) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(read_error(431, format!("more than {MAX_HEADERS} headers")));
        }
        Err(e) => return Err(read_error(400, format!("malformed request: {e}"))),
    };
    let (Some(method), Some(target), Some(_version)) =
        (request.method, request.path, request.version)
    else {
        return Err(read_error(400, "malformed request line"));
    };
    if !target.starts_with('/') {
        return Err(read_error(400, "the request target must be a path"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::with_capacity(request.headers.len());
    for header in request.headers.iter() {
        let value = std::str::from_utf8(header.value).map_err(|_| {
            read_error(
                400,
                format!("the {} header is not valid UTF-8", header.name),
            )
        })?;
        headers.push((header.name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    Ok(Some(Head {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        rest: buffer[length..].to_vec(),
    }))
}

impl Request {
    /// The value of header `name` (case-insensitive); a repeated header counts as absent
    /// when its values differ (no guessing which one a check should see).
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut values = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str());
        let first = values.next()?;
        if values.any(|v| v != first) {
            return Some("");
        }
        Some(first)
    }

    /// Reads the body, at most `max` bytes: 413 past it (announced or not), 411 without a
    /// `Content-Length`, 501 for a transfer coding.
    pub fn body(&mut self, max: usize) -> Result<Vec<u8>, ReadError> {
        if self.header("transfer-encoding").is_some() {
            return Err(read_error(
                501,
                "send the body with Content-Length, not a transfer coding",
            ));
        }
        let length = match self.header("content-length") {
            None => return Ok(Vec::new()),
            Some(v) => v
                .parse::<u64>()
                .map_err(|_| read_error(400, format!("Content-Length {v:?} is not a number")))?,
        };
        if length > max as u64 {
            return Err(read_error(
                413,
                format!("the request body is larger than {max} bytes"),
            ));
        }
        let length = length as usize;
        let mut body = std::mem::take(&mut self.early_body);
        if body.len() > length {
            body.truncate(length);
        }
        let start = Instant::now();
        let mut chunk = [0u8; 16 * 1024];
        while body.len() < length {
            if start.elapsed() > HEAD_DEADLINE {
                return Err(read_error(408, "the request body took too long to arrive"));
            }
            let want = (length - body.len()).min(chunk.len());
            match self.stream.read(&mut chunk[..want]) {
                Ok(0) => {
                    return Err(read_error(
                        400,
                        "the body is shorter than its Content-Length",
                    ));
                }
                Ok(n) => body.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) => {
                    return Err(read_error(408, "the request body took too long to arrive"));
                }
                Err(e) => {
                    return Err(ReadError {
                        status: None,
                        message: format!("cannot read the body: {e}"),
                    });
                }
            }
        }
        Ok(body)
    }

    /// Sends `response` and closes the connection.
    pub fn respond(self, response: Response) {
        respond(self.stream, response);
    }
}

/// Writes `response` on `stream`, then closes it gently: a client still sending a body it
/// was refused gets to read the answer instead of a reset.
pub fn respond(mut stream: TcpStream, response: Response) {
    if write_response(&mut stream, &response).is_err() {
        return;
    }
    let _ = stream.shutdown(Shutdown::Write);
    // Drain what the client still sends, briefly and boundedly, before closing.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let start = Instant::now();
    let mut sink = [0u8; 16 * 1024];
    let mut drained = 0usize;
    while drained < 4 * 1024 * 1024 && start.elapsed() < Duration::from_secs(2) {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// Writes `response` and closes at once: for the accepting thread, which must not wait.
pub fn respond_now(mut stream: TcpStream, response: Response) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let _ = write_response(&mut stream, &response);
}

fn write_response(stream: &mut TcpStream, response: &Response) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        // Values are made by this server; a line break in one would be a bug, not input.
        if !value.contains(['\r', '\n']) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
    stream.write_all(head.as_bytes())?;
    stream.write_all(&response.body)?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_parse_and_bad_ones_are_400() {
        let head =
            parse_head(b"GET /api/x?a=1 HTTP/1.1\r\nHost: 127.0.0.1:5\r\nX-A:  b \r\n\r\nbody")
                .unwrap()
                .unwrap();
        assert_eq!(
            (
                head.method.as_str(),
                head.path.as_str(),
                head.query.as_str()
            ),
            ("GET", "/api/x", "a=1")
        );
        assert_eq!(
            head.headers,
            [
                ("host".into(), "127.0.0.1:5".into()),
                ("x-a".into(), "b".into())
            ]
        );
        assert_eq!(head.rest, b"body");
        // Incomplete: wait for more.
        assert!(parse_head(b"GET /x HTTP/1.1\r\nHost: a").unwrap().is_none());
        for bad in [
            &b"GET /x HTTP/1.1 extra\r\n\r\n"[..],
            b"GET http://evil/x HTTP/1.1\r\n\r\n",
            b"GET /x HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET /x HTTP/1.1\r\nbad name: v\r\n\r\n",
            b"GET /x HTTP/1.1\r\nX: \xff\r\n\r\n",
            b"\x00\x01\x02\r\n\r\n",
            b"GET /x HTTP/2\r\n\r\n",
        ] {
            assert_eq!(
                parse_head(bad).unwrap_err().status,
                Some(400),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let many: String = (0..100).map(|i| format!("X-{i}: v\r\n")).collect();
        let request = format!("GET / HTTP/1.1\r\n{many}\r\n");
        assert_eq!(
            parse_head(request.as_bytes()).unwrap_err().status,
            Some(431)
        );
    }
}
