// SPDX-License-Identifier: GPL-2.0

//! A PCI sensor driver written against the older driver API. It keeps raw pointers to its devices in
//! its data, which can outlive the driver's unbind.

use core::ptr::NonNull;
use kernel::bindings;
use kernel::prelude::*;
use kernel::{device, pci};

/// Per-device state.
struct SensorData {
    /// The PCI device, stored as a raw pointer: nothing keeps it alive after unbind.
    pdev: *mut bindings::pci_dev,
    /// The parent device, ditto.
    parent: Option<NonNull<bindings::device>>,
    /// Sample buffer: not a device, fine.
    samples: KVec<u32>,
}

/// A counted reference: this one is fine.
struct Companion {
    dev: ARef<device::Device>,
}

impl SensorData {
    /// The parent device, as a counted reference.
    fn parent_device(&self) -> ARef<device::Device> {
        // SAFETY: `pdev` is a valid `struct pci_dev`.
        let dev = unsafe { device::Device::from_raw(&raw mut (*self.pdev).dev) };
        dev.into()
    }

    /// Takes a reference on the PCI device by hand.
    fn hold(&self) {
        unsafe { bindings::pci_dev_get(self.pdev) };
    }
}

struct SensorDriver;

impl pci::Driver for SensorDriver {
    type IdInfo = ();

    const ID_TABLE: pci::IdTable<Self::IdInfo> = &SENSOR_TABLE;

    fn probe(pdev: &pci::Device<device::Core>, _info: &Self::IdInfo) -> Result<Pin<KBox<Self>>> {
        let _data = SensorData {
            pdev: pdev.as_raw(),
            parent: None,
            samples: KVec::new(),
        };
        Err(ENODEV)
    }
}
