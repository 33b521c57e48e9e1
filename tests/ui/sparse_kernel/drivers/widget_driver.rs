//! A driver linted with the sparse kernel crate: `kernel::pci` is not among the linted files.

use kernel::bindings;
use kernel::pci;
use kernel::types::ForLt;
use kernel::widget::Widget;

struct Data {
    pdev: &'static pci::Device, //~ static_device_ref
    raw: *mut bindings::pci_dev, //~ raw_device_ptr_field
    widget: &'static Widget, //~ static_device_ref
}

/// A lifetime family instantiated with `'static` through the kernel's `ForLt`: quiet.
struct Family<'a>(&'a pci::Device);

impl ForLt for Family<'static> {}
