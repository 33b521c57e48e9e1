//! A bus the built-in catalogue does not know: `widget_device` becomes a device type because its
//! wrapper converts to `device::Device`.

use crate::bindings;
use crate::device;
use crate::types::Opaque;

/// A widget device.
#[repr(transparent)]
pub struct Device(Opaque<bindings::widget_device>);

impl AsRef<device::Device> for Device {
    fn as_ref(&self) -> &device::Device {
        // SAFETY: `dev` is embedded in a valid widget device.
        unsafe { &*(&raw mut (*self.0.get()).dev).cast() }
    }
}

/// A widget gadget: not a device (no conversion to `device::Device`, no device refcount).
#[repr(transparent)]
pub struct Gadget(Opaque<bindings::widget_gadget>);
