//! CPU time (user + system) of a set of threads, from Linux's `/proc`: the threads of the
//! server's tokio runtime register themselves as they start and stop, so that the throughput
//! section can tell the server's CPU from the clients'.

use std::sync::Mutex;

/// `/proc` counts CPU time in clock ticks of `sysconf(_SC_CLK_TCK)`: Linux's `USER_HZ`, 100 on
/// x86, Arm and RISC-V alike. Assumed rather than asked, as the bench does not link libc.
pub const TICKS_PER_SECOND: u64 = 100;

/// A source of CPU time, in ticks of [`TICKS_PER_SECOND`].
pub trait Ticks {
    /// User + system ticks so far.
    fn ticks(&self) -> u64;
}

/// The processes of one process group (another program serving, and the children it runs its
/// work in, as `spin up` does).
pub struct ProcessGroup(pub u32);

impl Ticks for ProcessGroup {
    fn ticks(&self) -> u64 {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return 0;
        };
        entries
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
            .filter_map(|stat| {
                let fields = after_command(&stat)?;
                // Field 5 is the process group; 14 and 15 the user and system time.
                (fields.get(2)?.parse::<u32>().ok()? == self.0).then_some(())?;
                Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
            })
            .sum()
    }
}

/// The fields of a `/proc` `stat` line from field 3 on: field 2, the command name, is in
/// parentheses and may contain anything, so they start after the last `)`.
fn after_command(stat: &str) -> Option<Vec<&str>> {
    Some(
        stat.get(stat.rfind(')')? + 1..)?
            .split_whitespace()
            .collect(),
    )
}

/// Threads whose CPU time [`ThreadCpu::ticks`] sums.
#[derive(Default)]
pub struct ThreadCpu {
    /// The live threads' ids, and the ticks of those that have exited.
    threads: Mutex<(Vec<u32>, u64)>,
}

impl ThreadCpu {
    /// Registers the calling thread (tokio's `on_thread_start`).
    pub fn enter(&self) {
        if let Some(tid) = current_tid() {
            self.lock().0.push(tid);
        }
    }

    /// Keeps the calling thread's ticks before it exits and its `/proc` entry goes
    /// (tokio's `on_thread_stop`).
    pub fn leave(&self) {
        let Some(tid) = current_tid() else {
            return;
        };
        let mut threads = self.lock();
        threads.1 += thread_ticks(tid).unwrap_or(0);
        threads.0.retain(|&live| live != tid);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Vec<u32>, u64)> {
        self.threads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Ticks for ThreadCpu {
    /// User + system ticks of every registered thread, exited ones included, so far.
    fn ticks(&self) -> u64 {
        let threads = self.lock();
        threads.1
            + threads
                .0
                .iter()
                .filter_map(|&tid| thread_ticks(tid))
                .sum::<u64>()
    }
}

/// The calling thread's Linux id: `/proc/thread-self` links to `<pid>/task/<tid>`.
fn current_tid() -> Option<u32> {
    std::fs::read_link("/proc/thread-self")
        .ok()?
        .file_name()?
        .to_str()?
        .parse()
        .ok()
}

/// `utime + stime` (fields 14 and 15 of `/proc/self/task/<tid>/stat`).
fn thread_ticks(tid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    let fields = after_command(&stat)?;
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}
