//! The crate `widget_core`, by the `rust-project.json` beside it: by its path it would be
//! `widgets`, and `widget_core::Device` would name nothing.

use kernel::bindings;
use kernel::types::Opaque;

/// A widget device.
#[repr(transparent)]
pub struct Device(Opaque<bindings::widget_device>);

impl AsRef<kernel::device::Device> for Device {
    fn as_ref(&self) -> &kernel::device::Device {
        // SAFETY: `dev` is embedded in `self`, which the borrow keeps alive.
        unsafe { kernel::device::Device::from_raw(&raw mut (*self.0.get()).dev) }
    }
}
