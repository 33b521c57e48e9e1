// static_device_ref: `&'static` device references stored in fields and statics.

use kernel::alloc::KVec;
use kernel::bindings;
use kernel::device::{self, Bound, Device};
use kernel::sync::aref::ARef;
use kernel::{pci, platform};

// --- Reported -----------------------------------------------------------------------------------

struct InField {
    dev: &'static Device, //~ static_device_ref
}

struct BoundContext {
    pdev: &'static pci::Device<Bound>, //~ static_device_ref
}

struct CoreContext {
    pdev: &'static platform::Device<device::Core>, //~ static_device_ref
}

struct MutRef {
    dev: &'static mut Device, //~ static_device_ref
}

struct InVec {
    devs: KVec<&'static Device>, //~ static_device_ref
}

struct InOption {
    pdev: Option<&'static platform::Device>, //~ static_device_ref
}

struct CDevice {
    raw: &'static bindings::device, //~ static_device_ref
}

enum Slot {
    Taken(&'static pci::Device), //~ static_device_ref
    Free,
}

static PRIMARY: Option<&'static Device> = None; //~ static_device_ref

static mut SECONDARY: Option<&'static mut pci::Device<Bound>> = None; //~ static_device_ref

type StaticDevice = &'static Device;

struct ThroughAlias {
    dev: StaticDevice, //~ static_device_ref
}

static THROUGH_ALIAS: Option<StaticDevice> = None; //~ static_device_ref

// --- Not reported -------------------------------------------------------------------------------

struct BoundBorrow<'bound> {
    pdev: &'bound pci::Device<Bound>,
}

struct Counted {
    dev: ARef<Device>,
}

struct Names {
    name: &'static str,
    table: &'static [u32],
}

mod mine {
    pub struct Device;
}

struct NotKernel {
    dev: &'static mine::Device,
}

static NAMES: &[&str] = &["a", "b"];

// A function returning `&'static` is not storage; other lints judge how it is made.
fn lookup() -> Option<&'static Device> {
    None
}

/// A marker holds no reference: a `PhantomData<&'static Device>` field stores nothing.
struct Marker {
    _marker: core::marker::PhantomData<&'static Device>,
}

// A `static` declared inside a macro whose grammar is known counts as the static it expands to.
kernel::sync::global_lock! {
    // SAFETY: Initialized in module initializer before first use.
    unsafe(uninit) static LOCKED: Mutex<Option<&'static pci::Device<Bound>>> = None; //~ static_device_ref
}

kernel::sync::global_lock! {
    // SAFETY: Initialized in module initializer before first use.
    unsafe(uninit) static COUNTED: Mutex<Option<ARef<pci::Device>>> = None;
}
