//! A new abstraction the patch adds.

use crate::bindings;
use crate::types::Opaque;

/// A widget device.
#[repr(transparent)]
pub struct Widget(Opaque<bindings::widget_device>);

impl AsRef<crate::device::Device> for Widget {
    fn as_ref(&self) -> &crate::device::Device {
        // SAFETY: `dev` is embedded in `self`, which the borrow keeps alive.
        unsafe { crate::device::Device::from_raw(&raw mut (*self.0.get()).dev) }
    }
}
