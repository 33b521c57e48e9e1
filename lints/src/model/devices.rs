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

impl DeviceEntry {
    /// The counted reference a fix suggests, `ARef<pci::Device>`; `None` for a C device type that
    /// has no Rust abstraction to count it with.
    pub fn aref(&self) -> Option<String> {
        (!self.short_name.is_empty()).then(|| format!("ARef<{}>", self.short_name))
    }

    /// How a message names the device type: `pci::Device`, or `bindings::input_dev` for a C type
    /// no abstraction wraps.
    pub fn display_name(&self) -> String {
        match self.short_name.as_str() {
            "" => format!("bindings::{}", self.c_type),
            short => short.to_string(),
        }
    }
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

/// Whether a C refcount function takes or drops a reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Get,
    Put,
}

/// C functions that take or drop a reference on a device: the function, the C type it counts, and
/// its direction.
pub const BUILT_IN_GET_PUT: &[(&str, &str, Direction)] = &[
    ("get_device", "device", Direction::Get),
    ("put_device", "device", Direction::Put),
    ("pci_dev_get", "pci_dev", Direction::Get),
    ("pci_dev_put", "pci_dev", Direction::Put),
    ("usb_get_dev", "usb_device", Direction::Get),
    ("usb_put_dev", "usb_device", Direction::Put),
    ("usb_get_intf", "usb_interface", Direction::Get),
    ("usb_put_intf", "usb_interface", Direction::Put),
    ("platform_device_put", "platform_device", Direction::Put),
    ("drm_dev_get", "drm_device", Direction::Get),
    ("drm_dev_put", "drm_device", Direction::Put),
    ("acpi_dev_get", "acpi_device", Direction::Get),
    ("acpi_dev_put", "acpi_device", Direction::Put),
    ("of_dev_get", "platform_device", Direction::Get),
    ("of_dev_put", "platform_device", Direction::Put),
    ("serdev_device_put", "serdev_device", Direction::Put),
    ("i2c_get_adapter", "i2c_adapter", Direction::Get),
    ("i2c_put_adapter", "i2c_adapter", Direction::Put),
    ("fwctl_get", "fwctl_device", Direction::Get),
    ("fwctl_put", "fwctl_device", Direction::Put),
    ("pwmchip_put", "pwm_chip", Direction::Put),
    // `net_device` is counted by its own functions, named otherwise than the generator finds.
    ("dev_hold", "net_device", Direction::Get),
    ("dev_put", "net_device", Direction::Put),
    ("netdev_hold", "net_device", Direction::Get),
    ("netdev_put", "net_device", Direction::Put),
];

/// A C function that takes or drops a reference on a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetPut {
    pub function: String,
    /// The C type it counts, when known (a configured function names none).
    pub c_type: Option<String>,
    pub direction: Direction,
}

impl GetPut {
    /// A configured function: its direction is read from its name (`widget_get`, `widget_put`).
    fn configured(function: &str) -> GetPut {
        let direction = if function.split('_').any(|word| word == "get") {
            Direction::Get
        } else {
            Direction::Put
        };
        GetPut {
            function: function.to_string(),
            c_type: None,
            direction,
        }
    }
}

#[derive(Debug, Default)]
pub struct DeviceCatalogue {
    entries: Vec<DeviceEntry>,
    by_rust_path: HashMap<String, usize>,
    by_c_type: HashMap<String, usize>,
    by_def: HashMap<DefId, usize>,
    get_put: Vec<GetPut>,
}

impl DeviceCatalogue {
    pub fn built_in() -> DeviceCatalogue {
        let mut catalogue = DeviceCatalogue::default();
        // The hand-written functions first: the generated table does not override them.
        let generated =
            super::device_table::C_GET_PUT
                .iter()
                .map(|&(function, c_type, direction)| {
                    let direction = if direction == "get" {
                        Direction::Get
                    } else {
                        Direction::Put
                    };
                    (function, c_type, direction)
                });
        for (function, c_type, direction) in BUILT_IN_GET_PUT.iter().copied().chain(generated) {
            if catalogue.get_put(function).is_none() {
                catalogue.get_put.push(GetPut {
                    function: function.to_string(),
                    c_type: Some(c_type.to_string()),
                    direction,
                });
            }
        }
        for (rust_path, c_type, short_name) in BUILT_IN {
            catalogue.add(DeviceEntry {
                rust_path: rust_path.to_string(),
                c_type: c_type.to_string(),
                short_name: short_name.to_string(),
                def: None,
            });
        }
        // Every other C type the kernel's headers say embeds a `struct device`, with no Rust
        // abstraction (yet): see `device_table.rs` for where the table comes from.
        for (c_type, _header) in super::device_table::C_DEVICES {
            if catalogue.by_c_type(c_type).is_none() {
                catalogue.add(DeviceEntry {
                    rust_path: String::new(),
                    c_type: c_type.to_string(),
                    short_name: String::new(),
                    def: None,
                });
            }
        }
        catalogue
    }

    /// Adds a pair; a pair for a C type that is already known keeps the first entry's fix spelling.
    pub fn add(&mut self, entry: DeviceEntry) {
        let index = self.entries.len();
        if !entry.rust_path.is_empty() {
            self.by_rust_path
                .entry(entry.rust_path.clone())
                .or_insert(index);
        }
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
        for function in get_put {
            if self.get_put(function).is_none() {
                self.get_put.push(GetPut::configured(function));
            }
        }
    }

    pub fn get_put_functions(&self) -> impl Iterator<Item = &str> {
        self.get_put.iter().map(|f| f.function.as_str())
    }

    /// The get/put function named `c_function`, if the catalogue knows it.
    pub fn get_put(&self, c_function: &str) -> Option<&GetPut> {
        self.get_put.iter().find(|f| f.function == c_function)
    }

    pub fn is_get_put(&self, c_function: &str) -> bool {
        self.get_put(c_function).is_some()
    }

    /// Whether `c_function` is a put of the catalogue: it drops a reference.
    pub fn is_put(&self, c_function: &str) -> bool {
        self.get_put(c_function)
            .is_some_and(|function| function.direction == Direction::Put)
    }

    /// Whether `c_function` is a get of the catalogue: it takes a reference.
    pub fn is_get(&self, c_function: &str) -> bool {
        self.get_put(c_function)
            .is_some_and(|function| function.direction == Direction::Get)
    }
}
