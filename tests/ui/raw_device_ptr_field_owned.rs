// raw_device_ptr_field stays quiet on types that own what their pointer points to.

use core::ptr::NonNull;
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
