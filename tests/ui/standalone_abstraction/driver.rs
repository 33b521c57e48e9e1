//! A driver beside it: it writes `kernel::bindings`, so it is a crate of its own, and a get here
//! is a manual refcount.

use kernel::bindings;
use kernel::device::Device;

fn hold(dev: &Device) {
    // SAFETY: `dev` is valid, so its reference count is non-zero.
    unsafe { bindings::get_device(dev.as_raw()) }; //~ manual_device_refcount
}
