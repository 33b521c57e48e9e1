// safety_doc_missing_refcount: an `unsafe fn` that makes a device reference from a raw device
// pointer must state, in its `# Safety` section, the non-zero reference count and (for a borrowed
// reference) how long it must hold.

use core::pin::Pin;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::device::Device;
use kernel::pci;
use kernel::sync::aref::ARef;

type RawDevice = *mut bindings::device;

// --- Accepted -----------------------------------------------------------------------------------

/// Converts a raw C `struct device` pointer to a `&'a Device`.
///
/// # Safety
///
/// Callers must ensure that `ptr` is valid, non-null, and has a non-zero reference count,
/// i.e. it must be ensured that the reference count of the C `struct device` `ptr` points to
/// can't drop to zero, for the duration of this function call and the entire duration when the
/// returned reference exists.
pub unsafe fn from_raw<'a>(ptr: *mut bindings::device) -> &'a Device {
    // SAFETY: Guaranteed by the safety requirements of the function.
    unsafe { &*ptr.cast() }
}

/// Takes a new reference: the returned `ARef` owns its own count, so the precondition needs to
/// hold only during the call.
///
/// # Safety
///
/// Callers must ensure that `ptr` is valid, non-null, and has a non-zero reference count for the
/// duration of this function call.
pub unsafe fn get_device(ptr: *mut bindings::device) -> ARef<Device> {
    // SAFETY: By the safety requirements, the reference count is non-zero during this call.
    unsafe { Device::get_device(ptr) }
}

/// # Safety
///
/// For the duration of `'a`, `pdev` must hold a reference on the device.
pub unsafe fn named_lifetime<'a>(pdev: NonNull<bindings::pci_dev>) -> &'a pci::Device {
    // SAFETY: Guaranteed by the safety requirements of the function.
    unsafe { &*pdev.as_ptr().cast() }
}

/// # Safety
///
/// `ptr` must have a non-zero reference count for the lifetime of the returned reference.
pub unsafe fn in_a_result<'a>(ptr: *const bindings::device) -> Result<&'a Device, ()> {
    // SAFETY: Guaranteed by the safety requirements of the function.
    Ok(unsafe { Device::from_raw(ptr.cast_mut()) })
}

/// Validity bound to the whole lifetime of the returned reference: a liveness contract in other
/// words (the count is how a caller keeps it).
///
/// # Safety
///
/// The caller must ensure that `ptr` is valid and remains valid for the lifetime of the returned
/// reference.
pub unsafe fn valid_for_the_lifetime<'a>(ptr: *mut bindings::device) -> &'a Device {
    // SAFETY: The safety requirements guarantee the validity of the dereference.
    unsafe { &*ptr.cast() }
}

/// # Safety
///
/// For the duration of `'a`, the pointer must point at a valid `device`.
pub unsafe fn valid_for_a<'a>(ptr: *mut bindings::device) -> &'a Device {
    // SAFETY: by the function requirements the pointer is valid for the duration of `'a`.
    unsafe { &*ptr.cast() }
}

/// An `ARef` takes a reference of its own: "valid during the call" does not say one exists.
///
/// # Safety
///
/// `ptr` must be valid for the duration of this function call.
pub unsafe fn counted_valid_during_call(ptr: *mut bindings::device) -> ARef<Device> { //~ safety_doc_missing_refcount
    // SAFETY: the caller keeps `ptr` valid during this call.
    unsafe { Device::get_device(ptr) }
}

/// # Safety
///
/// `ptr` must have a non-zero refcount until the returned reference is last used, i.e. for all of
/// `'a`.
pub unsafe fn until_last_used<'a>(ptr: *mut bindings::device) -> &'a Device {
    // SAFETY: Guaranteed by the safety requirements of the function.
    unsafe { &*ptr.cast() }
}

/// # Safety
///
/// `ptr` must stay ref-counted (non-zero) throughout `'a`.
pub unsafe fn throughout_a<'a>(ptr: *mut bindings::device) -> &'a Device {
    // SAFETY: Guaranteed by the safety requirements of the function.
    unsafe { &*ptr.cast() }
}

/// Not a device pointer: out of scope.
pub unsafe fn not_a_device<'a>(ptr: *mut u8) -> &'a u8 {
    // SAFETY: for the test.
    unsafe { &*ptr }
}

/// A safe fn makes no promise the caller must keep: out of scope.
pub fn safe_fn(dev: &Device) -> *mut bindings::device {
    dev.as_raw()
}

/// Returns a raw pointer, not a reference: out of scope.
pub unsafe fn raw_result(ptr: *mut bindings::device) -> *mut bindings::device {
    ptr
}

// --- Reported -----------------------------------------------------------------------------------

/// Converts a raw pointer.
pub unsafe fn no_section<'a>(ptr: *mut bindings::device) -> &'a Device { //~ safety_doc_missing_refcount
    // SAFETY: the caller holds a reference while the returned reference exists.
    unsafe { Device::from_raw(ptr) }
}

pub unsafe fn no_docs_at_all<'a>(ptr: *mut bindings::device) -> &'a Device { //~ safety_doc_missing_refcount
    // SAFETY: the caller holds a reference while the returned reference exists.
    unsafe { Device::from_raw(ptr) }
}

/// The case that started devref: what does "valid" mean?
///
/// # Safety
///
/// `ptr` must point at a valid `device`.
pub unsafe fn only_valid<'a>(ptr: *mut bindings::device) -> &'a Device { //~ safety_doc_missing_refcount
    // SAFETY: the caller holds a reference while the returned reference exists.
    unsafe { Device::from_raw(ptr) }
}

/// # Safety
///
/// Callers must ensure that `ptr` is valid, non-null, and has a non-zero reference count for the
/// duration of this function call.
pub unsafe fn no_duration<'a>(ptr: *mut bindings::device) -> &'a Device { //~ safety_doc_missing_refcount
    // SAFETY: the caller holds a reference while the returned reference exists.
    unsafe { Device::from_raw(ptr) }
}

/// Through a type alias.
///
/// # Safety
///
/// `ptr` must be valid.
///
/// # Examples
///
/// ```ignore
/// let dev = unsafe { through_alias(ptr) };
/// ```
pub unsafe fn through_alias<'a>(ptr: RawDevice) -> &'a Device { //~ safety_doc_missing_refcount
    // SAFETY: the caller holds a reference while the returned reference exists.
    unsafe { Device::from_raw(ptr) }
}

/// # Safety
///
/// `ptr` must be valid and pinned.
pub unsafe fn pinned<'a>(ptr: *const bindings::device) -> Pin<&'a Device> { //~ safety_doc_missing_refcount
    // SAFETY: the caller holds a reference while the returned reference exists.
    unsafe { Pin::new_unchecked(Device::from_raw(ptr.cast_mut())) }
}

/// An owned reference still needs the count to be non-zero while it is taken.
pub unsafe fn owned(ptr: *mut bindings::pci_dev) -> ARef<pci::Device> { //~ safety_doc_missing_refcount
    // SAFETY: the caller holds a reference during this call, and `from` takes one of its own.
    ARef::from(unsafe { &*ptr.cast::<pci::Device>() })
}

struct Registry;

impl Registry {
    /// Looks a device up.
    ///
    /// # Safety
    ///
    /// `dev` must be a valid pointer.
    unsafe fn lookup<'a>(&self, dev: NonNull<bindings::device>) -> &'a Device { //~ safety_doc_missing_refcount
        // SAFETY: the caller holds a reference while the returned reference exists.
        unsafe { Device::from_raw(dev.as_ptr()) }
    }
}
