//! Signals to a test's own processes, by the system call rather than a `kill` command:
//! procps' `kill` reads `kill -KILL -2345` as the option `-2` and kills process group 2, which
//! on a CI machine can be the runner itself.

/// The signals tests send: stop for good, ask to stop, pause and resume.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Kill,
    Interrupt,
    Terminate,
    Pause,
    Resume,
}

impl Signal {
    fn number(self) -> libc::c_int {
        match self {
            Signal::Kill => libc::SIGKILL,
            Signal::Interrupt => libc::SIGINT,
            Signal::Terminate => libc::SIGTERM,
            Signal::Pause => libc::SIGSTOP,
            Signal::Resume => libc::SIGCONT,
        }
    }
}

/// Sends `signal` to the process `pid`; false if there is no such process. Never signals
/// pid 0 or 1 (the caller's group, init) or a negative id (a group, or every process).
pub fn signal_process(pid: u32, signal: Signal) -> bool {
    send(pid, signal, false)
}

/// Sends `signal` to every process of the group `leader` leads (a child spawned with
/// `process_group(0)`); false if there is none. Same guards as [`signal_process`].
pub fn signal_group(leader: u32, signal: Signal) -> bool {
    send(leader, signal, true)
}

fn send(id: u32, signal: Signal, group: bool) -> bool {
    let Ok(id) = libc::pid_t::try_from(id) else {
        return false;
    };
    if id <= 1 {
        return false;
    }
    let target = if group { -id } else { id };
    // SAFETY: kill(2) takes plain integers and touches no memory of ours.
    unsafe { libc::kill(target, signal.number()) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt as _;

    #[test]
    fn a_group_signal_reaches_the_group_and_nothing_else() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .unwrap();
        assert!(signal_group(child.id(), Signal::Kill));
        let status = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt as _;
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        // Gone: a second signal finds no group.
        assert!(!signal_group(child.id(), Signal::Kill));
    }

    #[test]
    fn init_and_the_callers_group_are_never_signalled() {
        assert!(!signal_group(0, Signal::Resume));
        assert!(!signal_group(1, Signal::Resume));
        assert!(!signal_process(1, Signal::Resume));
        assert!(!signal_process(u32::MAX, Signal::Resume));
    }
}
