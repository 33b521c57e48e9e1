// Suppressions: attributes and comments, used and unused.

use kernel::bindings;
use kernel::device::Device;

#[allow(devref::raw_device_ptr_field)]
struct WholeStruct {
    dev: *mut bindings::device,
    parent: *mut bindings::device,
}

struct OneField {
    #[allow(devref::suspicious, reason = "released by the C side in remove()")]
    dev: *mut bindings::device,
    other: *mut bindings::pci_dev, //~ raw_device_ptr_field
}

#[expect(devref::raw_device_ptr_field, reason = "rewritten in the next series")]
struct Expected {
    dev: *mut bindings::device,
}

#[expect(devref::static_device_ref, reason = "nothing fires here")] //~ unused_suppression
struct Unfulfilled {
    dev: *mut bindings::device, //~ raw_device_ptr_field
}

struct CommentAbove {
    // devref: allow(raw_device_ptr_field) -- owned by the parent's registration
    dev: *mut bindings::device,
    next: *mut bindings::device, //~ raw_device_ptr_field
}

struct CommentTrailing {
    dev: *mut bindings::device, // devref: allow(raw_device_ptr_field) -- see remove()
}

struct CommentNamesTwo {
    // devref: allow(static_device_ref, raw_device_ptr_field) -- legacy data
    dev: *mut bindings::device,
    //~^^ unused_suppression
}

#[allow(devref::raw_device_ptr_field)] //~ unused_suppression
struct NothingToAllow {
    count: u32,
}

#[allow(devref::no_such_lint)] //~ unused_suppression
struct UnknownLint {
    dev: *mut bindings::device, //~ raw_device_ptr_field
}

#[allow(dead_code)]
struct NotOurs {
    dev: *mut bindings::device, //~ raw_device_ptr_field
}

struct Holder<'a> {
    dev: &'a Device,
}

fn store(ptr: *mut bindings::device) -> Holder<'static> {
    let dev = unsafe { Device::from_raw(ptr) }; // SAFETY: the caller holds a reference (test).
    #[allow(devref::unbounded_device_ref, reason = "test-only helper")]
    let holder = Holder { dev };
    holder
}
