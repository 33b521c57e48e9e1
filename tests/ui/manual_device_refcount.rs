// manual_device_refcount: get/put calls written by hand, however `bindings` is named, and the
// look-alikes that are fine.
//! devref: allow(safety_docs) -- this fixture tests another lint; the safety-contract lints have their own

use core::ptr::NonNull;
use kernel::bindings;
use kernel::bindings as b;
use kernel::bindings::pci_dev_put;
use kernel::bindings::usb_put_dev as release_usb;
use kernel::prelude::*;
use kernel::types::ARef;

/// The abstraction: its own impls take and drop the references `ARef` counts.
mod device {
    use core::ptr::NonNull;
    use kernel::bindings;
    use kernel::types::{ARef, AlwaysRefCounted, Opaque};

    #[repr(transparent)]
    pub struct Device(Opaque<bindings::device>);

    impl Device {
        pub fn as_raw(&self) -> *mut bindings::device {
            self.0.get()
        }

        /// Takes the first reference of a raw device.
        pub unsafe fn get_device(ptr: *mut bindings::device) -> ARef<Self> {
            // SAFETY: `ptr` is valid by the caller's contract.
            unsafe { bindings::get_device(ptr) };
            // SAFETY: the reference just taken is handed to the `ARef`.
            unsafe { ARef::from_raw(NonNull::new_unchecked(ptr.cast())) }
        }
    }

    // SAFETY: instances are always reference-counted.
    unsafe impl AlwaysRefCounted for Device {
        fn inc_ref(&self) {
            // SAFETY: a shared reference proves the refcount is non-zero.
            unsafe { bindings::get_device(self.as_raw()) };
        }

        unsafe fn dec_ref(obj: NonNull<Self>) {
            // SAFETY: the caller owns a reference.
            unsafe { bindings::put_device(obj.cast().as_ptr()) }
        }
    }
}

// --- Reported -----------------------------------------------------------------------------------

fn direct(dev: *mut bindings::device) {
    unsafe { bindings::get_device(dev) }; //~ manual_device_refcount
}

fn renamed_bindings(dev: *mut bindings::device) {
    unsafe { b::put_device(dev) }; //~ manual_device_refcount
}

fn full_path(dev: *mut bindings::device) {
    unsafe { kernel::bindings::put_device(dev) }; //~ manual_device_refcount
    unsafe { ::kernel::bindings::get_device(dev) }; //~ manual_device_refcount
}

fn imported_function(pdev: *mut bindings::pci_dev, udev: *mut bindings::usb_device) {
    unsafe { pci_dev_put(pdev) }; //~ manual_device_refcount
    unsafe { release_usb(udev) }; //~ manual_device_refcount
}

/// A rename of a rename: the call is still `put_device`.
mod reexport {
    pub use kernel::bindings::put_device as drop_ref;
}
use reexport::drop_ref as release_device;

fn renamed_twice(dev: *mut bindings::device) {
    unsafe { release_device(dev) }; //~ manual_device_refcount
}

fn bus_variants(
    pdev: *mut bindings::pci_dev,
    udev: *mut bindings::usb_device,
    intf: *mut bindings::usb_interface,
    plat: *mut bindings::platform_device,
    drm: *mut bindings::drm_device,
    adev: *mut bindings::acpi_device,
) {
    unsafe {
        bindings::pci_dev_get(pdev); //~ manual_device_refcount
        bindings::usb_get_dev(udev); //~ manual_device_refcount
        bindings::usb_get_intf(intf); //~ manual_device_refcount
        bindings::usb_put_intf(intf); //~ manual_device_refcount
        bindings::platform_device_put(plat); //~ manual_device_refcount
        bindings::drm_dev_get(drm); //~ manual_device_refcount
        bindings::drm_dev_put(drm); //~ manual_device_refcount
        bindings::acpi_dev_put(adev); //~ manual_device_refcount
        let adapter = bindings::i2c_get_adapter(0); //~ manual_device_refcount
        bindings::i2c_put_adapter(adapter); //~ manual_device_refcount
    }
}

fn in_macro_arguments(dev: &device::Device, raw: *mut bindings::device) {
    dev_info!(dev, "took {:?}\n", unsafe { bindings::get_device(raw) }); //~ manual_device_refcount
    let _ = pin_init!(Holder {
        dev: unsafe { b::get_device(raw) }, //~ manual_device_refcount
    });
}

/// An `unsafe fn` needs no `unsafe` block around a call in a macro's arguments: the call is seen
/// by its name, or by the name an import gives it.
unsafe fn in_macro_arguments_of_an_unsafe_fn(raw: *mut bindings::device, udev: *mut bindings::usb_device) {
    log!(bindings::get_device(raw)); //~ manual_device_refcount
    log!(release_usb(udev)); //~ manual_device_refcount
}

/// A macro that writes `unsafe` in its own definition, in a function that devref reads (it has
/// an `unsafe` block): the calls in its arguments are seen too.
fn in_a_macro_that_hides_unsafe(raw: *mut bindings::device, udev: *mut bindings::usb_device) {
    // SAFETY: for the test.
    unsafe { bindings::put_device(raw) }; //~ manual_device_refcount
    wraps_unsafe!(bindings::get_device(raw)); //~ manual_device_refcount
    wraps_unsafe!(release_usb(udev)); //~ manual_device_refcount
}

struct Holder<T> {
    dev: T,
}

struct MyDriver {
    pdev: *mut bindings::pci_dev,
}

impl MyDriver {
    fn probe(pdev: *mut bindings::pci_dev) -> Self {
        unsafe { bindings::pci_dev_get(pdev) }; //~ manual_device_refcount
        MyDriver { pdev }
    }
}

impl Drop for MyDriver {
    fn drop(&mut self) {
        unsafe { bindings::pci_dev_put(self.pdev) }; //~ manual_device_refcount
    }
}

fn in_closure(dev: *mut bindings::device) -> impl Fn() {
    move || unsafe { (bindings::put_device)(dev) } //~ manual_device_refcount
}

// --- Not reported -------------------------------------------------------------------------------

/// A local function that only shares the name.
fn get_device() {}

fn put_device(_: u32) {}

/// A local module that only shares the name.
mod local {
    pub mod bindings {
        pub fn get_device() {}
        pub fn put_device() {}
    }

    fn calls() {
        bindings::get_device();
        self::bindings::put_device();
    }
}

fn look_alikes(dev: &device::Device, raw: *mut bindings::device) {
    get_device();
    put_device(0);
    // The abstraction's own constructor: it returns an `ARef`.
    let counted: ARef<device::Device> = unsafe { device::Device::get_device(raw) };
    let _other = dev.get_device();
    drop(counted);
    // Other `bindings` functions.
    unsafe { bindings::get_cpu_device(0) };
    unsafe { bindings::device_unregister(raw) };
    // Not a call: naming the function.
    let _release: unsafe extern "C" fn(*mut bindings::device) = bindings::put_device;
}
