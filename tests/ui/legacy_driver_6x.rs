// A driver written against the 6.x API, whose `probe` returns `Result<Pin<KBox<Self>>>`. Its data keeps
// `&'static` device references and raw pointers; every one of them is found.
//! devref: allow(safety_docs) -- this fixture tests another lint; the safety-contract lints have their own

use core::ptr::NonNull;
use kernel::bindings;
use kernel::device::Device;
use kernel::prelude::*;
use kernel::{c_str, pci};

struct SampleDriver {
    pdev: &'static pci::Device, //~ static_device_ref
    parent: Option<&'static Device>, //~ static_device_ref
    raw: *mut bindings::pci_dev, //~ raw_device_ptr_field
    companion: NonNull<bindings::device>, //~ raw_device_ptr_field
    bar_len: usize,
}

static mut PRIMARY: Option<&'static pci::Device> = None; //~ static_device_ref

kernel::pci_device_table!(
    PCI_TABLE,
    MODULE_PCI_TABLE,
    <SampleDriver as pci::Driver>::IdInfo,
    [(pci::DeviceId::from_id(bindings::PCI_VENDOR_ID_REDHAT, 0x5), ())]
);

impl pci::Driver for SampleDriver {
    type IdInfo = ();

    const ID_TABLE: pci::IdTable<Self::IdInfo> = &PCI_TABLE;

    fn probe(pdev: &mut pci::Device, _info: &Self::IdInfo) -> Result<Pin<KBox<Self>>> {
        dev_info!(pdev.as_ref(), "Probe sample driver\n");
        let raw = pdev.as_raw();
        // SAFETY: `raw` is the device being probed.
        let pdev_ref = unsafe { &*raw.cast::<pci::Device>() };
        // SAFETY: ditto.
        let parent = unsafe { Device::as_ref(bindings::pci_dev_parent(raw)) };
        unsafe { PRIMARY = Some(pdev_ref) }; //~ unbounded_device_ref
        let drvdata = KBox::new(
            Self {
                pdev: pdev_ref, //~ unbounded_device_ref
                parent: Some(parent), //~ unbounded_device_ref
                raw,
                companion: NonNull::dangling(),
                bar_len: 0,
            },
            GFP_KERNEL,
        )?;
        Ok(drvdata.into())
    }

    fn remove(&self) {
        dev_info!(self.pdev.as_ref(), "Remove sample driver\n");
    }
}

kernel::module_pci_driver! {
    type: SampleDriver,
    name: "rust_driver_pci_legacy",
    author: "Rust for Linux Contributors",
    description: "Rust PCI driver, 6.x style",
    license: "GPL v2",
}
