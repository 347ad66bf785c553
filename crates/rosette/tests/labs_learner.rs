//! The learner's side of a lab over HTTP and a real WebSocket, on both engines and in real
//! sandboxes: the learner link and its cookie, what the page and its routes refuse, the
//! terminal (typing, window size, activity, reconnecting to the same shell), and the end.

mod common;

use std::time::Duration;

use common::TestApp;
use common::labs::{org_with_hello_track, start_hello as start};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

on_both_engines!(
    a_learner_link_opens_the_page_and_a_terminal_that_outlives_its_connection,
    the_learner_side_refuses_strangers_other_sites_and_other_sessions,
);

/// Follows a learner link: the cookie it sets (`name=value`) and where it leads.
async fn join(app: &TestApp, session: &Value) -> (String, String) {
    let link = session["learner_url"].as_str().expect("a learner link");
    assert!(
        link.starts_with(&format!("{}/lab/join/lab_", app.url)),
        "{link}"
    );
    let response = app.client.get(link).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let id = session["id"].as_str().unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("/lab/sessions/{id}"));
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set_cookie.contains(&format!("Path=/lab/sessions/{id};"))
            && set_cookie.contains("HttpOnly")
            && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    (cookie, location)
}

/// The page's HTML with a cookie.
async fn page(app: &TestApp, path: &str, cookie: Option<&str>) -> (u16, String) {
    let mut request = app.client.get(app.at(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The CSRF token in the page.
fn csrf_in(html: &str) -> String {
    let start = html.find("data-csrf=\"").expect("a CSRF token") + "data-csrf=\"".len();
    html[start..start + 64].to_owned()
}

async fn post(app: &TestApp, path: &str, cookie: &str, csrf: Option<&str>) -> (u16, Value) {
    let mut request = app.client.post(app.at(path)).header("cookie", cookie);
    if let Some(csrf) = csrf {
        request = request.header("x-rosette-lab-csrf", csrf);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the session's terminal as the page would.
async fn connect(
    app: &TestApp,
    path: &str,
    cookie: &str,
    origin: &str,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let url = format!(
        "{}{path}/terminal?rows=30&cols=100",
        app.url.replace("http", "ws")
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    request
        .headers_mut()
        .insert("origin", origin.parse().unwrap());
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

/// Reads the terminal until its output contains `wanted`; what it showed.
async fn read_until(socket: &mut Socket, wanted: &str) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !seen.contains(wanted) {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(Message::Binary(bytes)))) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            Ok(Some(Ok(_))) => {}
            other => panic!("no {wanted:?} on the terminal ({other:?}); it showed {seen:?}"),
        }
    }
    seen
}

async fn type_keys(socket: &mut Socket, keys: &str) {
    socket
        .send(Message::Binary(keys.as_bytes().to_vec().into()))
        .await
        .unwrap();
}

async fn last_activity(app: &TestApp, id: &str) -> i64 {
    use sqlx::Row;
    let row = sqlx::query("SELECT last_activity_at FROM lab_sessions WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap();
    row.get("last_activity_at")
}

async fn a_learner_link_opens_the_page_and_a_terminal_that_outlives_its_connection(app: TestApp) {
    let (org, author) = org_with_hello_track(&app).await;
    let session = start(&app, &author).await;
    let id = session["id"].as_str().unwrap();
    // The link's secret is shown once: reading the session again does not give it.
    let (_, read) = app
        .get(&org.token, &format!("/api/v1/lab-sessions/{id}"))
        .await;
    assert!(read.get("learner_url").is_none(), "{read}");

    let (cookie, path) = join(&app, &session).await;
    let (status, html) = page(&app, &path, Some(&cookie)).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Say hello") && html.contains("<code>~/hello.txt</code>"));
    let csrf = csrf_in(&html);

    let (status, answer) = post(&app, &format!("{path}/check"), &cookie, Some(&csrf)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["passed"], false);
    assert_eq!(
        answer["fail"],
        json!(["~/hello.txt does not say hello yet."])
    );

    // The terminal: the learner's shell in the session's sandbox, at the page's size.
    let mut socket = connect(&app, &path, &cookie, &app.url).await.unwrap();
    let before = last_activity(&app, id).await;
    type_keys(
        &mut socket,
        "echo hello > hello.txt; echo \"size $(stty size) $(id -un) $((6 * 7))\"\r",
    )
    .await;
    read_until(&mut socket, "size 30 100 learner 42").await;
    let after = last_activity(&app, id).await;
    assert!(after > before, "typing is activity: {before} then {after}");
    socket
        .send(Message::Text(
            json!({"type": "resize", "rows": 40, "cols": 120})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    type_keys(&mut socket, "echo \"now $(stty size)\"\r").await;
    read_until(&mut socket, "now 40 120").await;

    // The connection drops; the shell goes on, and a new connection sees the screen so far.
    drop(socket);
    let mut socket = connect(&app, &path, &cookie, &app.url).await.unwrap();
    read_until(&mut socket, "size 30 100 learner 42").await;
    type_keys(&mut socket, "echo \"same shell $$\"\r").await;
    read_until(&mut socket, "same shell").await;

    let (status, answer) = post(&app, &format!("{path}/check"), &cookie, Some(&csrf)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["passed"], true, "{answer}");
    assert_eq!(answer["session"]["current"], 1);

    // Ending the session ends its shell, and the terminal says so.
    let (status, ended) = post(&app, &format!("{path}/end"), &cookie, Some(&csrf)).await;
    assert_eq!(status, 200, "{ended}");
    assert_eq!(ended["status"], "ended");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(Message::Close(Some(frame))))) => {
                assert_eq!(u16::from(frame.code), 4000);
                break;
            }
            Ok(Some(Ok(_))) => continue,
            other => panic!("the terminal did not close: {other:?}"),
        }
    }
    assert!(connect(&app, &path, &cookie, &app.url).await.is_err());
    let (status, html) = page(&app, &path, Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-status=\"ended\""));
}

async fn the_learner_side_refuses_strangers_other_sites_and_other_sessions(app: TestApp) {
    let (_, author) = org_with_hello_track(&app).await;
    let first = start(&app, &author).await;
    let second = start(&app, &author).await;
    let (cookie, path) = join(&app, &first).await;
    let (other_cookie, other_path) = join(&app, &second).await;

    let (status, html) = page(&app, &path, None).await;
    assert_eq!(status, 403);
    assert!(html.contains("Open it from the link"), "{html}");
    let (status, _) = page(&app, &path, Some(&other_cookie)).await;
    assert_eq!(status, 403, "another session's link opened this one");
    let (status, _) = page(&app, "/lab/join/lab_not-a-real-secret", None).await;
    assert_eq!(status, 404);

    // The page allows inline styles (xterm.js's own) but only its own scripts.
    let response = app
        .client
        .get(app.at(&path))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(policy.contains("script-src 'self';"), "{policy}");
    let html = response.text().await.unwrap();
    let csrf = csrf_in(&html);

    // Scripts without the page's token, and other sessions' cookies, do nothing.
    let (status, problem) = post(&app, &format!("{path}/check"), &cookie, None).await;
    assert_eq!(status, 403, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("reload"));
    let (status, _) = post(&app, &format!("{path}/check"), &other_cookie, Some(&csrf)).await;
    assert_eq!(status, 401);
    let (status, _) = post(
        &app,
        &format!("{other_path}/end"),
        &other_cookie,
        Some(&csrf),
    )
    .await;
    assert_eq!(status, 403, "one session's token worked for another");
    let (status, problem) = post(&app, &format!("{path}/finish"), &cookie, Some(&csrf)).await;
    assert_eq!(status, 404, "{problem}");

    // The terminal opens only from this server's pages, and only with the session's cookie.
    let refused = connect(&app, &path, &cookie, "https://evil.example").await;
    assert!(refused.is_err());
    let refused = connect(&app, &path, &other_cookie, &app.url).await;
    assert!(refused.is_err());
    // Eight tabs may show one terminal; a ninth is refused, and a closed one frees its place.
    let mut open = Vec::new();
    for _ in 0..8 {
        open.push(connect(&app, &path, &cookie, &app.url).await.unwrap());
    }
    assert!(connect(&app, &path, &cookie, &app.url).await.is_err());
    open.pop().unwrap().close(None).await.unwrap();
    let started = tokio::time::Instant::now();
    while connect(&app, &path, &cookie, &app.url).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the place was not freed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    for session in [&first, &second] {
        let id = session["id"].as_str().unwrap();
        let (status, _) = app
            .post(
                &author,
                &format!("/api/v1/lab-sessions/{id}/end"),
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
    }
}
