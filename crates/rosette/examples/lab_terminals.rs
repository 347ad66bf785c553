//! Opens many lab sessions with a terminal each against a running server, as browsers would,
//! and holds them open: the load of `bench/labs.sh`, which measures the memory they take.
//!
//! For each session: start it over the API, follow its learner link, open its terminal's
//! WebSocket, type a command and wait for its output. Then every terminal stays connected
//! and idle for the hold time, and every session is ended.
//!
//! Usage: cargo run --release -p rosette --example lab_terminals -- \
//!            URL AUTHOR_TOKEN TRACK_SLUG COUNT HOLD_SECONDS

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, token, slug, count, hold] = args.as_slice() else {
        return Err("usage: lab_terminals URL AUTHOR_TOKEN TRACK_SLUG COUNT HOLD_SECONDS".into());
    };
    let count: usize = count.parse()?;
    let hold = Duration::from_secs(hold.parse()?);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;

    let mut sessions = Vec::new();
    let mut starts = Vec::new();
    let mut opens = Vec::new();
    for n in 0..count {
        let started = Instant::now();
        let session: Value = client
            .post(format!("{url}/api/v1/tracks/{slug}/sessions"))
            .bearer_auth(token)
            .json(&json!({"learner": {"email": format!("learner{n}@example.org")}}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        starts.push(started.elapsed());
        let opened = Instant::now();
        let socket = open_terminal(&client, url, &session, n).await?;
        opens.push(opened.elapsed());
        sessions.push((
            session["id"].as_str().unwrap_or_default().to_owned(),
            socket,
        ));
    }
    println!(
        "started {count} sessions: start p50 {:.1} ms, p95 {:.1} ms; terminal open and first \
         answer p50 {:.1} ms, p95 {:.1} ms",
        percentile(&mut starts, 50),
        percentile(&mut starts, 95),
        percentile(&mut opens, 50),
        percentile(&mut opens, 95),
    );
    println!("holding {count} idle terminals for {} s", hold.as_secs());
    println!("READY");
    tokio::time::sleep(hold).await;

    for (id, mut socket) in sessions {
        let _ = socket.close(None).await;
        client
            .post(format!("{url}/api/v1/lab-sessions/{id}/end"))
            .bearer_auth(token)
            .json(&json!({}))
            .send()
            .await?
            .error_for_status()?;
    }
    println!("ended {count} sessions");
    Ok(())
}

/// Follows the session's learner link, opens its terminal and waits for a typed command's
/// answer.
async fn open_terminal(
    client: &reqwest::Client,
    url: &str,
    session: &Value,
    n: usize,
) -> Result<Socket, Box<dyn std::error::Error>> {
    let link = session["learner_url"].as_str().ok_or("no learner link")?;
    let joined = client.get(link).send().await?;
    let cookie = joined.headers()["set-cookie"].to_str()?;
    let cookie = cookie.split(';').next().unwrap_or_default().to_owned();
    let path = joined.headers()["location"].to_str()?.to_owned();
    let ws = format!(
        "{}{path}/terminal?rows=24&cols=80",
        url.replacen("http", "ws", 1)
    );
    let mut request = ws.into_client_request()?;
    request.headers_mut().insert("cookie", cookie.parse()?);
    request.headers_mut().insert("origin", url.parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let wanted = format!("ready {}", n * 2);
    let typed = format!("echo ready $(({n} * 2))\r");
    socket
        .send(Message::Binary(typed.into_bytes().into()))
        .await?;
    let mut seen = String::new();
    while !seen.contains(&wanted) {
        match tokio::time::timeout(Duration::from_secs(30), socket.next()).await {
            Ok(Some(Ok(Message::Binary(bytes)))) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            Ok(Some(Ok(_))) => {}
            other => return Err(format!("terminal {n} did not answer: {other:?}").into()),
        }
    }
    Ok(socket)
}

fn percentile(times: &mut [Duration], p: usize) -> f64 {
    times.sort();
    let index = (times.len().saturating_sub(1) * p) / 100;
    times.get(index).map_or(0.0, |t| t.as_secs_f64() * 1000.0)
}
