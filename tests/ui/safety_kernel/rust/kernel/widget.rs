//! A bus device whose contracts say only "valid".

use crate::bindings;
use crate::device;
use crate::types::{AlwaysRefCounted, Opaque};
use core::ptr::NonNull;

/// A widget device.
///
/// # Invariants
///
/// The underlying `struct widget_device` is valid.
#[repr(transparent)]
pub struct Device(Opaque<bindings::widget_device>);

impl Device {
    fn as_raw(&self) -> *mut bindings::widget_device {
        self.0.get()
    }

    /// Borrows a widget device.
    ///
    /// # Safety
    ///
    /// `ptr` must point at a valid `widget_device`.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::widget_device) -> &'a Self { //~ safety_doc_missing_refcount
        // SAFETY: By the safety requirements of this function, `ptr` is valid.
        // (Part of the `# Safety` section's finding: one problem, one finding.)
        unsafe { &*ptr.cast() }
    }

    /// The probe callback of the widget bus.
    pub extern "C" fn probe_callback(wdev: *mut bindings::widget_device) -> i32 {
        // `Device::from_raw` does not ask for a reference count, but it makes a reference from a raw
        // pointer: its weak contract is reported, and this call is held to the canonical one. No
        // vtable registers this fn, so `wdev` is no callback argument.
        // SAFETY: The widget bus only calls probe with a valid pointer.
        let _by_contract = unsafe { Device::from_raw(wdev) }; //~ safety_comment_missing_refcount
        // SAFETY: The widget bus only calls probe with a valid pointer.
        let wdev = unsafe { &*wdev.cast::<Device>() }; //~ safety_comment_missing_refcount
        wdev.id()
    }

    fn id(&self) -> i32 {
        0
    }
}

impl AsRef<device::Device> for Device {
    fn as_ref(&self) -> &device::Device {
        // A projection of `&self`, returned with `&self`'s lifetime: alive by construction.
        // SAFETY: By the type invariant of `Self`, `dev` points to a valid `struct device`.
        unsafe { device::Device::from_raw(&raw mut (*self.as_raw()).dev) }
    }
}

// SAFETY: `get_device` and `put_device` keep the count.
unsafe impl AlwaysRefCounted for Device { //~ safety_comment_missing_refcount
    fn inc_ref(&self) {
        // SAFETY: The existence of `&self` proves that the refcount is non-zero.
        unsafe { bindings::get_device(&raw mut (*self.as_raw()).dev) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller owns the reference dropped here.
        unsafe { bindings::put_device(&raw mut (*obj.as_ptr().cast::<bindings::widget_device>()).dev) }
    }
}
