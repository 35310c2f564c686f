//! A hostile target, one endpoint per misbehaviour, spoken as raw HTTP/1.1
//! over TCP so every fault is exactly the one named (a reset mid-body, a
//! drip, headers that never end). A second server on 127.0.0.2 is the
//! "other host": it records every request that reaches it, so a test can
//! assert that no credential ever arrives there.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as it arrived: request line, headers, body — raw text.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub raw: String,
}

#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Seen>>>);

impl Log {
    pub fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }
    pub fn count(&self, path: &str) -> usize {
        self.all().iter().filter(|s| s.path == path).count()
    }
    fn push(&self, s: Seen) {
        self.0.lock().unwrap().push(s);
    }
}

pub struct Hostile {
    /// `http://127.0.0.1:port`
    pub url: String,
    /// `http://127.0.0.2:port`: the other host.
    pub other: String,
    /// Requests the hostile target received.
    pub seen: Log,
    /// Requests the other host received.
    pub stolen: Log,
}

/// Starts both servers.
pub async fn start() -> Hostile {
    let other_listener = TcpListener::bind("127.0.0.2:0").await.expect("127.0.0.2 is on loopback");
    let other = format!("http://{}", other_listener.local_addr().unwrap());
    let stolen = Log::default();
    let s = stolen.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = other_listener.accept().await {
            let s = s.clone();
            tokio::spawn(async move {
                let mut sock = sock;
                if let Some(seen) = read_request(&mut sock).await {
                    s.push(seen);
                    let _ = write(
                        &mut sock,
                        200,
                        "application/json",
                        r#"{"answer":"Refunds within 30 days (from the other host)."}"#,
                    )
                    .await;
                }
            });
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Log::default();
    let (s, o) = (seen.clone(), other.clone());
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (s, o) = (s.clone(), o.clone());
            tokio::spawn(async move {
                let mut sock = sock;
                if let Some(req) = read_request(&mut sock).await {
                    s.push(req.clone());
                    let _ = misbehave(&mut sock, &req, &o).await;
                }
            });
        }
    });
    Hostile { url, other, seen, stolen }
}

const OK: &str = r#"{"answer":"Refunds within 30 days."}"#;

/// Each path is one misbehaviour.
async fn misbehave(sock: &mut TcpStream, req: &Seen, other: &str) -> std::io::Result<()> {
    let path = req.path.as_str();
    match path {
        "/ok" => write(sock, 200, "application/json", OK).await,
        // Redirects: to the other host (302 and 307), in a loop, and within the origin.
        "/redirect/302" | "/redirect/307" => {
            let status = if path.ends_with("302") { 302 } else { 307 };
            redirect(sock, status, &format!("{other}/landing")).await
        }
        "/redirect/loop" => redirect(sock, 302, "/redirect/loop").await,
        "/redirect/home" => redirect(sock, 307, "/ok").await,
        // Links the channel captures and then follows.
        "/links/absolute" => write(sock, 200, "application/json", &format!(r#"{{"url":"{other}/article"}}"#)).await,
        "/links/glued" => {
            let host = other.trim_start_matches("http://");
            write(sock, 200, "application/json", &format!(r#"{{"url":"@{host}/article"}}"#)).await
        }
        "/links/traversal" => write(sock, 200, "application/json", r#"{"id":"../../admin?x=1#"}"#).await,
        // Echoes the request back (a careless target), secrets and all.
        "/echo" => {
            let body = serde_json::json!({ "answer": format!("Refunds within 30 days. You sent: {}", req.raw) });
            write(sock, 200, "application/json", &body.to_string()).await
        }
        // The status arrives, then the body breaks off.
        "/reset-mid-body" => {
            sock.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"answer\":\"Ref",
            )
            .await?;
            sock.flush().await?;
            tokio::time::sleep(Duration::from_millis(50)).await;
            reset(sock)
        }
        // One byte every 100 ms for a minute.
        "/drip" => {
            sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 600\r\n\r\n").await?;
            for _ in 0..600 {
                sock.write_all(b" ").await?;
                sock.flush().await?;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(())
        }
        // Accepts, reads, never answers.
        "/silence" => {
            tokio::time::sleep(Duration::from_secs(120)).await;
            Ok(())
        }
        "/huge-headers" => {
            let mut head = String::from("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n");
            for i in 0..2000 {
                head.push_str(&format!("x-filler-{i}: {}\r\n", "y".repeat(512)));
            }
            head.push_str(&format!("content-length: {}\r\n\r\n{OK}", OK.len()));
            sock.write_all(head.as_bytes()).await
        }
        "/nul-ansi" => {
            let body = serde_json::json!({ "answer": "Refunds within 30 days.\u{0}\u{1b}[31mRED\u{1b}[0m\u{7}" });
            write(sock, 200, "application/json", &body.to_string()).await
        }
        // JSON nested just under serde_json's reading limit of 128 levels.
        "/deep-json" => {
            let depth = 125;
            let body = format!(r#"{{"answer":{}"Refunds within 30 days."{}}}"#, "[".repeat(depth), "]".repeat(depth));
            write(sock, 200, "application/json", &body).await
        }
        // 100,000 nested elements around the answer.
        "/deep-html" => {
            let body = format!(
                "<html><body><article>{}Refunds within 30 days.</article></body></html>",
                "<div>".repeat(100_000)
            );
            write(sock, 200, "text/html", &body).await
        }
        // 64 MB of zeros sent gzip-compressed (64 KB on the wire), unasked.
        "/gzip-bomb" => {
            let bomb = gzip_bomb();
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n",
                bomb.len()
            );
            sock.write_all(head.as_bytes()).await?;
            sock.write_all(bomb).await?;
            sock.flush().await
        }
        // "Nothing yet", 1 MB of it, different on every poll (so no two are stored as one).
        "/empty-polls" => {
            let n = EMPTY_POLLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let body = format!(r#"{{"items":[],"poll":{n},"pad":"{}"}}"#, "z".repeat(1 << 20));
            write(sock, 200, "application/json", &body).await
        }
        _ => write(sock, 404, "text/plain", "no such misbehaviour").await,
    }
}

static EMPTY_POLLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Size of the gzip bomb once decompressed.
pub const BOMB_BYTES: usize = 64 << 20;

/// [`BOMB_BYTES`] of zeros, gzip-compressed once per test binary.
fn gzip_bomb() -> &'static [u8] {
    static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BOMB.get_or_init(|| {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..BOMB_BYTES >> 20 {
            gz.write_all(&zeros).unwrap();
        }
        gz.finish().unwrap()
    })
}

async fn redirect(sock: &mut TcpStream, status: u16, location: &str) -> std::io::Result<()> {
    let head =
        format!("HTTP/1.1 {status} Moved\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    sock.write_all(head.as_bytes()).await
}

async fn write(sock: &mut TcpStream, status: u16, content_type: &str, body: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    sock.write_all(head.as_bytes()).await?;
    sock.write_all(body.as_bytes()).await?;
    sock.flush().await
}

/// Closes with a TCP reset.
fn reset(sock: &mut TcpStream) -> std::io::Result<()> {
    #[allow(deprecated)]
    sock.set_linger(Some(Duration::ZERO))
}

/// Reads one request: head up to the blank line, then `content-length` bytes.
async fn read_request(sock: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if !buf[0].is_ascii_alphabetic() {
            // Not HTTP (a TLS ClientHello): answer as plain HTTP servers do.
            let _ = sock.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
            return None;
        }
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let path = target.split('?').next().unwrap_or("/").to_string();
    Some(Seen { path, raw: String::from_utf8_lossy(&buf).to_string() })
}
