// SPDX-License-Identifier: GPL-2.0

//! Gizmo sensor driver.
//!
//! Reads one sample at a time from a gizmo sensor. The driver keeps a counted reference to its
//! device, and an old back-pointer for the legacy firmware interface.

use kernel::bindings;
use kernel::bus::gizmo;
use kernel::prelude::*;

/// Per-device state.
struct SensorData {
    /// The bound device, counted.
    gdev: ARef<gizmo::Device>,
    /// The last sample read.
    sample: u32,
    /// Legacy back-pointer, kept for the old firmware interface.
    legacy: *mut bindings::gizmo_device,
}

impl SensorData {
    /// The last sample.
    fn read(&self) -> u32 {
        self.sample
    }

    /// Forgets the last sample.
    fn reset(&mut self) {
        self.sample = 0;
    }
}
