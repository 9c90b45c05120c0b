//! A byte-level HTTP/1.1 server on 127.0.0.1 for fault injection: what it
//! answers (or fails to) is switchable between requests, and it counts
//! requests and the body bytes it managed to write.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the server answers the next requests.
#[derive(Debug, Clone)]
pub enum Fault {
    /// A normal `200` JSON response with this body.
    Healthy(String),
    /// A normal `200` JSON response with this body, chunked (no `Content-Length`).
    Chunked(String),
    /// A response with this status and body.
    Status(u16, String),
    /// Read the request, then never answer (the connection stays open).
    Hang,
    /// Declare `declared` body bytes, send `sent` of them, then close.
    CloseMidBody {
        /// The `Content-Length` sent.
        declared: usize,
        /// Body bytes actually written before closing.
        sent: usize,
    },
    /// Close the connection right after reading the request.
    CloseBeforeResponse,
    /// A `200` body of `len` bytes (JSON whitespace after `{"keys":[]}`
    /// style text is irrelevant: the size is the point), written in 64 KiB
    /// chunks, with a `Content-Length` header when `declare` is set and
    /// chunked encoding otherwise. `len: None` streams forever.
    Large {
        /// Total body bytes, or `None` for an endless body.
        len: Option<usize>,
        /// Send `Content-Length` (else chunked).
        declare: bool,
    },
}

struct State {
    fault: Mutex<Fault>,
    requests: AtomicUsize,
    body_bytes_written: AtomicUsize,
}

/// A running server; stops accepting when dropped.
pub struct RawHttpServer {
    addr: std::net::SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RawHttpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RawHttpServer {
    /// Start answering with `fault`.
    pub async fn start(fault: Fault) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            fault: Mutex::new(fault),
            requests: AtomicUsize::new(0),
            body_bytes_written: AtomicUsize::new(0),
        });
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Self { addr, state, task }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Switch what the next requests get.
    pub fn set(&self, fault: Fault) {
        *self.state.fault.lock().unwrap() = fault;
    }

    /// Requests read so far.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Body bytes successfully handed to the socket so far.
    pub fn body_bytes_written(&self) -> usize {
        self.state.body_bytes_written.load(Ordering::SeqCst)
    }
}

async fn serve(mut stream: TcpStream, state: Arc<State>) {
    loop {
        if !read_request(&mut stream).await {
            return;
        }
        state.requests.fetch_add(1, Ordering::SeqCst);
        let fault = state.fault.lock().unwrap().clone();
        let keep_alive = match fault {
            Fault::Healthy(body) => respond(&mut stream, 200, &body).await,
            Fault::Status(status, body) => respond(&mut stream, status, &body).await,
            Fault::Chunked(body) => respond_chunked(&mut stream, &body).await,
            Fault::Hang => {
                // Hold the connection open without answering; the client's
                // timeout is what ends this.
                tokio::time::sleep(Duration::from_secs(3600)).await;
                false
            }
            Fault::CloseMidBody { declared, sent } => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {declared}\r\n\r\n"
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&vec![b' '; sent]).await;
                false
            }
            Fault::CloseBeforeResponse => false,
            Fault::Large { len, declare } => {
                write_large(&mut stream, len, declare, &state).await;
                false
            }
        };
        if !keep_alive {
            let _ = stream.shutdown().await;
            return;
        }
    }
}

/// Reads one request head (GET/POST without a body we care about).
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&byte[..n]),
        }
        if buf.len() > 64 * 1024 {
            return false;
        }
    }
    // Drain a request body when one is declared (POST revoke has none).
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let declared = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut have = buf.len() - end;
    while have < declared {
        match stream.read(&mut byte).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => have += n,
        }
    }
    true
}

async fn respond(stream: &mut TcpStream, status: u16, body: &str) -> bool {
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await.is_ok()
}

async fn respond_chunked(stream: &mut TcpStream, body: &str) -> bool {
    let mut out =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
            .to_vec();
    for chunk in body.as_bytes().chunks(16 * 1024) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    stream.write_all(&out).await.is_ok()
}

async fn write_large(stream: &mut TcpStream, len: Option<usize>, declare: bool, state: &State) {
    const CHUNK: usize = 64 * 1024;
    let head = match (declare, len) {
        (true, Some(len)) => format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len}\r\n\r\n"
        ),
        _ => "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
            .to_owned(),
    };
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let chunk = vec![b' '; CHUNK];
    let mut written = 0usize;
    loop {
        let n = match len {
            Some(len) if written >= len => break,
            Some(len) => CHUNK.min(len - written),
            None => CHUNK,
        };
        let ok = if declare {
            stream.write_all(&chunk[..n]).await.is_ok()
        } else {
            let framed = [format!("{n:x}\r\n").as_bytes(), &chunk[..n], b"\r\n"].concat();
            stream.write_all(&framed).await.is_ok()
        };
        if !ok {
            return;
        }
        written += n;
        state.body_bytes_written.fetch_add(n, Ordering::SeqCst);
    }
    if !declare {
        let _ = stream.write_all(b"0\r\n\r\n").await;
    }
}
