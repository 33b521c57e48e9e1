//! Generic devices.

use crate::{bindings, types::{AlwaysRefCounted, Opaque}};
use core::ptr::NonNull;

/// A reference-counted device.
#[repr(transparent)]
pub struct Device(Opaque<bindings::device>);

// SAFETY: `get_device`/`put_device` keep the count.
unsafe impl AlwaysRefCounted for Device {
    fn inc_ref(&self) {
        // SAFETY: the existence of `&self` proves a non-zero reference count.
        unsafe { bindings::get_device(self.0.get()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller owns the reference being dropped.
        unsafe { bindings::put_device(obj.cast().as_ptr()) }
    }
}
