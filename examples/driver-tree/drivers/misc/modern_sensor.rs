// SPDX-License-Identifier: GPL-2.0

//! The same driver written for Linux 7.x: the driver data borrows the device for `'bound`, which
//! the compiler ties to the binding. devref has nothing to say about it.

use kernel::prelude::*;
use kernel::sync::aref::ARef;
use kernel::{device, pci};

struct SensorData<'bound> {
    pdev: &'bound pci::Device<device::Bound>,
    parent: ARef<device::Device>,
    samples: KVec<u32>,
}

struct SensorDriver;

impl pci::Driver for SensorDriver {
    type IdInfo = ();
    type Data<'bound> = SensorData<'bound>;

    const ID_TABLE: pci::IdTable<Self::IdInfo> = &SENSOR_TABLE;

    fn probe<'bound>(
        pdev: &'bound pci::Device<device::Core<'_>>,
        _info: &Self::IdInfo,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let parent: ARef<device::Device> = pdev.as_ref().into();
        try_pin_init!(SensorData {
            pdev,
            parent,
            samples: KVec::new(),
        })
    }
}
