// raw_device_ptr_field through `use` renames, aliases and generic aliases.

use core::ptr::NonNull as Nn;
use kernel::bindings as b;

type DevPtr = *mut b::device;
type StillDevPtr = DevPtr;
type MaybeSerdev = Option<Nn<b::serdev_device>>;
type PtrTo<T> = *const T;
type CDev = b::device;

struct ThroughAlias {
    dev: StillDevPtr, //~ raw_device_ptr_field
}

struct ThroughOptionAlias {
    serdev: MaybeSerdev, //~ raw_device_ptr_field
}

struct ThroughGenericAlias {
    intf: PtrTo<b::usb_interface>, //~ raw_device_ptr_field
}

struct PointeeAlias {
    dev: *mut CDev, //~ raw_device_ptr_field
}

mod nested {
    use super::b;

    pub struct InChildModule {
        pub dev: *mut b::device, //~ raw_device_ptr_field
    }

    pub struct SuperAlias {
        pub dev: super::DevPtr, //~ raw_device_ptr_field
    }
}

// A generic alias instantiated with a non-device type is fine.
struct NotADevice {
    bytes: PtrTo<u8>,
}

// A local module that happens to be called `bindings` is not the kernel's.
mod local {
    pub mod bindings {
        pub struct device;
    }
}

struct LocalDevice {
    dev: *mut local::bindings::device,
}

// A user's own `Device` type is not a device either.
struct device;

struct OwnDevice {
    dev: *mut device,
}
