//! The device catalogue: which Rust abstraction wraps which reference-counted C device type.

use foldhash::HashMap;

use super::def_map::DefId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceEntry {
    /// Canonical Rust path, `kernel::pci::Device`.
    pub rust_path: String,
    /// The C type in `bindings`, `pci_dev`.
    pub c_type: String,
    /// How the fix names the type: `pci::Device`, giving `ARef<pci::Device>`.
    pub short_name: String,
    /// The local definition when the abstraction is among the linted sources.
    pub def: Option<DefId>,
}

/// Built-in pairs for code linted without the `kernel` crate. Several paths may name one abstraction
/// (re-exports, older kernels).
const BUILT_IN: &[(&str, &str, &str)] = &[
    ("kernel::device::Device", "device", "device::Device"),
    ("kernel::pci::Device", "pci_dev", "pci::Device"),
    (
        "kernel::platform::Device",
        "platform_device",
        "platform::Device",
    ),
    (
        "kernel::auxiliary::Device",
        "auxiliary_device",
        "auxiliary::Device",
    ),
    ("kernel::usb::Device", "usb_device", "usb::Device"),
    ("kernel::usb::Interface", "usb_interface", "usb::Interface"),
    ("kernel::i2c::I2cClient", "i2c_client", "i2c::I2cClient"),
    ("kernel::serdev::Device", "serdev_device", "serdev::Device"),
    ("kernel::net::phy::Device", "phy_device", "phy::Device"),
    ("kernel::drm::Device", "drm_device", "drm::Device"),
    ("kernel::drm::device::Device", "drm_device", "drm::Device"),
];

/// C functions that take or drop a reference on a device.
pub const BUILT_IN_GET_PUT: &[&str] = &[
    "get_device",
    "put_device",
    "pci_dev_get",
    "pci_dev_put",
    "usb_get_dev",
    "usb_put_dev",
    "usb_get_intf",
    "usb_put_intf",
    "platform_device_put",
    "drm_dev_get",
    "drm_dev_put",
    "acpi_dev_get",
    "acpi_dev_put",
    "of_dev_get",
    "of_dev_put",
    "serdev_device_put",
    "i2c_get_adapter",
    "i2c_put_adapter",
    "fwctl_get",
    "fwctl_put",
    "pwmchip_put",
];

#[derive(Debug, Default)]
pub struct DeviceCatalogue {
    entries: Vec<DeviceEntry>,
    by_rust_path: HashMap<String, usize>,
    by_c_type: HashMap<String, usize>,
    by_def: HashMap<DefId, usize>,
    get_put: Vec<String>,
}

impl DeviceCatalogue {
    pub fn built_in() -> DeviceCatalogue {
        let mut catalogue = DeviceCatalogue {
            get_put: BUILT_IN_GET_PUT.iter().map(|s| s.to_string()).collect(),
            ..DeviceCatalogue::default()
        };
        for (rust_path, c_type, short_name) in BUILT_IN {
            catalogue.add(DeviceEntry {
                rust_path: rust_path.to_string(),
                c_type: c_type.to_string(),
                short_name: short_name.to_string(),
                def: None,
            });
        }
        catalogue
    }

    /// Adds a pair; a pair for a C type that is already known keeps the first entry's fix spelling.
    pub fn add(&mut self, entry: DeviceEntry) {
        let index = self.entries.len();
        self.by_rust_path
            .entry(entry.rust_path.clone())
            .or_insert(index);
        self.by_c_type.entry(entry.c_type.clone()).or_insert(index);
        if let Some(def) = entry.def {
            self.by_def.entry(def).or_insert(index);
        }
        self.entries.push(entry);
    }

    /// Marks a linted definition as the abstraction at a catalogue path.
    pub fn bind_def(&mut self, rust_path: &str, def: DefId) {
        if let Some(&index) = self.by_rust_path.get(rust_path) {
            self.by_def.entry(def).or_insert(index);
            self.entries[index].def.get_or_insert(def);
        }
    }

    pub fn by_rust_path(&self, path: &str) -> Option<&DeviceEntry> {
        self.by_rust_path.get(path).map(|&i| &self.entries[i])
    }

    pub fn by_c_type(&self, c_type: &str) -> Option<&DeviceEntry> {
        self.by_c_type.get(c_type).map(|&i| &self.entries[i])
    }

    pub fn by_def(&self, def: DefId) -> Option<&DeviceEntry> {
        self.by_def.get(&def).map(|&i| &self.entries[i])
    }

    pub fn entries(&self) -> &[DeviceEntry] {
        &self.entries
    }

    /// Adds configured pairs and get/put functions to the built-in table.
    pub fn extend(&mut self, devices: &[(String, String)], get_put: &[String]) {
        for (rust_path, c_type) in devices {
            let segments: Vec<&str> = rust_path.split("::").collect();
            let short_name = match segments.len() {
                0 | 1 => rust_path.clone(),
                n => format!("{}::{}", segments[n - 2], segments[n - 1]),
            };
            self.add(DeviceEntry {
                rust_path: rust_path.clone(),
                c_type: c_type.clone(),
                short_name,
                def: None,
            });
        }
        self.get_put.extend(get_put.iter().cloned());
    }

    pub fn get_put_functions(&self) -> impl Iterator<Item = &str> {
        self.get_put.iter().map(String::as_str)
    }

    pub fn is_get_put(&self, c_function: &str) -> bool {
        self.get_put.iter().any(|f| f == c_function)
    }
}
