// safety_comment_missing_refcount: a SAFETY comment that exists must address the reference count,
// by stating it, by delegating to an `unsafe fn` contract that states it, or by citing type
// invariants that state it.

use core::ptr::NonNull;
use kernel::bindings;
use kernel::device::Device;
use kernel::pci;
use kernel::sync::aref::ARef;

// --- Passes: the comment states the reference count ---------------------------------------------

fn states_refcount(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: The existence of a shared reference guarantees that the refcount is non-zero.
    unsafe { Device::get_device(ptr) }
}

fn reference_counted(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: `ptr` is reference-counted, and the caller's reference keeps the count above zero.
    unsafe { Device::get_device(ptr) }
}

fn holds_a_live_reference(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: the bus holds a live reference for the duration of this callback.
    unsafe { Device::get_device(ptr) }
}

fn owns_initial_reference(raw: NonNull<pci::Device>) -> ARef<pci::Device> {
    // SAFETY: `raw` owns the initial reference.
    unsafe { ARef::from_raw(raw) }
}

fn reference_is_taken(raw: NonNull<pci::Device>) -> ARef<pci::Device> {
    // SAFETY: a reference is taken by `pci_get_device()`, which we pass to the `ARef`.
    unsafe { ARef::from_raw(raw) }
}

fn given_back_ownership(raw: NonNull<pci::Device>) -> ARef<pci::Device> {
    // SAFETY: We are given back ownership of the `ARef` stored in `into_raw()`.
    unsafe { ARef::from_raw(raw) }
}

// --- Passes: the count and its ownership in other words (hyphens, spaces, case) -----------------

fn ref_hyphen_counted(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: `ptr` is ref-counted, and the caller's reference keeps it above zero.
    unsafe { Device::get_device(ptr) }
}

fn ref_space_count(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: The Ref Count of `ptr` is non-zero while the bus holds it.
    unsafe { Device::get_device(ptr) }
}

fn kref(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: the device's kref is held by the bus for this call.
    unsafe { Device::get_device(ptr) }
}

fn initial_reference(raw: NonNull<pci::Device>) -> ARef<pci::Device> {
    // SAFETY: `pci_alloc_dev()` handed us the initial reference, and we still own that reference.
    unsafe { ARef::from_raw(raw) }
}

fn taken_which_we_own(raw: NonNull<pci::Device>) -> ARef<pci::Device> {
    // SAFETY: this is the reference taken in `grab`, which we own.
    unsafe { ARef::from_raw(raw) }
}

// --- Passes: delegation to a contract that states the reference count ---------------------------

/// Borrows the device for as long as `'a`.
///
/// # Safety
///
/// Callers must ensure that `ptr` is valid, non-null, and has a non-zero reference count for the
/// entire duration when the returned reference exists.
unsafe fn borrow<'a>(ptr: *mut bindings::device) -> &'a Device {
    // SAFETY: Guaranteed by the safety requirements of the function.
    unsafe { Device::from_raw(ptr) }
}

/// # Safety
///
/// The caller must hold a reference on `ptr` for the duration of this call.
unsafe fn take(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: the caller guarantees that `ptr` is valid.
    unsafe { Device::get_device(ptr) }
}

// --- Passes: type invariants that state the reference count -------------------------------------

/// A device pointer this type counts.
///
/// # Invariants
///
/// `self.ptr` is valid, and this type owns a reference on it, so its reference count is non-zero
/// for as long as `self` exists.
struct Counted {
    ptr: *mut bindings::device,
}

impl Counted {
    fn dev(&self) -> &Device {
        // SAFETY: By the type invariants, `self.ptr` is valid for the lifetime of `&self`.
        unsafe { Device::from_raw(self.ptr) }
    }
}

// --- Reported -----------------------------------------------------------------------------------

/// Look-alikes of the forms above: "ref" and "count" apart from each other, and an initial value.
fn ref_and_count_apart(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: `ptr` is a valid ref; we count on the bus for it.
    unsafe { Device::get_device(ptr) } //~ safety_comment_missing_refcount
}

fn initial_value(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: `ptr` keeps its initial value, a valid device.
    unsafe { Device::get_device(ptr) } //~ safety_comment_missing_refcount
}

fn only_valid(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: `ptr` is a valid pointer to a `struct device`.
    unsafe { Device::get_device(ptr) } //~ safety_comment_missing_refcount
}

fn only_valid_deref(ptr: *mut bindings::pci_dev) -> bool {
    // SAFETY: The PCI bus only ever calls the probe callback with a valid pointer to a
    // `struct pci_dev`.
    //
    // INVARIANT: `pdev` holds a reference for the duration of `probe_callback()`.
    let pdev = unsafe { &*ptr.cast::<pci::Device>() }; //~ safety_comment_missing_refcount
    check(pdev)
}

fn block_comment(ptr: *mut bindings::device) -> ARef<Device> {
    /* SAFETY: `ptr` is valid. */
    unsafe { Device::get_device(ptr) } //~ safety_comment_missing_refcount
}

/// # Safety
///
/// `ptr` must point at a valid `device`.
unsafe fn delegates_to_valid(ptr: *mut bindings::device) -> ARef<Device> { //~ safety_doc_missing_refcount
    // SAFETY: By the safety requirements of this function, `ptr` is valid.
    unsafe { Device::get_device(ptr) }
}

/// No `# Safety` section at all.
unsafe fn delegates_to_nothing(ptr: *mut bindings::device) -> ARef<Device> { //~ safety_doc_missing_refcount
    // SAFETY: the caller guarantees that `ptr` is valid.
    unsafe { Device::get_device(ptr) }
}

fn delegates_from_safe_fn(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: By the safety requirements, `ptr` is valid.
    unsafe { Device::get_device(ptr) } //~ safety_comment_missing_refcount
}

/// A device pointer whose invariants say only that it is valid.
///
/// # Invariants
///
/// `self.ptr` is valid.
struct OnlyValid {
    ptr: *mut bindings::device, //~ raw_device_ptr_field
}

impl OnlyValid {
    fn dev(&self) -> &Device {
        // SAFETY: By the type invariant of `Self`, `self.ptr` is valid.
        unsafe { Device::from_raw(self.ptr) } //~ safety_comment_missing_refcount
    }
}

/// No `# Invariants` section.
struct NoInvariants {
    ptr: NonNull<bindings::device>, //~ raw_device_ptr_field
}

impl NoInvariants {
    fn dev(&self) -> &Device {
        // SAFETY: The struct invariant ensures that `ptr` is valid.
        unsafe { Device::from_raw(self.ptr.as_ptr()) } //~ safety_comment_missing_refcount
    }
}

fn several_calls(a: *mut bindings::device, b: *mut bindings::device) -> bool {
    // SAFETY: both pointers are valid.
    let (x, y) = unsafe { (Device::from_raw(a), Device::from_raw(b)) }; //~ safety_comment_missing_refcount
    same(x, y)
}

fn check(_pdev: &pci::Device) -> bool {
    true
}

fn same(_a: &Device, _b: &Device) -> bool {
    true
}
