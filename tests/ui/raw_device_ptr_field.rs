// raw_device_ptr_field: every shape of a raw device pointer in a field, and the look-alikes that are fine.
//! devref: allow(manual_device_refcount) -- an owner type here puts its field in `Drop`; this fixture tests raw_device_ptr_field

use core::ptr::NonNull;
use kernel::bindings;
use kernel::sync::Mutex;
use kernel::types::{ARef, Opaque};
use kernel::{alloc::KVec, device, pci};

// --- Reported -----------------------------------------------------------------------------------

struct PlainPtr {
    dev: *mut bindings::device, //~ raw_device_ptr_field
}

struct ConstPtr {
    pdev: *const bindings::pci_dev, //~ raw_device_ptr_field
}

struct NonNullField {
    pdev: NonNull<bindings::platform_device>, //~ raw_device_ptr_field
}

struct InOption {
    udev: Option<*mut bindings::usb_device>, //~ raw_device_ptr_field
}

struct InArray {
    devs: [*mut bindings::device; 4], //~ raw_device_ptr_field
}

struct Atomic {
    dev: core::sync::atomic::AtomicPtr<bindings::device>, //~ raw_device_ptr_field
}

/// A static outlives every binding: nothing there can own what it points to.
static PRIMARY: core::sync::atomic::AtomicPtr<bindings::device> = //~ raw_device_ptr_field
    core::sync::atomic::AtomicPtr::new(core::ptr::null_mut());
static mut LAST: *const pci::Device = core::ptr::null(); //~ raw_device_ptr_field

/// A pointer to the Rust abstraction is one to the C device it wraps (`Device` is transparent over
/// `struct device`): the same use-after-free once the device is unbound.
struct ToAbstraction {
    pdev: *const pci::Device, //~ raw_device_ptr_field
    dev: Option<NonNull<device::Device>>, //~ raw_device_ptr_field
}

struct InSlice<'a> {
    devs: &'a [NonNull<bindings::device>], //~ raw_device_ptr_field
}

struct InTuple {
    pair: (u32, *mut bindings::i2c_client), //~ raw_device_ptr_field
}

struct InVec {
    list: KVec<NonNull<bindings::auxiliary_device>>, //~ raw_device_ptr_field
}

struct InMutex {
    lock: Mutex<Option<*mut bindings::phy_device>>, //~ raw_device_ptr_field
}

struct TupleStruct(*mut bindings::drm_device); //~ raw_device_ptr_field

enum State {
    Bound { dev: *mut bindings::device }, //~ raw_device_ptr_field
    Probing(NonNull<bindings::serdev_device>), //~ raw_device_ptr_field
    Unbound,
}

union Raw {
    dev: *mut bindings::usb_interface, //~ raw_device_ptr_field
    addr: usize,
}

struct TwoInOne {
    both: (*mut bindings::device, *mut bindings::pci_dev), //~ raw_device_ptr_field, raw_device_ptr_field
}

struct AbsolutePath {
    dev: *mut ::kernel::bindings::device, //~ raw_device_ptr_field
}

// --- Not reported -------------------------------------------------------------------------------

/// A callback vtable: the device pointer is a parameter, nothing is stored.
struct Vtable {
    release: Option<unsafe extern "C" fn(dev: *mut bindings::device)>,
    probe: unsafe extern "C" fn(*mut bindings::pci_dev, *const bindings::pci_device_id) -> i32,
}

/// The abstraction's own storage.
#[repr(transparent)]
pub struct Wrapper(Opaque<bindings::device>);

static COUNTER: core::sync::atomic::AtomicPtr<u8> = core::sync::atomic::AtomicPtr::new(core::ptr::null_mut());
static mut TABLE: [bindings::pci_device_id; 1] = [bindings::pci_device_id { vendor: 0 }];

struct NotDevices {
    buf: *mut u8,
    dma: bindings::dma_addr_t,
    res: *mut bindings::resource,
    dev_by_value: Opaque<bindings::pci_dev>,
}

struct Counted {
    pdev: ARef<pci::Device>,
    dev: ARef<device::Device>,
}

struct GenericPtr<T> {
    ptr: *mut T,
}

struct Borrowed<'a> {
    dev: &'a device::Device,
}

/// A marker holds no pointer: `PhantomData<(T, *mut bindings::device)>` stores nothing.
struct Marker<T> {
    _marker: core::marker::PhantomData<(T, *mut bindings::device)>,
    _plain: PhantomData<*const bindings::pci_dev>,
    _abstraction: PhantomData<*const pci::Device>,
}

/// `ARef::into_raw` kept the reference and `Drop` takes it back: the field owns it.
struct KeptByARef {
    pdev: NonNull<pci::Device>,
}

impl Drop for KeptByARef {
    fn drop(&mut self) {
        // SAFETY: `pdev` came from `ARef::into_raw`, whose reference this type owns.
        drop(unsafe { ARef::from_raw(self.pdev) });
    }
}

/// A pointer to an abstraction that the type releases in `Drop` is owned, as one to the C type is.
struct OwnsAbstraction {
    dev: NonNull<device::Device>,
}

impl Drop for OwnsAbstraction {
    fn drop(&mut self) {
        // SAFETY: `dev` holds the reference this type took when it was made.
        unsafe { bindings::put_device(self.dev.as_ptr().cast()) };
    }
}

use core::marker::PhantomData;

/// A marker keeps the value within a borrow, but says nothing of where the pointer beside it
/// points: a child is not kept alive by a borrow of its parent, so these are reported.
struct Children<'a> {
    cur: *const device::Device, //~ raw_device_ptr_field
    _p: PhantomData<&'a device::Device>,
}

struct StaticMarker {
    dev: *mut bindings::device, //~ raw_device_ptr_field
    _p: PhantomData<&'static device::Device>,
}

/// A type of the crate that is only named `PhantomData` does store what it holds.
mod lookalike {
    use kernel::bindings;

    pub struct PhantomData<T>(pub T);

    pub struct Holder {
        pub dev: PhantomData<*mut bindings::device>, //~ raw_device_ptr_field
    }
}

/// A struct after a function whose `where` clause ends with a comma, as rustfmt writes it: the
/// brace after the comma is the function's body, and the struct's fields are read.
fn with_bounds<T>(value: T) -> T
where
    T: Copy,
{
    value
}

struct AfterBounds {
    dev: *mut bindings::device, //~ raw_device_ptr_field
}

/// Not part of the kernel build: items under `#[cfg(test)]` are left out by default
/// (`lint_cfg_test = true` in `devref.toml` lints them).
#[cfg(test)]
mod tests {
    struct TestOnly {
        dev: *mut kernel::bindings::device,
    }
}
