//! A copy of the kernel's device abstraction outside `rust/kernel` (a scratch folder, a patch's
//! new file): it writes `crate::bindings`, so it is `kernel::device` wherever it sits, and is
//! judged as at `rust/kernel/device.rs`.

use crate::bindings;
use crate::types::{AlwaysRefCounted, Opaque};
use core::ptr::NonNull;

/// A device.
#[repr(transparent)]
pub struct Device(Opaque<bindings::device>);

impl Device {
    /// # Safety
    ///
    /// `ptr` must be valid.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::device) -> &'a Self { //~ safety_doc_missing_refcount
        // SAFETY: by the safety requirements.
        unsafe { &*ptr.cast() }
    }

    /// The abstraction's own get: not a manual refcount.
    fn hold(&self) {
        // SAFETY: `self` is valid, so its reference count is non-zero.
        unsafe { bindings::get_device(self.0.get()) };
    }
}

// SAFETY: instances are always reference-counted.
unsafe impl AlwaysRefCounted for Device {
    fn inc_ref(&self) {
        // SAFETY: a shared reference proves the refcount is non-zero.
        unsafe { bindings::get_device(self.0.get()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller owns a reference.
        unsafe { bindings::put_device(obj.cast().as_ptr()) }
    }
}
