//! The open connections, so that the server can bound them: how many there are, which are idle
//! (no request in progress) and since when, and a way to ask one to close.
//!
//! At the limit, a new connection takes the place of the connection idle the longest (whose
//! client learns nothing it would not learn from any keep-alive timeout), so clients that hold
//! sockets open doing nothing cannot lock out one that sends a request; only when every
//! connection is busy is a new one refused.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Every open connection of a server.
pub(super) struct Connections {
    open: Mutex<HashMap<u64, Arc<Connection>>>,
    next_id: AtomicU64,
    limit: usize,
    epoch: Instant,
}

/// What [`Connections::admit`] decided for a new connection.
pub(super) enum Admission {
    Admitted(Arc<Connection>),
    /// At the limit with every connection busy.
    Refused,
}

/// One open connection.
pub(super) struct Connection {
    id: u64,
    in_flight: AtomicUsize,
    /// Milliseconds since the server's epoch at which the last request ended (or the
    /// connection was accepted).
    idle_since: AtomicU64,
    /// Milliseconds the connection may take to finish once asked to close; `u64::MAX` until
    /// asked.
    close_within: AtomicU64,
    close: Notify,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Connections {
    pub(super) fn new(limit: usize) -> Connections {
        Connections {
            open: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            limit: limit.max(1),
            epoch: Instant::now(),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Registers a new connection, asking the longest-idle one to close if that is what it
    /// takes to stay within the limit.
    pub(super) fn admit(&self, evicted_within: Duration) -> Admission {
        let mut open = locked(&self.open);
        let closing = open.values().filter(|c| c.is_closing()).count();
        if open.len() - closing >= self.limit {
            let idlest = open
                .values()
                .filter(|c| !c.is_closing() && c.is_idle())
                .min_by_key(|c| c.idle_since.load(Ordering::SeqCst))
                .cloned();
            match idlest {
                Some(idlest) => idlest.ask_to_close(evicted_within),
                None => return Admission::Refused,
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let connection = Arc::new(Connection {
            id,
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(self.now_ms()),
            close_within: AtomicU64::new(u64::MAX),
            close: Notify::new(),
        });
        open.insert(id, connection.clone());
        Admission::Admitted(connection)
    }

    /// Forgets a connection that has ended.
    pub(super) fn remove(&self, connection: &Connection) {
        locked(&self.open).remove(&connection.id);
    }

    /// Asks the longest-idle connection to close (to free a file descriptor); whether there was
    /// one.
    pub(super) fn evict_idlest(&self, within: Duration) -> bool {
        let open = locked(&self.open);
        let idlest = open
            .values()
            .filter(|c| !c.is_closing() && c.is_idle())
            .min_by_key(|c| c.idle_since.load(Ordering::SeqCst));
        match idlest {
            Some(idlest) => {
                idlest.ask_to_close(within);
                true
            }
            None => false,
        }
    }

    /// Asks every connection idle for `idle_for` or longer to close.
    pub(super) fn close_idle(&self, idle_for: Duration, within: Duration) {
        let now = self.now_ms();
        let idle_for = u64::try_from(idle_for.as_millis()).unwrap_or(u64::MAX);
        for connection in locked(&self.open).values() {
            let since = connection.idle_since.load(Ordering::SeqCst);
            if connection.is_idle() && now.saturating_sub(since) >= idle_for {
                connection.ask_to_close(within);
            }
        }
    }

    /// Asks every connection to close: the idle ones at once, the busy ones after their
    /// requests, within `within`.
    pub(super) fn close_all(&self, within: Duration) {
        for connection in locked(&self.open).values() {
            connection.ask_to_close(within);
        }
    }

    /// How many connections are open.
    pub(super) fn len(&self) -> usize {
        locked(&self.open).len()
    }

    /// Marks a request as started on `connection`, until the guard is dropped.
    pub(super) fn request<'a>(&'a self, connection: &'a Connection) -> InFlight<'a> {
        connection.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight {
            connections: self,
            connection,
        }
    }
}

impl Connection {
    fn is_idle(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) == 0
    }

    fn is_closing(&self) -> bool {
        self.close_within.load(Ordering::SeqCst) != u64::MAX
    }

    fn ask_to_close(&self, within: Duration) {
        let within = u64::try_from(within.as_millis())
            .unwrap_or(u64::MAX - 1)
            .min(u64::MAX - 1);
        // The first request to close stands; a later one may only shorten it.
        let _ = self
            .close_within
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |current| {
                (within < current).then_some(within)
            });
        self.close.notify_one();
    }

    /// Completes once the connection is asked to close, with how long it may take to finish.
    pub(super) async fn asked_to_close(&self) -> Duration {
        self.close.notified().await;
        Duration::from_millis(self.close_within.load(Ordering::SeqCst))
    }
}

/// A request in progress; dropping it (answered, or cancelled) ends it.
pub(super) struct InFlight<'a> {
    connections: &'a Connections,
    connection: &'a Connection,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.connection
            .idle_since
            .store(self.connections.now_ms(), Ordering::SeqCst);
        self.connection.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admitted(admission: Admission) -> Arc<Connection> {
        match admission {
            Admission::Admitted(connection) => connection,
            Admission::Refused => panic!("refused"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn at_the_limit_the_longest_idle_connection_makes_room() {
        let connections = Connections::new(2);
        let first = admitted(connections.admit(Duration::ZERO));
        tokio::time::advance(Duration::from_secs(1)).await;
        let second = admitted(connections.admit(Duration::ZERO));
        let _third = admitted(connections.admit(Duration::ZERO));
        assert!(first.is_closing(), "the longest idle goes");
        assert!(!second.is_closing());
        connections.remove(&first);
        assert_eq!(connections.len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn at_the_limit_with_every_connection_busy_a_new_one_is_refused() {
        let connections = Connections::new(1);
        let busy = admitted(connections.admit(Duration::ZERO));
        let request = connections.request(&busy);
        assert!(matches!(
            connections.admit(Duration::ZERO),
            Admission::Refused
        ));
        drop(request);
        let _next = admitted(connections.admit(Duration::ZERO));
        assert!(busy.is_closing(), "idle again, it makes room");
    }

    #[tokio::test(start_paused = true)]
    async fn only_connections_idle_long_enough_are_closed() {
        let connections = Connections::new(10);
        let old = admitted(connections.admit(Duration::ZERO));
        tokio::time::advance(Duration::from_secs(5)).await;
        let recent = admitted(connections.admit(Duration::ZERO));
        let busy = admitted(connections.admit(Duration::ZERO));
        let _request = connections.request(&busy);
        tokio::time::advance(Duration::from_secs(5)).await;
        connections.close_idle(Duration::from_secs(8), Duration::ZERO);
        assert!(old.is_closing());
        assert!(!recent.is_closing());
        assert!(!busy.is_closing(), "a request in progress is never idle");
    }

    #[tokio::test(start_paused = true)]
    async fn a_close_request_wakes_the_connection_with_the_shortest_grace() {
        let connections = Connections::new(10);
        let connection = admitted(connections.admit(Duration::ZERO));
        connection.ask_to_close(Duration::from_secs(10));
        connection.ask_to_close(Duration::from_secs(1));
        connection.ask_to_close(Duration::from_secs(5));
        assert_eq!(connection.asked_to_close().await, Duration::from_secs(1));
    }
}
