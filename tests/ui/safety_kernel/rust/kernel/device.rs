//! Generic devices: contracts that state the reference count.

use crate::bindings;
use crate::types::{ARef, AlwaysRefCounted, Opaque};
use core::ptr::NonNull;

/// A reference-counted device.
///
/// # Invariants
///
/// Instances of this type are always reference-counted: the existence of a `&Device` means that
/// its reference count is non-zero.
#[repr(transparent)]
pub struct Device(Opaque<bindings::device>);

impl Device {
    /// The raw `struct device` pointer.
    pub fn as_raw(&self) -> *mut bindings::device {
        self.0.get()
    }

    /// Converts a raw C `struct device` pointer to a `&'a Device`.
    ///
    /// # Safety
    ///
    /// Callers must ensure that `ptr` is valid, non-null, and has a non-zero reference count for
    /// the entire duration when the returned reference exists.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::device) -> &'a Self {
        // SAFETY: Guaranteed by the safety requirements of the function.
        unsafe { &*ptr.cast() }
    }

    /// Takes a new reference on an existing `struct device`.
    ///
    /// # Safety
    ///
    /// Callers must ensure that `ptr` is valid, non-null, and has a non-zero reference count for
    /// the duration of this function call.
    pub unsafe fn get_device(ptr: *mut bindings::device) -> ARef<Self> {
        // SAFETY: By the safety requirements `ptr` is valid.
        let dev = unsafe { Self::from_raw(ptr) };
        dev.inc_ref();
        // SAFETY: the reference just taken is handed to the `ARef`.
        unsafe { ARef::from_raw(NonNull::from(dev)) }
    }

    /// The parent device, if any.
    pub fn parent(&self) -> Option<&Device> {
        // SAFETY: By the type invariants, `self.as_raw()` is valid.
        let parent = unsafe { (*self.as_raw()).parent };
        if parent.is_null() {
            return None;
        }
        // SAFETY: a `struct device` holds a reference count of its parent, so `parent` is valid
        // for the lifetime of `self`.
        Some(unsafe { Device::from_raw(parent) })
    }

    /// The same device, borrowed again.
    pub fn this(&self) -> &Device {
        // SAFETY: By the type invariants, `self` is valid for the lifetime of `&self`.
        unsafe { Device::from_raw(self.as_raw()) }
    }
}

// SAFETY: Instances of `Device` are always reference-counted.
unsafe impl AlwaysRefCounted for Device {
    fn inc_ref(&self) {
        // SAFETY: The existence of a shared reference guarantees that the refcount is non-zero.
        unsafe { bindings::get_device(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: Guaranteed by the safety requirements of `dec_ref`.
        unsafe { bindings::put_device(obj.cast().as_ptr()) }
    }
}
