//! A plain-HTTP/1 server that hands each request to the component, with the limits a server
//! facing the Internet needs ([`Limits`]): a deadline for the request header, an idle timeout
//! between requests, a minimum pace for the body, a bound on open connections (the longest-idle
//! one makes room for a new one; when every one is busy the new one is refused with a 503), a
//! backoff when the process runs out of file descriptors, and a bounded drain on shutdown.
//!
//! It logs one line per request to stderr (method, path, status, microseconds) and nothing
//! else about the request: no headers, no query string, no body.

mod body;
mod connections;
mod health;

pub use self::body::BodyPace;
pub use self::health::READY_TIMEOUT;

use self::body::BodyError;
use self::connections::{Admission, Connection, Connections};
use anyhow::{Context as _, Result};
use bytes::Bytes;
use customer_token_runtime::Runtime;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";

/// The largest request body the host reads (the component enforces its own, smaller limit).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// How long an evicted or timed-out connection may take to finish what it is writing.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// The longest pause after the process ran out of file descriptors (or memory for sockets).
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// What the server allows a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// From a connection's first byte of a request (or its opening) to the end of the request
    /// header.
    pub header_read_timeout: Duration,
    /// How long a connection may stay open with no request in progress.
    pub idle_timeout: Duration,
    /// How fast a request body must arrive.
    pub body_pace: BodyPace,
    /// The largest request body (larger ones get a 413 without reaching the component).
    pub max_body_bytes: usize,
    /// Connections open at once.
    pub max_connections: usize,
    /// How long shutting down waits for requests in progress.
    pub shutdown_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            body_pace: BodyPace::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_connections: default_max_connections(),
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

/// File descriptors kept for everything but client connections: the stores' files and
/// connections, the runtime, the standard streams.
const RESERVED_DESCRIPTORS: u64 = 128;

/// Connections the server allows by default: 4,096, or fewer where the process's file
/// descriptor limit would run out first (its soft limit less [`RESERVED_DESCRIPTORS`]).
pub fn default_max_connections() -> usize {
    connection_limit(None).0
}

/// The connections the server allows: `requested`, else 4,096, but never more than the file
/// descriptor limit leaves room for (its soft limit less [`RESERVED_DESCRIPTORS`]), so that
/// connections never take the descriptors a request needs (wasmtime may create a memfd for an
/// instance, a store opens files or sockets). With the reason when `requested` was lowered.
pub fn connection_limit(requested: Option<usize>) -> (usize, Option<String>) {
    let limit = descriptor_limit().unwrap_or(1024);
    let usable =
        usize::try_from(limit.saturating_sub(RESERVED_DESCRIPTORS).max(16)).unwrap_or(usize::MAX);
    match requested {
        None => (usable.min(4096), None),
        Some(requested) if requested > usable => (
            usable,
            Some(format!(
                "--max-connections {requested} is more than {limit} file descriptors allow \
                 ({RESERVED_DESCRIPTORS} are kept for the stores and the runtime): using \
                 {usable}; raise the limit (ulimit -n) for more"
            )),
        ),
        Some(requested) => (requested.max(1), None),
    }
}

/// The process's soft limit on open file descriptors.
#[cfg(unix)]
fn descriptor_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct it is given and nothing else.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    ok.then_some(limit.rlim_cur)
}

#[cfg(not(unix))]
fn descriptor_limit() -> Option<u64> {
    None
}

/// Raises the process's soft limit on open file descriptors to its hard limit, as servers do at
/// start (the soft limit is often 1,024 while the hard one is far higher); the new soft limit.
#[cfg(unix)]
pub fn raise_descriptor_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write only the struct they are given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return Some(raised.rlim_cur);
            }
        }
    }
    Some(limit.rlim_cur)
}

#[cfg(not(unix))]
pub fn raise_descriptor_limit() -> Option<u64> {
    None
}

/// A bound listener and the runtime that answers its requests.
pub struct Server {
    listener: TcpListener,
    runtime: Runtime,
    limits: Limits,
    log_requests: bool,
}

impl Server {
    /// Binds `addr` (use port 0 for any free port).
    pub async fn bind(addr: impl ToSocketAddrs, runtime: Runtime) -> Result<Self> {
        let listener = TcpListener::bind(addr)
            .await
            .context("binding the listen address")?;
        Ok(Server {
            listener,
            runtime,
            limits: Limits::default(),
            log_requests: true,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Replaces every limit.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Caps request bodies at `bytes` (larger ones get a 413 without reaching the component).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_body_bytes = bytes;
        self
    }

    /// Turns the per-request log line on or off (on by default).
    pub fn log_requests(mut self, enabled: bool) -> Self {
        self.log_requests = enabled;
        self
    }

    /// Serves until the process ends.
    pub async fn run(self) -> Result<()> {
        self.run_until(std::future::pending()).await
    }

    /// Serves until `shutdown` completes, then stops accepting, closes the idle connections,
    /// lets requests in progress finish within [`Limits::shutdown_timeout`] and closes the rest.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<()> {
        let local = self.local_addr()?;
        let limits = Arc::new(self.limits);
        let connections = Arc::new(Connections::new(limits.max_connections));
        let handler = Handler {
            runtime: self.runtime,
            limits: limits.clone(),
            log_requests: self.log_requests,
            local,
        };
        let mut tasks = tokio::task::JoinSet::new();
        let mut backoff = Duration::ZERO;
        let mut exhausted = Exhausted::default();
        let mut sweep = tokio::time::interval(sweep_period(limits.idle_timeout));
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                _ = sweep.tick() => {
                    connections.close_idle(limits.idle_timeout, CLOSE_GRACE);
                    continue;
                }
                () = &mut shutdown => break,
            };
            let stream = match accepted {
                Ok((stream, _peer)) => {
                    backoff = Duration::ZERO;
                    exhausted.accepted();
                    stream
                }
                Err(error) if out_of_descriptors(&error) => {
                    // Free a descriptor where a client holds one doing nothing, and pause so
                    // that a burst does not spin the accept loop.
                    connections.evict_idlest(Duration::ZERO);
                    exhausted.count(&error);
                    backoff = (backoff * 2).clamp(Duration::from_millis(10), MAX_ACCEPT_BACKOFF);
                    tokio::time::sleep(backoff).await;
                    continue;
                }
                // A connection the client gave up before it was accepted, and the like.
                Err(_) => continue,
            };
            let _ = stream.set_nodelay(true);
            match connections.admit(CLOSE_GRACE) {
                Admission::Admitted(connection) => {
                    let handler = handler.clone();
                    let connections = connections.clone();
                    tasks.spawn(serve(stream, connection, connections, handler));
                }
                Admission::Refused => {
                    if self.log_requests {
                        eprintln!(
                            "customer-token-host: refused a connection: all {} are busy",
                            limits.max_connections
                        );
                    }
                    tasks.spawn(refuse(stream));
                }
            }
            // Reap finished connections so the set does not grow without bound.
            while tasks.try_join_next().is_some() {}
        }
        drop(self.listener);
        connections.close_all(limits.shutdown_timeout);
        let drained = tokio::time::timeout(limits.shutdown_timeout + CLOSE_GRACE, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            eprintln!(
                "customer-token-host: {} connections did not finish within {:?}; closing them",
                connections.len(),
                limits.shutdown_timeout
            );
            tasks.shutdown().await;
        }
        Ok(())
    }
}

/// How often idle connections are looked for: often enough that one is closed within a quarter
/// of the idle timeout of its due time, at most once a second.
fn sweep_period(idle_timeout: Duration) -> Duration {
    (idle_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(1))
}

/// Whether an accept error means the process (or the system) is out of descriptors or socket
/// memory, which waiting can cure.
fn out_of_descriptors(error: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(
            error.raw_os_error(),
            Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
        )
    }
    #[cfg(not(unix))]
    {
        let _ = error;
        false
    }
}

/// Accept failures counted between two successes, reported once when they stop, so that an
/// exhausted process logs one line per episode rather than one per attempt.
/// One episode of failed accepts (out of descriptors or socket memory): a line when it starts,
/// and one when accepts have gone [`EXHAUSTION_QUIET`] without failing, not a line per failure.
#[derive(Default)]
struct Exhausted {
    failures: u64,
    first: Option<String>,
    last: Option<Instant>,
}

/// How long accepts must go without failing for an episode of exhaustion to be over.
const EXHAUSTION_QUIET: Duration = Duration::from_secs(10);

impl Exhausted {
    fn count(&mut self, error: &std::io::Error) {
        if self.failures == 0 {
            eprintln!(
                "customer-token-host: accept failed ({error}); closing idle connections and \
                 backing off"
            );
            self.first = Some(error.to_string());
        }
        self.failures += 1;
        self.last = Some(Instant::now());
    }

    fn accepted(&mut self) {
        let over = self
            .last
            .is_some_and(|last| last.elapsed() >= EXHAUSTION_QUIET);
        if self.failures > 0 && over {
            eprintln!(
                "customer-token-host: accepting again after {} failed attempts ({})",
                self.failures,
                self.first.take().unwrap_or_default()
            );
            *self = Exhausted::default();
        }
    }
}

/// Serves one connection until it ends, or until it is asked to close (idle too long, evicted,
/// shutting down) and has had the time it was given to finish.
async fn serve(
    stream: TcpStream,
    connection: Arc<Connection>,
    connections: Arc<Connections>,
    handler: Handler,
) {
    let header_read_timeout = handler.limits.header_read_timeout;
    let service = {
        let connection = connection.clone();
        let connections = connections.clone();
        service_fn(move |request| {
            let handler = handler.clone();
            let connection = connection.clone();
            let connections = connections.clone();
            async move {
                let _in_flight = connections.request(&connection);
                Ok::<_, Infallible>(handler.handle(request).await)
            }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .keep_alive(true);
    let http = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(http);
    tokio::select! {
        _ = http.as_mut() => {}
        within = connection.asked_to_close() => {
            http.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(within, http).await;
        }
    }
    connections.remove(&connection);
}

/// Answers a connection over the limit with a 503 and closes it.
async fn refuse(mut stream: TcpStream) {
    const BODY: &str = r#"{"errors":[{"message":"The server is busy; retry shortly."}]}"#;
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

#[derive(Clone)]
struct Handler {
    runtime: Runtime,
    limits: Arc<Limits>,
    log_requests: bool,
    local: SocketAddr,
}

impl Handler {
    async fn handle(&self, request: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
        let started = Instant::now();
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let response = self.respond(request).await;
        if self.log_requests {
            eprintln!(
                "{method} {path} {} {}us",
                response.status().as_u16(),
                started.elapsed().as_micros()
            );
        }
        response
    }

    async fn respond(&self, request: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
        if matches!(*request.method(), http::Method::GET | http::Method::HEAD)
            && let Some(response) = health::answer(request.uri().path(), &self.runtime).await
        {
            return response;
        }
        let (mut parts, body) = request.into_parts();
        let authority = parts
            .headers
            .get(http::header::HOST)
            .and_then(|host| host.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_else(|| self.local.to_string());
        let path_and_query = parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/");
        parts.uri = match format!("http://{authority}{path_and_query}").parse() {
            Ok(uri) => uri,
            Err(_) => return error_response(400, "Bad request: invalid Host header or path"),
        };

        let declared_length = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        if declared_length.is_some_and(|length| length > self.limits.max_body_bytes as u64) {
            return closing(error_response(413, "Request body too large"));
        }
        let body = match body::read(body, self.limits.max_body_bytes, self.limits.body_pace).await {
            Ok(body) => body,
            Err(BodyError::TooLarge) => {
                return closing(error_response(413, "Request body too large"));
            }
            Err(BodyError::TooSlow) => {
                return closing(error_response(408, "Request body too slow"));
            }
            Err(BodyError::Broken) => {
                return closing(error_response(
                    400,
                    "Bad request: the body could not be read",
                ));
            }
        };

        match self
            .runtime
            .handle(http::Request::from_parts(parts, body))
            .await
        {
            Ok(response) => response.map(Full::new),
            Err(e) => {
                eprintln!("customer-token-host: request failed: {e:#}");
                error_response(500, "Internal server error")
            }
        }
    }
}

/// `response`, closing the connection after it (the rest of an unread body is not waited for).
fn closing(mut response: hyper::Response<Full<Bytes>>) -> hyper::Response<Full<Bytes>> {
    response.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    response
}

/// A host-generated error in the component's format (GraphQL error body, JSON).
fn error_response(status: u16, message: &str) -> hyper::Response<Full<Bytes>> {
    let body = serde_json::json!({ "errors": [ { "message": message } ] }).to_string();
    let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_REQUEST);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
