// raw_device_ptr_field stays quiet on types that own what their pointer points to.

use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::bindings;

/// A registered hwmon device.
///
/// # Invariants
///
/// `hwmon_dev` is a valid pointer to a registered hwmon device; it is unregistered when this
/// `Registration` is dropped.
pub struct HwmonRegistration {
    hwmon_dev: *mut bindings::device,
}

/// A counted reference, written by hand.
///
/// # Invariants
///
/// The pointer `self.0` is valid and this type owns a reference count on it.
pub struct OwnedDevice(NonNull<bindings::device>);

/// Released in `Drop`, with no invariants written down.
pub struct AuxRegistration {
    adev: NonNull<bindings::auxiliary_device>,
}

impl Drop for AuxRegistration {
    fn drop(&mut self) {
        // SAFETY: `adev` was registered in `new`.
        unsafe { bindings::auxiliary_device_delete(self.adev.as_ptr()) };
        // SAFETY: drops the reference taken by `auxiliary_device_init`.
        unsafe { bindings::auxiliary_device_uninit(self.adev.as_ptr()) };
    }
}

pub struct PutInDrop {
    pdev: *mut bindings::pci_dev,
}

impl Drop for PutInDrop {
    fn drop(&mut self) {
        // SAFETY: `pdev` holds the reference taken in `new`.
        unsafe { bindings::pci_dev_put(self.pdev) }; //~ manual_device_refcount
    }
}

/// Released in a `Drop` impl whose header passes a const generic argument in braces, through a
/// helper: the braces are not the impl's body, so the helper call in `drop` is read.
pub struct PutInGenericDrop<const N: usize> {
    pdev: *mut bindings::pci_dev,
}

fn release(p: *mut bindings::pci_dev) {
    // SAFETY: `p` holds the reference taken in `new`.
    unsafe { bindings::pci_dev_put(p) }; //~ manual_device_refcount
}

impl<const N: usize> Drop for PutInGenericDrop<{ N }> {
    fn drop(&mut self) {
        release(self.pdev);
    }
}

/// `Drop` takes the pointer out of its `Option` before it puts it.
pub struct TakenInDrop {
    dev: Option<NonNull<bindings::device>>,
}

impl Drop for TakenInDrop {
    fn drop(&mut self) {
        if let Some(dev) = self.dev.take() {
            // SAFETY: `dev` holds the reference taken in `new`.
            unsafe { bindings::put_device(dev.as_ptr()) }; //~ manual_device_refcount
        }
    }
}

/// `Drop` swaps the pointer out of its `AtomicPtr` before it puts it.
pub struct SwappedInDrop {
    dev: AtomicPtr<bindings::device>,
}

impl Drop for SwappedInDrop {
    fn drop(&mut self) {
        let dev = self.dev.swap(core::ptr::null_mut(), Ordering::AcqRel);
        if !dev.is_null() {
            // SAFETY: `dev` holds the reference taken in `new`.
            unsafe { bindings::put_device(dev) }; //~ manual_device_refcount
        }
    }
}

/// `Drop` replaces the pointer, then puts the old one.
pub struct ReplacedInDrop {
    pdev: *mut bindings::pci_dev,
}

impl Drop for ReplacedInDrop {
    fn drop(&mut self) {
        match core::mem::replace(&mut self.pdev, core::ptr::null_mut()) {
            pdev if !pdev.is_null() => {
                // SAFETY: `pdev` holds the reference taken in `new`.
                unsafe { bindings::pci_dev_put(pdev) }; //~ manual_device_refcount
            }
            _ => {}
        }
    }
}

/// A pinned type releases its field in `PinnedDrop`, as the kernel's pinned registrations do.
#[pin_data(PinnedDrop)]
pub struct PinnedRegistration {
    dev: *mut bindings::device,
}

#[pinned_drop]
impl PinnedDrop for PinnedRegistration {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: `dev` was registered in `new`.
        unsafe { bindings::device_unregister(self.dev) };
    }
}

// --- Still reported ---------------------------------------------------------------------------------

/// Invariants that name the field but say nothing about keeping the device alive.
///
/// # Invariants
///
/// `dev` is non-null.
pub struct NotOwned {
    dev: *mut bindings::device, //~ raw_device_ptr_field
}

/// A `Drop` impl that releases something else.
pub struct DropsOther {
    dev: *mut bindings::device, //~ raw_device_ptr_field
    buf: *mut u8,
}

impl Drop for DropsOther {
    fn drop(&mut self) {
        // SAFETY: `buf` came from `kmalloc`.
        unsafe { bindings::kfree(self.buf.cast()) };
    }
}

/// A `Drop` impl that only reads the device.
pub struct DropReads {
    dev: *mut bindings::device, //~ raw_device_ptr_field
}

impl Drop for DropReads {
    fn drop(&mut self) {
        // SAFETY: none needed for this example.
        unsafe { bindings::dev_name(self.dev) };
    }
}

/// `Drop` puts a pointer read through the field, not the field's own: the parent device.
pub struct PutsParent {
    dev: *mut bindings::device, //~ raw_device_ptr_field
}

impl Drop for PutsParent {
    fn drop(&mut self) {
        // SAFETY: `dev` is valid, and its parent was taken in `new`.
        let parent = unsafe { (*self.dev).parent };
        // SAFETY: the reference on the parent taken in `new`.
        unsafe { bindings::put_device(parent) }; //~ manual_device_refcount, safety_comment_missing_refcount
    }
}

/// `Drop` takes the field out, but the name it puts is bound again to another device.
pub struct PutsShadowed {
    dev: Option<NonNull<bindings::device>>, //~ raw_device_ptr_field
    other: *mut bindings::device, //~ raw_device_ptr_field
}

impl Drop for PutsShadowed {
    fn drop(&mut self) {
        let dev = self.dev.take();
        let dev = unsafe { bindings::get_device(self.other) }; //~ manual_device_refcount, missing_safety_comment
        // SAFETY: this code owns the reference `get_device` returned.
        unsafe { bindings::put_device(dev) }; //~ manual_device_refcount
    }
}

/// A crate's own trait that is only named `PinnedDrop` is no destructor.
mod not_a_destructor {
    use kernel::bindings;

    pub trait PinnedDrop {
        fn drop(&mut self);
    }

    pub struct Unregisters {
        dev: *mut bindings::device, //~ raw_device_ptr_field
    }

    impl PinnedDrop for Unregisters {
        fn drop(&mut self) {
            // SAFETY: `dev` was registered in `new`.
            unsafe { bindings::device_unregister(self.dev) };
        }
    }
}
