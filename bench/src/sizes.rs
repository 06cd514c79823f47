//! Section: the size of each `.wasm` file, and how much of it is custom sections (names,
//! producers, component-type metadata) that stripping could still remove.

use crate::stats::{Table, fmt_bytes, fmt_ratio};
use anyhow::{Result, bail};
/// One component to measure: what it is, where it comes from, and its bytes (`None`: absent).
pub struct Artifact {
    pub label: String,
    pub origin: String,
    pub bytes: Option<Vec<u8>>,
}

impl Artifact {
    /// A file, absent if it cannot be read.
    pub fn file(label: impl Into<String>, path: &std::path::Path) -> Artifact {
        Artifact {
            label: label.into(),
            origin: path.display().to_string(),
            bytes: std::fs::read(path).ok(),
        }
    }
}

/// Prints the table for `files`; missing ones are listed as such.
pub fn report(files: &[Artifact], hello_size: Option<u64>) {
    println!(
        "## `.wasm` sizes (release profile: opt-level 3, LTO, `strip = true`; dist/: opt-level \"z\" and wasm-opt -Oz)\n"
    );
    let mut table = Table::new(&["file", ">bytes", ">custom sections", ">× hello", "from"]);
    for Artifact {
        label,
        origin,
        bytes,
    } in files
    {
        let Some(bytes) = bytes else {
            table.row(vec![
                label.clone(),
                "absent".into(),
                "–".into(),
                "–".into(),
                origin.clone(),
            ]);
            continue;
        };
        let size = bytes.len() as u64;
        let custom = match custom_sections(bytes) {
            Ok(sections) => {
                let total: usize = sections.iter().map(|(_, size)| size).sum();
                let mut names: Vec<&str> = sections.iter().map(|(name, _)| name.as_str()).collect();
                names.sort_unstable();
                names.dedup();
                format!("{total} B ({})", names.join(", "))
            }
            Err(e) => format!("unreadable: {e}"),
        };
        table.row(vec![
            label.clone(),
            fmt_bytes(size),
            custom,
            hello_size.map_or("–".into(), |hello| fmt_ratio(size as f64, hello as f64)),
            origin.clone(),
        ]);
    }
    table.print();
}

/// Name and payload size of every custom section, in nested core modules and components too.
pub fn custom_sections(bytes: &[u8]) -> Result<Vec<(String, usize)>> {
    let mut found = Vec::new();
    walk(bytes, &mut found)?;
    Ok(found)
}

fn walk(bytes: &[u8], found: &mut Vec<(String, usize)>) -> Result<()> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        bail!("not a wasm binary");
    }
    // Core modules have version 1 and layer 0; components have layer 1.
    let is_component = bytes[6] == 1 && bytes[7] == 0;
    let mut pos = 8;
    while pos < bytes.len() {
        let id = bytes[pos];
        pos += 1;
        let (size, read) = leb128(&bytes[pos..])?;
        pos += read;
        let end = pos
            .checked_add(size)
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| anyhow::anyhow!("a section runs past the end"))?;
        let payload = &bytes[pos..end];
        match id {
            0 => {
                let (name_len, read) = leb128(payload)?;
                let name = payload
                    .get(read..read + name_len)
                    .map(|name| String::from_utf8_lossy(name).into_owned())
                    .unwrap_or_default();
                found.push((name, size));
            }
            // A component's core module (1) and nested component (4) sections hold whole binaries.
            1 | 4 if is_component => walk(payload, found)?,
            _ => {}
        }
        pos = end;
    }
    Ok(())
}

fn leb128(bytes: &[u8]) -> Result<(usize, usize)> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().take(5).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok((value as usize, i + 1));
        }
    }
    bail!("bad LEB128")
}
