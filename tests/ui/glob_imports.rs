// Glob imports: `use kernel::bindings::*` brings the C names into scope, and every lint sees them.
// A name the module defines itself still wins over the glob; other globs (`kernel::prelude::*`)
// cannot be looked into.
//! devref: allow(safety_docs) -- this fixture tests name resolution; the safety-contract lints have their own

mod through_the_kernel_crate {
    use kernel::bindings::*;

    struct Holder {
        dev: *mut device, //~ raw_device_ptr_field
        pdev: core::ptr::NonNull<pci_dev>, //~ raw_device_ptr_field
    }

    fn take(dev: *mut device) {
        // SAFETY: `dev` is valid.
        unsafe { get_device(dev) }; //~ manual_device_refcount
    }
}

mod through_the_bindings_crate {
    use bindings::*;

    fn drop_it(pdev: *mut pci_dev) {
        // SAFETY: the caller owns a reference.
        unsafe { pci_dev_put(pdev) }; //~ manual_device_refcount
    }
}

mod shadowed {
    use kernel::bindings::*;

    /// The module's own `device` and `get_device`, not the C ones.
    struct device;

    fn get_device(_: *mut device) {}

    struct Holder {
        dev: *mut device,
    }

    fn take(dev: *mut device) {
        get_device(dev);
    }
}
