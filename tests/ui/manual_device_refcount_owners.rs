// manual_device_refcount: which impls own the reference count they take or drop.
//! devref: allow(safety_docs) -- this fixture tests another lint; the safety-contract lints have their own

use kernel::bindings;
use kernel::types::ARef;

/// A PCI abstraction: `pci_dev_get`/`pci_dev_put` and the embedded `struct device`'s
/// `get_device`/`put_device` belong here.
mod pci {
    use core::ptr::NonNull;
    use kernel::bindings;
    use kernel::types::{ARef, Opaque};

    #[repr(transparent)]
    pub struct Device(Opaque<bindings::pci_dev>);

    impl Device {
        pub fn as_raw(&self) -> *mut bindings::pci_dev {
            self.0.get()
        }

        pub fn from_raw(ptr: *mut bindings::pci_dev) -> ARef<Self> {
            // SAFETY: `ptr` is valid.
            unsafe { bindings::pci_dev_get(ptr) };
            // SAFETY: the reference just taken is handed to the `ARef`.
            unsafe { ARef::from_raw(NonNull::new_unchecked(ptr.cast())) }
        }

        pub fn hold_embedded(&self) {
            // SAFETY: `self` is a valid PCI device.
            unsafe { bindings::get_device(&raw mut (*self.as_raw()).dev) };
        }

        pub fn wrong_bus(&self, udev: *mut bindings::usb_device) {
            // Not this abstraction's C type.
            unsafe { bindings::usb_put_dev(udev) }; //~ manual_device_refcount
        }
    }

    // The trait is named by its full path.
    // SAFETY: instances are always reference-counted.
    unsafe impl kernel::sync::aref::AlwaysRefCounted for Device {
        fn inc_ref(&self) {
            // SAFETY: a shared reference proves the refcount is non-zero.
            unsafe { bindings::pci_dev_get(self.as_raw()) };
        }

        unsafe fn dec_ref(obj: NonNull<Self>) {
            // SAFETY: the caller owns a reference.
            unsafe { bindings::pci_dev_put(obj.cast().as_ptr()) }
        }
    }

    impl AsRef<kernel::device::Device> for Device {
        fn as_ref(&self) -> &kernel::device::Device {
            // SAFETY: `dev` is valid.
            unsafe { kernel::device::Device::from_raw(&raw mut (*self.as_raw()).dev) }
        }
    }
}

/// A DRM-like abstraction with an owner type beside it, which drops the first reference when its
/// initialisation fails.
mod drm {
    use core::ptr::NonNull;
    use kernel::bindings;
    use kernel::prelude::*;
    use kernel::types::{ARef, AlwaysRefCounted, Opaque};

    #[repr(transparent)]
    pub struct Device(Opaque<bindings::drm_device>);

    pub struct UnregisteredDevice(ARef<Device>);

    impl UnregisteredDevice {
        pub fn new(raw: *mut bindings::drm_device) -> Result<Self> {
            init(raw).inspect_err(|_| {
                // SAFETY: allocation succeeded, so the refcount is one.
                unsafe { bindings::drm_dev_put(raw) };
            })?;
            // SAFETY: the first reference is handed to the `ARef`.
            Ok(Self(unsafe {
                ARef::from_raw(NonNull::new_unchecked(raw.cast()))
            }))
        }
    }

    fn init(_raw: *mut bindings::drm_device) -> Result {
        Ok(())
    }

    /// Beside the abstraction, but it takes a reference and releases it nowhere: a leak.
    pub struct Leaker(*mut bindings::drm_device); //~ raw_device_ptr_field

    impl Leaker {
        pub fn new(raw: *mut bindings::drm_device) -> Self {
            // SAFETY: `raw` is valid.
            unsafe { bindings::drm_dev_get(raw) }; //~ manual_device_refcount
            Self(raw)
        }
    }

    /// Beside the abstraction, and its `Drop` puts what `new` took: it owns the count.
    pub struct Holder(*mut bindings::drm_device);

    impl Holder {
        pub fn new(raw: *mut bindings::drm_device) -> Self {
            // SAFETY: `raw` is valid.
            unsafe { bindings::drm_dev_get(raw) };
            Self(raw)
        }
    }

    impl Drop for Holder {
        fn drop(&mut self) {
            // SAFETY: `new` took this reference.
            unsafe { bindings::drm_dev_put(self.0) };
        }
    }

    /// Beside the abstraction, and the fn that takes the reference puts it on its error path.
    pub struct Tentative;

    impl Tentative {
        pub fn try_hold(raw: *mut bindings::drm_device) -> Result {
            // SAFETY: `raw` is valid.
            unsafe { bindings::drm_dev_get(raw) };
            init(raw).inspect_err(|_| {
                // SAFETY: the reference taken above.
                unsafe { bindings::drm_dev_put(raw) };
            })
        }
    }

    /// A free function is not an impl of the abstraction.
    fn release(raw: *mut bindings::drm_device) {
        // SAFETY: the caller owns a reference.
        unsafe { bindings::drm_dev_put(raw) }; //~ manual_device_refcount
    }

    // SAFETY: instances are always reference-counted.
    unsafe impl AlwaysRefCounted for Device {
        fn inc_ref(&self) {
            // SAFETY: a shared reference proves the refcount is non-zero.
            unsafe { bindings::drm_dev_get(self.0.get()) };
        }

        unsafe fn dec_ref(obj: NonNull<Self>) {
            // SAFETY: the caller owns a reference.
            unsafe { bindings::drm_dev_put(obj.cast().as_ptr()) };
        }
    }
}

/// A counted type that is no `#[repr(transparent)]` wrapper, so no device abstraction: its
/// `AlwaysRefCounted` impl still implements the count.
mod counted {
    use core::ptr::NonNull;
    use kernel::bindings;
    use kernel::sync::aref::AlwaysRefCounted;
    use kernel::types::Opaque;

    pub struct Child {
        dev: Opaque<bindings::device>,
        index: u32,
    }

    // SAFETY: `Child` is always reference-counted through its embedded `struct device`.
    unsafe impl AlwaysRefCounted for Child {
        fn inc_ref(&self) {
            // SAFETY: a shared reference proves the refcount is non-zero.
            unsafe { bindings::get_device(self.dev.get()) };
        }

        unsafe fn dec_ref(obj: NonNull<Self>) {
            // SAFETY: the caller owns a reference.
            unsafe { bindings::put_device(obj.cast().as_ptr()) }
        }
    }
}

/// The same, with the trait imported through a glob the model cannot look into.
mod glob_counted {
    use core::ptr::NonNull;
    use kernel::bindings;
    use kernel::sync::aref::*;
    use kernel::types::Opaque;

    pub struct Child {
        dev: Opaque<bindings::device>,
    }

    // SAFETY: `Child` is always reference-counted through its embedded `struct device`.
    unsafe impl AlwaysRefCounted for Child {
        fn inc_ref(&self) {
            // SAFETY: a shared reference proves the refcount is non-zero.
            unsafe { bindings::get_device(self.dev.get()) };
        }

        unsafe fn dec_ref(obj: NonNull<Self>) {
            // SAFETY: the caller owns a reference.
            unsafe { bindings::put_device(obj.cast().as_ptr()) }
        }
    }
}

/// A driver, in a module of its own: its impls are not the abstraction.
mod driver {
    use kernel::bindings;
    use kernel::pci;
    use kernel::types::ARef;

    pub struct SampleDriver {
        pdev: ARef<pci::Device>,
    }

    impl pci::Driver for SampleDriver {
        fn probe(pdev: &pci::Device) -> Self {
            // SAFETY: `pdev` is valid.
            unsafe { bindings::pci_dev_get(pdev.as_raw()) }; //~ manual_device_refcount
            Self { pdev: pdev.into() }
        }
    }

    impl SampleDriver {
        fn unbind(&self) {
            // SAFETY: `probe` took this reference.
            unsafe { bindings::pci_dev_put(self.pdev.as_raw()) }; //~ manual_device_refcount

            // SAFETY: `pdev` is valid.
            unsafe { bindings::put_device(self.pdev.as_ref().as_raw()) }; //~ manual_device_refcount
        }
    }

    /// A counted reference written by hand in a driver: `Drop` releases what `new` takes, which
    /// is right but redoes what `ARef` does.
    pub struct HandCounted(*mut bindings::pci_dev);

    impl HandCounted {
        pub fn new(pdev: &pci::Device) -> Self {
            // SAFETY: `pdev` is valid.
            unsafe { bindings::pci_dev_get(pdev.as_raw()) }; //~ manual_device_refcount
            Self(pdev.as_raw())
        }
    }

    impl Drop for HandCounted {
        fn drop(&mut self) {
            // SAFETY: `new` took this reference.
            unsafe { bindings::pci_dev_put(self.0) }; //~ manual_device_refcount
        }
    }

    /// `Drop` puts a device of another bus: nothing releases the PCI reference `new` takes.
    pub struct PutsOtherBus {
        pdev: *mut bindings::pci_dev, //~ raw_device_ptr_field
        udev: *mut bindings::usb_device,
    }

    impl PutsOtherBus {
        pub fn new(pdev: &pci::Device, udev: *mut bindings::usb_device) -> Self {
            // SAFETY: `pdev` is valid.
            unsafe { bindings::pci_dev_get(pdev.as_raw()) }; //~ manual_device_refcount
            Self {
                pdev: pdev.as_raw(),
                udev,
            }
        }
    }

    impl Drop for PutsOtherBus {
        fn drop(&mut self) {
            // SAFETY: the caller of `new` gave this type its reference on `udev`.
            unsafe { bindings::usb_put_dev(self.udev) }; //~ manual_device_refcount
        }
    }

    trait Helper {
        fn hold(&self, pdev: *mut bindings::pci_dev) {
            // SAFETY: `pdev` is valid.
            unsafe { bindings::pci_dev_get(pdev) }; //~ manual_device_refcount
        }
    }
}

fn counted(pdev: &pci::Device) -> ARef<pci::Device> {
    let _ = bindings::device_initialize;
    pdev.into()
}
