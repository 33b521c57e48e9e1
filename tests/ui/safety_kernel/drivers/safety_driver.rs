//! A driver linted with the kernel crate: callee contracts are quoted from its sources.

use kernel::bindings;
use kernel::device::Device;
use kernel::pwm;
use kernel::types::ARef;
use kernel::widget;

extern "C" fn probe(ptr: *mut bindings::device) -> i32 {
    // SAFETY: `ptr` is a valid pointer to a `struct device`.
    let dev = unsafe { Device::from_raw(ptr) }; //~ safety_comment_missing_refcount
    // SAFETY: the driver core holds a reference until probe returns, so the reference count is
    // non-zero while `again` exists.
    let again = unsafe { Device::from_raw(ptr) };
    dev.id() + again.id()
}

/// Takes a reference on a device the caller keeps alive.
///
/// # Safety
///
/// The caller must hold a reference on `ptr` for the duration of this call.
unsafe fn take(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: Guaranteed by the safety requirements of the function.
    unsafe { Device::get_device(ptr) }
}

/// # Safety
///
/// `ptr` must point at a valid `device`.
unsafe fn take_valid(ptr: *mut bindings::device) -> ARef<Device> { //~ safety_doc_missing_refcount
    // SAFETY: the caller guarantees that `ptr` is valid.
    unsafe { Device::get_device(ptr) }
}

/// A driver helper whose contract states the reference count: its callers inherit the duty.
///
/// # Safety
///
/// `ptr` must have a non-zero reference count while the returned reference exists.
unsafe fn lookup<'a>(ptr: *mut bindings::device) -> &'a Device {
    // SAFETY: Guaranteed by the safety requirements of the function.
    unsafe { Device::from_raw(ptr) }
}

fn caller_of_lookup(ptr: *mut bindings::device) -> i32 {
    let dev = unsafe { lookup(ptr) }; //~ missing_safety_comment
    dev.id()
}

fn pwm_from_raw(ptr: *mut bindings::pwm_device) {
    // Resolves to `pwm::Device::from_raw`, which is not a device's: not in scope.
    let _channel = unsafe { pwm::Device::from_raw(ptr) };
}

fn widget_from_raw(ptr: *mut bindings::widget_device) {
    // Its contract does not ask for a reference count (the contract is reported), so the call is
    // held to the canonical one.
    let _widget = unsafe { widget::Device::from_raw(ptr) }; //~ missing_safety_comment
}
