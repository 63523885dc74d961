//! The hardened HTTP server of the webhook and `/metrics` ([`serve_http`]) against slow,
//! idle and too many clients on loopback: headers or a body sent too slowly close the
//! connection, idle connections over the limit make room for new ones, a connection while
//! every one is in a request and a request over the in-flight limit are answered 503 at
//! once.
//! Every wait is on a real condition (a closed connection, a handler entered), bounded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use frontdesk_telegram::{HttpLimits, serve_http};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, Semaphore, oneshot};

/// The longest any test waits for something that must happen.
const BOUND: Duration = Duration::from_secs(10);

/// A running server: its address; dropping `stop` stops it.
struct Server {
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

async fn start(app: Router, limits: HttpLimits) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, rx) = oneshot::channel::<()>();
    tokio::spawn(serve_http(
        listener,
        app,
        limits,
        async move {
            let _ = rx.await;
        },
        Duration::from_secs(1),
    ));
    Server { addr, _stop: stop }
}

fn app() -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/echo", post(|body: String| async move { body }))
}

/// Everything the server sends until it closes the connection; panics if it is still open
/// after [`BOUND`].
async fn read_until_closed(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    match tokio::time::timeout(BOUND, s.read_to_end(&mut out)).await {
        Ok(Ok(_)) => {}
        // A reset after the server closed with unread input is a close too.
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Ok(Err(e)) => panic!("reading failed: {e}"),
        Err(_) => panic!(
            "the server kept the connection open for {BOUND:?}; got so far: {:?}",
            String::from_utf8_lossy(&out)
        ),
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The status code of a plain `GET path` on a new connection.
async fn get_status(addr: SocketAddr, path: &str) -> u16 {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let r = read_until_closed(&mut s).await;
    r.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {r:?}"))
}

fn quick() -> HttpLimits {
    HttpLimits {
        header_timeout: Duration::from_millis(300),
        body_timeout: Duration::from_millis(300),
        ..HttpLimits::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_sent_too_slowly_or_never_close_the_connection() {
    let srv = start(app(), quick()).await;
    // Half a request, then nothing (a slowloris client).
    let mut slow = TcpStream::connect(srv.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        .await
        .unwrap();
    // Nothing at all after connecting (an idle client).
    let mut idle = TcpStream::connect(srv.addr).await.unwrap();
    let answered = read_until_closed(&mut slow).await;
    assert!(!answered.contains(" 200 "), "{answered}");
    read_until_closed(&mut idle).await;
    // A kept-alive connection idle after its request is closed too.
    let mut kept = TcpStream::connect(srv.addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let r = read_until_closed(&mut kept).await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert!(r.ends_with("ok\n"), "{r}");
    // The endpoint still serves.
    assert_eq!(get_status(srv.addr, "/healthz").await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_cut_short_gets_408_and_a_body_too_long_413() {
    let srv = start(
        app(),
        HttpLimits {
            max_body_bytes: 1000,
            ..quick()
        },
    )
    .await;
    let mut short = TcpStream::connect(srv.addr).await.unwrap();
    short
        .write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789")
        .await
        .unwrap();
    let r = read_until_closed(&mut short).await;
    assert!(r.starts_with("HTTP/1.1 408"), "{r}");

    let mut long = TcpStream::connect(srv.addr).await.unwrap();
    long.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n")
        .await
        .unwrap();
    long.write_all(&[b'x'; 5000]).await.unwrap();
    let r = read_until_closed(&mut long).await;
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");

    // A whole body is read and handled.
    let c = reqwest::Client::new();
    let res = c
        .post(format!("http://{}/echo", srv.addr))
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "hello");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_over_the_limit_make_room_for_new_ones() {
    const LIMIT: usize = 8;
    const CLIENTS: usize = 50;
    let srv = start(
        app(),
        HttpLimits {
            // Long enough that no idle client is closed by the timeout during the test.
            header_timeout: Duration::from_secs(60),
            max_connections: LIMIT,
            ..HttpLimits::default()
        },
    )
    .await;
    // Idle clients, in order (the server accepts them one after the other): each one over
    // the limit takes the place of the oldest idle one, which is closed without an answer.
    let mut idle = Vec::new();
    for _ in 0..CLIENTS {
        idle.push(TcpStream::connect(srv.addr).await.unwrap());
    }
    for s in idle.iter_mut().take(CLIENTS - LIMIT) {
        assert_eq!(read_until_closed(s).await, "");
    }
    // A real client is served at once, in the place of the oldest remaining idle one.
    assert_eq!(get_status(srv.addr, "/healthz").await, 200);
    assert_eq!(read_until_closed(&mut idle[CLIENTS - LIMIT]).await, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_still_sending_its_headers_makes_room_too() {
    let srv = start(
        app(),
        HttpLimits {
            header_timeout: Duration::from_secs(60),
            max_connections: 1,
            ..HttpLimits::default()
        },
    )
    .await;
    let mut slow = TcpStream::connect(srv.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nX-Slow: ")
        .await
        .unwrap();
    assert_eq!(get_status(srv.addr, "/healthz").await, 200);
    assert_eq!(read_until_closed(&mut slow).await, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_every_connection_is_in_a_request_a_new_one_gets_503() {
    let (entered, in_handler, release, app) = slow_app();
    let srv = start(
        app,
        HttpLimits {
            max_connections: 2,
            ..HttpLimits::default()
        },
    )
    .await;
    let url = format!("http://{}/slow", srv.addr);
    let busy: Vec<_> = (0..2)
        .map(|_| tokio::spawn(reqwest::get(url.clone())))
        .collect();
    wait_entered(&entered, &in_handler, 2).await;
    // Nothing to make room with: answered at once, not queued.
    let mut third = TcpStream::connect(srv.addr).await.unwrap();
    third
        .write_all(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let r = read_until_closed(&mut third).await;
    assert!(r.starts_with("HTTP/1.1 503"), "{r}");
    release.add_permits(2);
    for b in busy {
        assert_eq!(b.await.unwrap().unwrap().status(), 200);
    }
    assert_eq!(entered.load(Ordering::SeqCst), 2);
}

/// A route `/slow` whose handler counts its entries, tells `Notify`, and waits for a permit
/// of the semaphore.
fn slow_app() -> (Arc<AtomicUsize>, Arc<Notify>, Arc<Semaphore>, Router) {
    let entered = Arc::new(AtomicUsize::new(0));
    let in_handler = Arc::new(Notify::new());
    let release = Arc::new(Semaphore::new(0));
    let app = Router::new().route(
        "/slow",
        get({
            let (entered, in_handler, release) =
                (entered.clone(), in_handler.clone(), release.clone());
            move || async move {
                entered.fetch_add(1, Ordering::SeqCst);
                in_handler.notify_waiters();
                release.acquire().await.unwrap().forget();
                "done\n"
            }
        }),
    );
    (entered, in_handler, release, app)
}

/// Waits (bounded) until the handler of [`slow_app`] was entered `n` times.
async fn wait_entered(entered: &AtomicUsize, in_handler: &Notify, n: usize) {
    tokio::time::timeout(BOUND, async {
        loop {
            let notified = in_handler.notified();
            if entered.load(Ordering::SeqCst) >= n {
                break;
            }
            notified.await;
        }
    })
    .await
    .expect("the requests reach the handler");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_over_the_in_flight_limit_are_shed_with_503() {
    let (entered, in_handler, release, app) = slow_app();
    let srv = start(
        app,
        HttpLimits {
            max_in_flight: 2,
            ..HttpLimits::default()
        },
    )
    .await;
    let url = format!("http://{}/slow", srv.addr);
    let busy: Vec<_> = (0..2)
        .map(|_| tokio::spawn(reqwest::get(url.clone())))
        .collect();
    wait_entered(&entered, &in_handler, 2).await;
    // A third is shed at once, not queued.
    let shed = tokio::time::timeout(BOUND, reqwest::get(&url))
        .await
        .expect("the third request is answered at once")
        .unwrap();
    assert_eq!(shed.status(), 503);
    assert_eq!(shed.headers()["retry-after"], "1");
    release.add_permits(2);
    for b in busy {
        let r = b.await.unwrap().unwrap();
        assert_eq!(r.status(), 200);
    }
    assert_eq!(entered.load(Ordering::SeqCst), 2);
}
