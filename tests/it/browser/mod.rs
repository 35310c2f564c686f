//! A headless Chromium driven over the DevTools protocol, just enough to open
//! a local file and watch what it does: every request it makes, every
//! console error and uncaught exception, a JavaScript expression's value,
//! and a full-page screenshot.
//!
//! Chromium runs in its own process group with a throwaway profile; the
//! group is killed when the [`Browser`] is dropped, so a failing assertion
//! never leaves a browser behind.
#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;

/// Where Debian and the CI image put it.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Longest wait for a reply or an event: a cold Chromium start can be slow on CI.
const PATIENCE: Duration = Duration::from_secs(60);

pub struct Browser {
    child: Child,
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// The page's session, once attached.
    session: Option<String>,
    /// Every event received so far, in order.
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium and connects to its browser endpoint.
    pub async fn launch() -> Result<Browser> {
        if !Path::new(CHROMIUM).exists() {
            return Err(
                format!("{CHROMIUM} is not installed; run `apt-get install -y chromium` (as .ci/run does)").into()
            );
        }
        let profile = tempfile::tempdir()?;
        let mut child = Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // Its own group, so one kill ends the renderer and GPU helpers too.
            .process_group(0)
            .spawn()?;
        let url = match child.stderr.take() {
            Some(stderr) => devtools_url(stderr),
            None => Err("chromium's stderr was not captured".into()),
        };
        let url = match url {
            Ok(u) => u,
            Err(e) => {
                kill_group(&mut child);
                return Err(e);
            }
        };
        // A full-page screenshot arrives as one base64 message of many megabytes.
        let config = WebSocketConfig {
            max_message_size: Some(512 << 20),
            max_frame_size: Some(512 << 20),
            ..Default::default()
        };
        let ws = match tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), false).await {
            Ok((ws, _)) => ws,
            Err(e) => {
                kill_group(&mut child);
                return Err(format!("cannot connect to {url}: {e}").into());
            }
        };
        Ok(Browser { child, ws, next_id: 0, session: None, events: Vec::new(), _profile: profile })
    }

    /// Opens a blank tab, attaches to it, and enables the domains we watch.
    pub async fn open_page(&mut self) -> Result<()> {
        let target = self.call("Target.createTarget", json!({ "url": "about:blank" })).await?;
        let target_id = target["targetId"].as_str().ok_or("createTarget returned no targetId")?.to_string();
        let attached = self.call("Target.attachToTarget", json!({ "targetId": target_id, "flatten": true })).await?;
        let session = attached["sessionId"].as_str().ok_or("attachToTarget returned no sessionId")?.to_string();
        self.session = Some(session);
        for domain in ["Network", "Runtime", "Log", "Page"] {
            self.call(&format!("{domain}.enable"), json!({})).await?;
        }
        Ok(())
    }

    /// Navigates and waits for the load event.
    pub async fn navigate(&mut self, url: &str) -> Result<()> {
        let nav = self.call("Page.navigate", json!({ "url": url })).await?;
        if let Some(err) = nav.get("errorText").and_then(Value::as_str) {
            return Err(format!("navigation to {url} failed: {err}").into());
        }
        self.wait_for("Page.loadEventFired").await
    }

    /// Evaluates a JavaScript expression in the page and returns its value
    /// (a promise's, once it settles).
    pub async fn eval(&mut self, expression: &str) -> Result<Value> {
        let params = json!({ "expression": expression, "returnByValue": true, "awaitPromise": true });
        let r = self.call("Runtime.evaluate", params).await?;
        if let Some(ex) = r.get("exceptionDetails") {
            return Err(format!("`{expression}` threw: {ex}").into());
        }
        Ok(r["result"].get("value").cloned().unwrap_or(Value::Null))
    }

    /// Renders as if the reader's system were set to dark mode.
    pub async fn prefer_dark(&mut self) -> Result<()> {
        self.call(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": "dark" }] }),
        )
        .await
        .map(|_| ())
    }

    /// A PNG of the page at `width` CSS pixels: all of it, or its top `max_height`.
    pub async fn screenshot(&mut self, width: u32, max_height: Option<f64>) -> Result<Vec<u8>> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await?;
        let metrics = self.call("Page.getLayoutMetrics", json!({})).await?;
        let size = &metrics["cssContentSize"];
        let height = size["height"].as_f64().ok_or("getLayoutMetrics returned no content height")?;
        let height = max_height.map_or(height, |m| height.min(m));
        let shot = self
            .call(
                "Page.captureScreenshot",
                json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": { "x": 0, "y": 0, "width": width, "height": height.ceil(), "scale": 1 }
                }),
            )
            .await?;
        let data = shot["data"].as_str().ok_or("captureScreenshot returned no data")?;
        decode_base64(data)
    }

    /// Events received so far with this method name.
    pub fn events(&self, method: &str) -> Vec<&Value> {
        self.events.iter().filter(|e| e["method"] == method).collect()
    }

    /// Lets late events (a lazily fetched image, a timer's console error) arrive.
    pub async fn settle(&mut self, quiet: Duration) -> Result<()> {
        loop {
            match tokio::time::timeout(quiet, self.ws.next()).await {
                Err(_) => return Ok(()),
                Ok(msg) => {
                    let v = decode(msg)?;
                    self.events.push(v);
                }
            }
        }
    }

    /// Sends a command (to the page's session once attached) and waits for its answer.
    pub async fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        self.ws.send(Message::Text(msg.to_string())).await?;
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let next = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .map_err(|_| format!("no answer to {method}"))?;
            let v = decode(next)?;
            if v["id"] == id {
                if let Some(err) = v.get("error") {
                    return Err(format!("{method} failed: {err}").into());
                }
                return Ok(v["result"].clone());
            }
            self.events.push(v);
        }
    }

    async fn wait_for(&mut self, method: &str) -> Result<()> {
        let seen = |events: &[Value]| events.iter().any(|e| e["method"] == method);
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !seen(&self.events) {
            let next =
                tokio::time::timeout_at(deadline, self.ws.next()).await.map_err(|_| format!("no {method} event"))?;
            let v = decode(next)?;
            self.events.push(v);
        }
        Ok(())
    }

    /// Asks Chromium to quit, then makes sure its whole group is gone.
    pub async fn close(mut self) {
        self.session = None;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.call("Browser.close", json!({}))).await;
        // Drop kills whatever is left.
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

/// Kills Chromium's process group (the id is the one we spawned) and reaps it.
fn kill_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
    let _ = child.kill();
    let _ = child.wait();
}

/// Reads stderr until "DevTools listening on ws://…", then keeps draining it
/// in the background so Chromium never blocks on a full pipe.
fn devtools_url(stderr: std::process::ChildStderr) -> Result<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(at) = line.find("ws://") {
                if line.contains("DevTools listening on") {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(line[at..].trim().to_string());
                    }
                }
            }
        }
    });
    rx.recv_timeout(PATIENCE).map_err(|_| "chromium never printed its DevTools address".into())
}

fn decode(msg: Option<std::result::Result<Message, tokio_tungstenite::tungstenite::Error>>) -> Result<Value> {
    match msg {
        None => Err("chromium closed the DevTools connection".into()),
        Some(Err(e)) => Err(e.into()),
        Some(Ok(Message::Text(t))) => Ok(serde_json::from_str(&t)?),
        Some(Ok(Message::Binary(b))) => Ok(serde_json::from_slice(&b)?),
        Some(Ok(_)) => Ok(Value::Null),
    }
}

/// Standard base64, as the DevTools protocol sends binary data.
fn decode_base64(s: &str) -> Result<Vec<u8>> {
    let value = |c: u8| -> Result<u32> {
        Ok(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(format!("not base64: {:?}", c as char).into()),
        } as u32)
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let take = chunk.len().saturating_sub(1);
        out.extend_from_slice(&n.to_be_bytes()[1..1 + take]);
    }
    Ok(out)
}
