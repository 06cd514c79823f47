//! The local development credentials: `<data dir>/dev-credentials.env`, created with random
//! values on the server's first run with no configuration, private to its owner, never
//! overwritten.

use std::path::Path;

use customer_token::config::KEYS;
use customer_token_runtime::SecretMap;

use super::{ConfigError, env_file};

/// The file inside the data directory that holds the local development credentials.
pub const FILE: &str = "dev-credentials.env";

/// `bytes` random bytes from the operating system, as lowercase hex.
fn random_hex(bytes: usize) -> Result<String, ConfigError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| ConfigError::Random(e.to_string()))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

/// The text of a new development credentials file: random values for every required key (the
/// two identifiers 16 bytes, the three secrets 32 bytes, as hex).
fn new_text() -> Result<String, ConfigError> {
    let mut text = String::from(
        "# Local development credentials for customer-token-host, created by its first run with \
         no configuration.\n\
         # serve, sign and post use them when neither the environment nor --env-file sets any \
         of these keys.\n\
         # Keep this file private; delete it to have new ones created.\n",
    );
    for key in KEYS.iter().filter(|key| key.required) {
        // Secrets get 32 random bytes; the identifiers a shorter value that reads as one.
        let value = if key.secret {
            random_hex(32)?
        } else {
            let prefix: String = key
                .name
                .split('_')
                .skip(1)
                .filter_map(|w| w.chars().next())
                .collect();
            format!("{prefix}-{}", random_hex(16)?)
        };
        text.push_str(&format!("{}={value}\n", key.env_name()));
    }
    Ok(text)
}

/// Writes a new development credentials file at `path` unless one is there (a file another
/// process created first is kept), and reads back what `path` holds. `true` if this call wrote
/// it. The file is written under a temporary name (mode 0600) and linked into place, so `path`
/// never holds a partial file and an existing one is never replaced.
pub(super) fn create(path: &Path) -> Result<(SecretMap, bool), ConfigError> {
    let create_error = |error: std::io::Error| ConfigError::Create {
        path: path.to_path_buf(),
        error,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(create_error)?;
    let text = new_text()?;
    let temp = dir.join(format!(
        ".{FILE}.{}.{}.tmp",
        std::process::id(),
        random_hex(4)?
    ));
    write_private(&temp, &text).map_err(create_error)?;
    let linked = std::fs::hard_link(&temp, path);
    let _ = std::fs::remove_file(&temp);
    let created = match linked {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
        // A file system without hard links: create the file in place, still never replacing one.
        Err(_) => match write_private(path, &text) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
            Err(e) => return Err(create_error(e)),
        },
    };
    Ok((read(path)?, created))
}

/// Reads the development credentials at `path`, refusing a file another user could have written:
/// a symbolic link, a file not owned by this process's user, or one group or others may write.
/// Credentials planted there would let whoever planted them sign requests.
pub(super) fn read(path: &Path) -> Result<SecretMap, ConfigError> {
    let metadata = std::fs::symlink_metadata(path).map_err(|error| ConfigError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    let untrusted = |why: &'static str| ConfigError::Untrusted {
        path: path.to_path_buf(),
        why,
    };
    if metadata.file_type().is_symlink() {
        return Err(untrusted("it is a symbolic link"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        // SAFETY: geteuid has no preconditions and cannot fail.
        if metadata.uid() != unsafe { libc::geteuid() } {
            return Err(untrusted("another user owns it"));
        }
        if metadata.mode() & 0o022 != 0 {
            return Err(untrusted("group or others may write it"));
        }
    }
    env_file::read(path)
}

/// Creates `path` (failing if it exists), readable and writable by its owner only, with `text`.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        // The umask can only clear bits; set exactly 0600 whatever it is.
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(text.as_bytes())?;
    file.sync_all()
}
