// Provenance: what a SAFETY comment must say depends on where the raw device pointer comes from,
// not on its words. Each class is here reported and quiet.

use core::ptr::NonNull;
use kernel::bindings;
use kernel::device;
use kernel::drm;
use kernel::error::code::EINVAL;
use kernel::pci;
use kernel::platform;
use kernel::sync::aref::ARef;
use kernel::types::Opaque;

// --- Callback arguments: the C core calls these on a registered device --------------------------

struct Adapter;

impl Adapter {
    fn register(pdrv: &Opaque<bindings::pci_driver>) {
        // SAFETY: It's safe to set the fields of `struct pci_driver` on initialization.
        unsafe {
            (*pdrv.get()).probe = Some(Self::probe_callback);
            (*pdrv.get()).remove = Some(Self::remove_callback);
        }
    }

    /// Registered as `probe`: the comment says only "valid", which the kernel's convention
    /// accepts (the pedantic `callback_safety_comment_missing_refcount` asks for more).
    extern "C" fn probe_callback(pdev: *mut bindings::pci_dev) -> i32 {
        // SAFETY: The PCI bus only ever calls the probe callback with a valid pointer to a
        // `struct pci_dev`.
        //
        // INVARIANT: `pdev` is valid for the duration of `probe_callback()`.
        let pdev = unsafe { &*pdev.cast::<pci::Device<device::CoreInternal<'_>>>() };
        pdev.id()
    }

    /// Registered as `remove`: the same, through `from_raw` and a `let` binding.
    extern "C" fn remove_callback(pdev: *mut bindings::pci_dev) {
        let raw = pdev.cast::<bindings::device>();
        // SAFETY: The PCI bus only ever calls the remove callback with a valid pointer.
        let dev = unsafe { device::Device::from_raw(raw) };
        dev.id();
    }

    /// Named like a callback but registered nowhere: its argument is nobody's promise.
    extern "C" fn shutdown_callback(pdev: *mut bindings::pci_dev) {
        // SAFETY: The PCI bus only ever calls this with a valid pointer.
        let pdev = unsafe { &*pdev.cast::<pci::Device>() }; //~ safety_comment_missing_refcount
        pdev.id();
    }
}

struct Chip;

impl Chip {
    fn init(dev: *mut bindings::device) {
        // SAFETY: `dev` is being initialised here.
        unsafe { (*dev).release = Some(Self::release_callback) };
    }

    /// Registered as `release`: it runs when the count has already dropped to zero, so the
    /// convention covers nothing.
    extern "C" fn release_callback(dev: *mut bindings::device) {
        // SAFETY: The driver core only calls release with a valid pointer.
        let dev = unsafe { device::Device::from_raw(dev) }; //~ safety_comment_missing_refcount
        dev.id();
    }
}

// --- Projections of a live borrow: alive by construction ----------------------------------------

#[repr(transparent)]
pub struct Widget(Opaque<bindings::pci_dev>);

impl Widget {
    fn as_raw(&self) -> *mut bindings::pci_dev {
        self.0.get()
    }
}

impl AsRef<device::Device> for Widget {
    fn as_ref(&self) -> &device::Device {
        // SAFETY: By the type invariant of `Self`, `self.as_raw()` is a pointer to a valid
        // `struct pci_dev`.
        let dev = unsafe { core::ptr::addr_of_mut!((*self.as_raw()).dev) };

        // SAFETY: `dev` points to a valid `struct device`.
        unsafe { device::Device::from_raw(dev) }
    }
}

impl Widget {
    /// A projection returned with a lifetime no input has: the borrow keeps it alive only while
    /// `&self` lives, so the comment must say what keeps it alive after.
    unsafe fn untied<'a>(&self) -> &'a device::Device {
        // SAFETY: `dev` points to a valid `struct device`.
        unsafe { device::Device::from_raw(core::ptr::addr_of_mut!((*self.as_raw()).dev)) } //~ safety_comment_missing_refcount
    }

    fn inc(&self) {
        // SAFETY: `self.as_raw()` is valid.
        unsafe { bindings::pci_dev_get(self.as_raw()) };
    }
}

// --- The container of a borrowed embedded device ------------------------------------------------

pub struct Tied;

/// The lifetime is tied: the returned reference cannot outlive the borrowed `dev`.
impl<'a> TryFrom<&'a device::Device> for &'a pci::Device {
    type Error = kernel::error::Error;

    fn try_from(dev: &device::Device) -> Result<Self, Self::Error> {
        // SAFETY: `dev.as_raw()` is a valid pointer to a `struct device`.
        if !unsafe { bindings::dev_is_pci(dev.as_raw()) } {
            return Err(EINVAL);
        }
        // SAFETY: `dev` is embedded in a `struct pci_dev`.
        let pdev = unsafe { kernel::container_of!(dev.as_raw(), bindings::pci_dev, dev) };
        // SAFETY: `pdev` is a valid pointer to a `struct pci_dev`.
        Ok(unsafe { &*pdev.cast() })
    }
}

/// Elided in the impl header, the two lifetimes are independent: `<&'static Device>::try_from`
/// compiles with a short borrow.
impl TryFrom<&device::Device> for &platform::Device { //~ unbounded_device_ref
    type Error = kernel::error::Error;

    fn try_from(dev: &device::Device) -> Result<Self, Self::Error> {
        // SAFETY: `dev` is embedded in a `struct platform_device`.
        let pdev = unsafe { kernel::container_of!(dev.as_raw(), bindings::platform_device, dev) };
        // SAFETY: `pdev` is a valid pointer to a `struct platform_device`.
        Ok(unsafe { &*pdev.cast() })
    }
}

// --- Owned references ---------------------------------------------------------------------------

fn owned_named(parent: &device::Device) {
    // SAFETY: `parent.as_raw()` is valid.
    let chip = unsafe { bindings::pwmchip_alloc(parent.as_raw(), 1, 0) };
    // SAFETY: `chip` is a valid pointer obtained from `pwmchip_alloc()`; we do not use it after.
    unsafe { bindings::put_device(&raw mut (*chip).dev) }; //~ manual_device_refcount
}

fn owned_unnamed(parent: &device::Device) {
    // SAFETY: `parent.as_raw()` is valid.
    let chip = unsafe { bindings::pwmchip_alloc(parent.as_raw(), 1, 0) };
    // SAFETY: `chip` is a valid pointer.
    unsafe { bindings::put_device(&raw mut (*chip).dev) }; //~ safety_comment_missing_refcount, manual_device_refcount
}

// --- Another object: a pointer read from a field, or returned by a C accessor --------------------

#[repr(transparent)]
pub struct Child(Opaque<bindings::device>);

impl Child {
    fn as_raw(&self) -> *mut bindings::device {
        self.0.get()
    }

    fn parent_valid(&self) -> &device::Device {
        // SAFETY: `parent` is valid as long as `self` is valid, which the type invariant
        // guarantees.
        unsafe { device::Device::from_raw((*self.as_raw()).parent) } //~ safety_comment_missing_refcount
    }

    fn parent_held(&self) -> &device::Device {
        // SAFETY: `self` holds a reference to its `parent` (taken by `device_add()` and dropped
        // when `self` is released), so the parent outlives the returned reference.
        unsafe { device::Device::from_raw((*self.as_raw()).parent) }
    }

    fn parent_tied(&self) -> &device::Device {
        // SAFETY: `parent` is valid, and the returned reference must not outlive `&self`, whose
        // device keeps its parent.
        unsafe { device::Device::from_raw((*self.as_raw()).parent) }
    }
}

#[repr(transparent)]
pub struct GemObject(Opaque<bindings::drm_gem_object>);

impl GemObject {
    fn as_raw(&self) -> *mut bindings::drm_gem_object {
        self.0.get()
    }

    fn dev_initialised(&self) -> &drm::Device {
        // SAFETY: `dev` is initialized and valid for as long as the GEM object lives.
        unsafe { drm::Device::from_raw((*self.as_raw()).dev) } //~ safety_comment_missing_refcount
    }

    /// "refcount" about another object: the GEM object's count says nothing of its device's.
    fn dev_other_count(&self) -> &drm::Device {
        // SAFETY: `self` holds a reference to the GEM object, so its refcount is non-zero.
        unsafe { drm::Device::from_raw((*self.as_raw()).dev) } //~ safety_comment_missing_refcount
    }

    fn dev_held(&self) -> &drm::Device {
        // SAFETY: The GEM object took a reference to its `dev` in `drm_gem_object_init()` and
        // drops it when the object is freed, so `dev` outlives `&self`.
        unsafe { drm::Device::from_raw((*self.as_raw()).dev) }
    }
}

fn accessor(intf: &device::Device) -> &device::Device {
    // SAFETY: `intf.as_raw()` is valid.
    let parent = unsafe { bindings::interface_to_usbdev(intf.as_raw()) };
    // SAFETY: `interface_to_usbdev()` returns a valid pointer.
    unsafe { &*parent.cast() } //~ safety_comment_missing_refcount
}

// --- A constructor with a weak contract, and its callers ----------------------------------------

/// A bus device wrapper whose `from_raw` asks only for a valid pointer.
#[repr(transparent)]
pub struct Faux(Opaque<bindings::platform_device>);

impl Faux {
    /// # Safety
    ///
    /// `ptr` must be a valid pointer to a `struct platform_device`.
    unsafe fn from_raw<'a>(ptr: *mut bindings::platform_device) -> &'a Self { //~ safety_doc_missing_refcount
        // SAFETY: The caller guarantees that `ptr` is valid.
        unsafe { &*ptr.cast() }
    }
}

impl AsRef<device::Device> for Faux {
    fn as_ref(&self) -> &device::Device {
        // SAFETY: `dev` is embedded in `self`, which the borrow keeps alive.
        unsafe { device::Device::from_raw(&raw mut (*self.0.get()).dev) }
    }
}

/// The weak contract does not hide this caller: it is held to the canonical one.
fn caller_delegating(ptr: *mut bindings::platform_device) -> i32 {
    // SAFETY: `ptr` is valid, as `Faux::from_raw` requires.
    let faux = unsafe { Faux::from_raw(ptr) }; //~ safety_comment_missing_refcount
    faux.id()
}

fn caller_stating(ptr: *mut bindings::platform_device) -> i32 {
    // SAFETY: The platform bus holds a reference to `ptr`'s device while this runs, so its
    // reference count is non-zero for as long as `faux` exists.
    let faux = unsafe { Faux::from_raw(ptr) };
    faux.id()
}

// --- A callback that is also an `unsafe fn` ----------------------------------------------------
// Only C calls `soft_reset_callback`: its `# Safety` binds no Rust caller, and the callback
// convention holds. Rust calls `link_change_callback` too: the stricter class, the caller's pointer
// bound by its `# Safety`, wins.

struct PhyAdapter;

impl PhyAdapter {
    const OPS: bindings::phy_driver = bindings::phy_driver {
        soft_reset: if HAS_SOFT_RESET {
            Some(PhyAdapter::soft_reset_callback)
        } else {
            None
        },
        link_change_notify: Some(PhyAdapter::link_change_callback),
    };

    /// # Safety
    ///
    /// `phydev` must be passed by the corresponding callback in `phy_driver`.
    unsafe extern "C" fn soft_reset_callback(phydev: *mut bindings::device) -> i32 {
        // SAFETY: This callback is called only in contexts where we hold the lock.
        let dev = unsafe { device::Device::from_raw(phydev) };
        dev.id()
    }

    /// # Safety
    ///
    /// `phydev` must be passed by the corresponding callback in `phy_driver`.
    unsafe extern "C" fn link_change_callback(phydev: *mut bindings::device) {
        // SAFETY: This callback is called only in contexts where we hold the lock.
        let dev = unsafe { device::Device::from_raw(phydev) }; //~ safety_comment_missing_refcount
        dev.id();
    }

    fn notify_now(dev: &device::Device) {
        // SAFETY: `dev.as_raw()` is valid.
        unsafe { Self::link_change_callback(dev.as_raw()) };
    }
}

// --- A contract that binds validity to the reference's lifetime: a liveness contract ------------

#[repr(transparent)]
pub struct Chip(Opaque<bindings::platform_device>);

impl AsRef<device::Device> for Chip {
    fn as_ref(&self) -> &device::Device {
        // SAFETY: `dev` is embedded in `self`, which the borrow keeps alive.
        unsafe { device::Device::from_raw(&raw mut (*self.0.get()).dev) }
    }
}

impl Chip {
    /// # Safety
    ///
    /// The caller must ensure that `ptr` is valid and remains valid for the lifetime of the
    /// returned [`Chip`] reference.
    unsafe fn from_raw<'a>(ptr: *mut bindings::platform_device) -> &'a Self {
        // SAFETY: The safety requirements guarantee the validity of the dereference.
        unsafe { &*ptr.cast::<Self>() }
    }
}

/// Held to that contract as written: a comment that keeps to it passes, one that says less does
/// not.
fn chip_callers(ptr: *mut bindings::platform_device, parent: &device::Device) {
    // SAFETY: `ptr` is valid.
    let _weak = unsafe { Chip::from_raw(ptr) }; //~ safety_comment_missing_refcount
    // SAFETY: `ptr` stays valid for the lifetime of the returned reference: `parent` holds a
    // reference to the chip.
    let _kept = unsafe { Chip::from_raw(ptr) };
}

// --- Dereferences of a call chain, and of a pointer cast in its `let` --------------------------
// Both lints see the same sites: the reference is stored (unbounded_device_ref); the comment is
// judged by where the pointer comes from.

struct PciHolder<'a> {
    pdev: &'a pci::Device,
}

/// From a borrowed `x`: alive by construction for the comment, but stored with `'static`.
fn from_ref_chain(x: &bindings::pci_dev) -> PciHolder<'static> {
    // SAFETY: `x` is valid.
    let pdev = unsafe { &*core::ptr::from_ref(x).cast::<pci::Device>() };
    PciHolder { pdev } //~ unbounded_device_ref
}

/// The pointee is known only from the `.cast::<T>()` in the `let`.
fn cast_in_let(ptr: *mut bindings::pci_dev) -> PciHolder<'static> {
    let p = ptr.cast::<pci::Device>();
    // SAFETY: `p` is valid.
    let pdev = unsafe { &*p }; //~ safety_comment_missing_refcount
    PciHolder { pdev } //~ unbounded_device_ref
}

fn use_nonnull(_: NonNull<u8>, _: ARef<device::Device>) {}
