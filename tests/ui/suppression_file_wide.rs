//! A legacy driver, being rewritten.
//!
//! devref: allow(raw_device_ptr_field) -- this file is replaced by the 7.x driver in the next series

use kernel::bindings;
use kernel::device::Device;

struct Legacy {
    dev: *mut bindings::device,
    parent: *mut bindings::device,
    forever: &'static Device, //~ static_device_ref
}
