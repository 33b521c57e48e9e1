//! One file of the kernel crate, linted without `rust/kernel/lib.rs` (as a pre-commit hook passes
//! it): `crate::` paths that the file does not define name the `kernel` crate.

use crate::bindings;
use crate::device;
use crate::types::Opaque;
use core::ptr::NonNull;

/// A widget device.
#[repr(transparent)]
pub struct Device(Opaque<bindings::widget_device>);

impl AsRef<device::Device> for Device {
    fn as_ref(&self) -> &device::Device {
        // SAFETY: `dev` is embedded in a valid widget device.
        unsafe { &*(&raw mut (*self.0.get()).dev).cast() }
    }
}

/// A registration that forgot to say how it keeps the device alive.
pub struct Registration(NonNull<bindings::widget_device>); //~ raw_device_ptr_field

pub struct Parent {
    dev: *mut crate::bindings::device, //~ raw_device_ptr_field
}
