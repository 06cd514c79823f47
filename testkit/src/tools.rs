//! Tools a test needs that the Rust toolchain does not bring: the one rule for a missing tool,
//! and Python packages in a virtual environment.

use std::path::{Path, PathBuf};

/// What a test does about a tool it needs (`Err` says why it is missing): outside `CI` it
/// prints why and is skipped (`None`); under `CI`, where `.ci/run` installs every tool the tests
/// need, a missing tool fails it.
///
/// # Panics
/// If the tool is missing and `CI` is set.
pub fn tool_or_skip<T>(tool: Result<T, String>) -> Option<T> {
    match tool {
        Ok(tool) => Some(tool),
        Err(reason) if std::env::var_os("CI").is_some() => {
            panic!("{reason}, and CI is set: every tool the tests need is installed there")
        }
        Err(reason) => {
            // Straight to stderr, not through `eprintln!`, which the test harness captures.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "skipping: {reason}");
            None
        }
    }
}

/// The `bin` directory of a Python virtual environment `<base>/<name>` holding the packages of
/// `requirements` (pip's requirements format; hashes pinned there are checked), made on first
/// use and reused while the requirements are unchanged (a copy of them is written last, so a
/// half-made environment is made again). A lock file serializes test processes that start at
/// once. `Err` (for [`tool_or_skip`]) when `python3` cannot be run.
///
/// # Panics
/// If `python3` runs but the environment cannot be made (this is for tests).
pub fn python_venv(base: &Path, name: &str, requirements: &Path) -> Result<PathBuf, String> {
    let wanted = std::fs::read_to_string(requirements)
        .unwrap_or_else(|e| panic!("{}: {e}", requirements.display()));
    let venv = base.join(name);
    let bin = venv.join("bin");
    let installed = venv.join("requirements.txt");
    let ready = || {
        bin.join("python").is_file()
            && std::fs::read_to_string(&installed).is_ok_and(|text| text == wanted)
    };
    if ready() {
        return Ok(bin);
    }
    if let Err(e) = std::process::Command::new("python3")
        .arg("--version")
        .output()
    {
        return Err(format!("python3 cannot be run ({e}); install Python 3"));
    }
    std::fs::create_dir_all(base).expect("create the environment's directory");
    let lock = std::fs::File::create(base.join(format!("{name}.lock"))).expect("a lock file");
    lock.lock().expect("lock the virtual environment");
    if !ready() {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "installing the packages of {} into {}",
            requirements.display(),
            venv.display()
        );
        let _ = std::fs::remove_dir_all(&venv);
        run_checked(
            std::process::Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv),
            "creating the virtual environment",
        );
        run_checked(
            std::process::Command::new(bin.join("python"))
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                ])
                .arg(requirements),
            "pip install -r",
        );
        std::fs::write(&installed, &wanted).expect("record the requirements");
    }
    Ok(bin)
}

/// Runs `command`; panics with its output unless it succeeds.
fn run_checked(command: &mut std::process::Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}): {command:?}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
