// The device catalogue covers every C type the kernel's headers say embeds a `struct device`, and
// their get/put functions (`tools/device_catalogue.py`), also those no Rust abstraction wraps yet:
// the fix then names no `ARef<…>` type it cannot know.

use kernel::bindings;

struct Touch {
    input: *mut bindings::input_dev, //~ raw_device_ptr_field
    adapter: core::ptr::NonNull<bindings::i2c_adapter>, //~ raw_device_ptr_field
    netdev: *mut bindings::net_device, //~ raw_device_ptr_field
    owner: &'static bindings::spi_device, //~ static_device_ref
    /// Not a device: no `struct device` in it.
    resource: *mut bindings::resource,
}

fn take(input: *mut bindings::input_dev, netdev: *mut bindings::net_device) {
    // SAFETY: `input` has a non-zero reference count: the caller holds one.
    unsafe { bindings::input_get_device(input) }; //~ manual_device_refcount
    // SAFETY: `netdev` has a non-zero reference count: the caller holds one.
    unsafe { bindings::dev_hold(netdev) }; //~ manual_device_refcount
    // An accessor that only reads a field is no get.
    // SAFETY: `input` is valid.
    let _ = unsafe { bindings::input_get_drvdata(input) };
}
