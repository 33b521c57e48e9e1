//! A `#[repr(C)]` device wrapper (like fwctl's), which the device catalogue does not derive: it is
//! a device because its `AlwaysRefCounted` impl counts the embedded `struct device`.

use crate::bindings;
use crate::device;
use crate::types::{AlwaysRefCounted, Opaque};
use core::ptr::NonNull;

/// A gadget.
///
/// # Invariants
///
/// A `Gadget` owns a reference on its embedded `struct device`, so `dev` is valid for as long as
/// the `Gadget` exists.
#[repr(C)]
pub struct Gadget<T> {
    dev: Opaque<bindings::gadget_device>,
    data: T,
}

impl<T> Gadget<T> {
    /// Borrows a gadget from its C pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a valid `gadget_device` embedded in a [`Gadget<T>`].
    unsafe fn from_raw<'a>(ptr: *mut bindings::gadget_device) -> &'a Self { //~ safety_doc_missing_refcount
        // SAFETY: The caller upholds the layout invariant.
        unsafe { &*ptr.cast() }
    }

    /// The embedded device.
    pub fn device(&self) -> &device::Device {
        // SAFETY: By the type invariants, `dev` is valid while `self` exists.
        unsafe { device::Device::from_raw(&raw mut (*self.dev.get()).dev) }
    }
}

unsafe impl<T> AlwaysRefCounted for Gadget<T> { //~ missing_safety_comment
    fn inc_ref(&self) {
        // SAFETY: The existence of `&self` proves that the refcount is non-zero.
        unsafe { bindings::get_device(&raw mut (*self.dev.get()).dev) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller owns the reference dropped here.
        unsafe { bindings::put_device(&raw mut (*obj.as_ptr().cast::<bindings::gadget_device>()).dev) }
    }
}
