//! What `std` would give a wasm32-wasip2 component, for the `no_std` adapters: an allocator,
//! the canonical ABI's `cabi_realloc`, a panic handler that traps, and a cell that lives as long as
//! the instance. Included by both adapters with `#[path]`.
//!
//! The adapters are `no_std` so that they import nothing but their host's key-value and config
//! interfaces (with `std`, they also import `wasi:cli` and `wasi:io` for its panic and exit paths)
//! and stay around 20 KB.

use core::cell::OnceCell;

#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

/// Every panic is a trap. The adapters never panic on purpose; this covers what the compiler
/// inserts (bounds checks, allocation failure).
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// The canonical ABI's allocator, which `std` provides on wasm32-wasip2 and wit-bindgen expects.
///
/// # Safety
///
/// Called by the host with the canonical ABI's contract: `old_ptr`/`old_len` describe an earlier
/// allocation of alignment `align` (or `old_len` is 0), and `align` is a power of two.
#[unsafe(no_mangle)]
unsafe extern "C" fn cabi_realloc(
    old_ptr: *mut u8,
    old_len: usize,
    align: usize,
    new_len: usize,
) -> *mut u8 {
    use alloc::alloc::{Layout, alloc, realloc};

    // SAFETY: the canonical ABI's contract above.
    let ptr = unsafe {
        if old_len == 0 {
            if new_len == 0 {
                return align as *mut u8;
            }
            alloc(Layout::from_size_align_unchecked(new_len, align))
        } else {
            realloc(
                old_ptr,
                Layout::from_size_align_unchecked(old_len, align),
                new_len,
            )
        }
    };
    if ptr.is_null() {
        core::arch::wasm32::unreachable();
    }
    ptr
}

/// A value set at most once per component instance (such as an open bucket).
pub struct InstanceCell<T>(OnceCell<T>);

// SAFETY: without the `atomics` target feature a wasm32 instance has exactly one thread, so the
// cell is never reached from two threads.
#[cfg(not(target_feature = "atomics"))]
unsafe impl<T> Sync for InstanceCell<T> {}

impl<T> InstanceCell<T> {
    pub const fn new() -> Self {
        Self(OnceCell::new())
    }

    /// The value, initialised by `init` on first use; an error from `init` leaves the cell empty.
    pub fn get_or_try_init<E>(&self, init: impl FnOnce() -> Result<T, E>) -> Result<&T, E> {
        if let Some(value) = self.0.get() {
            return Ok(value);
        }
        let value = init()?;
        Ok(self.0.get_or_init(|| value))
    }
}
