//! PWM channels: named `Device`, but not reference-counted devices.

use crate::bindings;
use crate::types::Opaque;

/// A PWM channel.
#[repr(transparent)]
pub struct Device(Opaque<bindings::pwm_device>);

impl Device {
    /// Borrows a channel.
    ///
    /// # Safety
    ///
    /// `ptr` must be valid for the lifetime of the returned reference.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::pwm_device) -> &'a Self {
        // SAFETY: Guaranteed by the safety requirements.
        unsafe { &*ptr.cast() }
    }
}
