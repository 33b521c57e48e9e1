//@ args: -W callback_safety_comment_missing_refcount
// callback_safety_comment_missing_refcount (pedantic): the strict reading of a C callback's
// SAFETY comment, which must say that the caller holds a reference for the call.

use kernel::bindings;
use kernel::device;
use kernel::pci;
use kernel::types::Opaque;

struct Adapter;

impl Adapter {
    const OPS: bindings::pci_driver = bindings::pci_driver {
        probe: Some(Adapter::probe_callback),
        remove: Some(Self::remove_callback),
        shutdown: if HAS_SHUTDOWN { Some(Self::shutdown_callback) } else { None },
    };

    extern "C" fn probe_callback(pdev: *mut bindings::pci_dev) -> i32 {
        // SAFETY: The PCI bus only ever calls the probe callback with a valid pointer to a
        // `struct pci_dev`.
        let pdev = unsafe { &*pdev.cast::<pci::Device<device::CoreInternal<'_>>>() }; //~ callback_safety_comment_missing_refcount
        pdev.id()
    }

    extern "C" fn remove_callback(pdev: *mut bindings::pci_dev) {
        /* SAFETY: `pdev` is valid for the duration of `remove_callback()`. */
        let pdev = unsafe { &*pdev.cast::<pci::Device>() }; //~ callback_safety_comment_missing_refcount
        pdev.id();
    }

    /// Says it: quiet.
    extern "C" fn shutdown_callback(pdev: *mut bindings::pci_dev) {
        // SAFETY: The driver core holds a reference to `pdev` for the duration of the callback.
        let pdev = unsafe { &*pdev.cast::<pci::Device>() };
        pdev.id();
    }

    /// Not registered: `safety_comment_missing_refcount`'s, not this lint's.
    extern "C" fn resume_callback(pdev: *mut bindings::pci_dev) {
        // SAFETY: The PCI bus only ever calls this with a valid pointer.
        let pdev = unsafe { &*pdev.cast::<pci::Device>() }; //~ safety_comment_missing_refcount
        pdev.id();
    }
}

struct Release;

impl Release {
    fn init(dev: *mut bindings::device) {
        // SAFETY: `dev` is being initialised.
        unsafe { (*dev).release = Some(Self::release_callback) };
    }

    /// A teardown callback: not this lint's either.
    extern "C" fn release_callback(dev: *mut bindings::device) {
        // SAFETY: The driver core only calls release with a valid pointer.
        let dev = unsafe { device::Device::from_raw(dev) }; //~ safety_comment_missing_refcount
        dev.id();
    }
}
