//! The gizmo bus, which the built-in catalogue does not know: `gizmo_device` is a device type
//! because its wrapper converts to `device::Device`.

use crate::bindings;
use crate::device;
use crate::types::Opaque;

/// A gizmo device.
#[repr(transparent)]
pub struct Device(Opaque<bindings::gizmo_device>);

impl AsRef<device::Device> for Device {
    fn as_ref(&self) -> &device::Device {
        // SAFETY: `dev` is embedded in a valid gizmo device.
        unsafe { &*(&raw mut (*self.0.get()).dev).cast() }
    }
}
