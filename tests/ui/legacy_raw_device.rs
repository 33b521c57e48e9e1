// The 2022 `rust` branch: `RawDevice::raw_device(&self)` gives the device a wrapper stands for, as
// `as_raw` does in later kernels. A pointer it gives is alive while its receiver is borrowed, so a
// call that needs the count only for its own duration is sound. Its look-alikes (an accessor that
// takes an argument, a receiver that is no borrowed place) still need the comment to say so. So
// does a pointer in `self`'s field: alive by construction when the type owns it (its `Drop` puts
// it), not when the type only stores it.
//! devref: allow(manual_device_refcount) -- the wrapper owns its count, as 2022 kernels wrote it; this fixture tests the safety comments

use kernel::bindings;

/// A raw device.
///
/// # Safety
///
/// Implementers must ensure that the `*mut device` returned by [`RawDevice::raw_device`] is
/// related to `self`, that is, actions on it will affect `self`.
pub unsafe trait RawDevice {
    /// Returns the raw `struct device` related to `self`.
    fn raw_device(&self) -> *mut bindings::device;

    /// The raw `struct device` of one of `self`'s children.
    fn raw_child(&self, index: usize) -> *mut bindings::device;
}

/// A ref-counted device.
///
/// # Invariants
///
/// `ptr` is valid, non-null, and has a non-zero reference count. One of the references is owned
/// by `self`, and will be decremented when `self` is dropped.
pub struct Device {
    ptr: *mut bindings::device,
}

impl Device {
    /// Creates a new device instance.
    ///
    /// # Safety
    ///
    /// Callers must ensure that `ptr` is valid, non-null, and has a non-zero reference count.
    pub unsafe fn new(ptr: *mut bindings::device) -> Self {
        // SAFETY: By the safety requirements, ptr is valid and its refcount will be incremented.
        unsafe { bindings::get_device(ptr) };
        Self { ptr }
    }

    /// Creates a new device instance from an existing [`RawDevice`] instance.
    pub fn from_dev(dev: &dyn RawDevice) -> Self {
        // SAFETY: The requirements are satisfied by the existence of `RawDevice` and its safety
        // requirements.
        unsafe { Self::new(dev.raw_device()) }
    }

    /// The same, with the trait method called by its path.
    pub fn from_dev_by_path(dev: &dyn RawDevice) -> Self {
        // SAFETY: `dev` is valid for the duration of this call.
        unsafe { Self::new(RawDevice::raw_device(dev)) }
    }

    /// A child's device: `raw_child` takes an argument, so it is not the receiver's own device.
    pub fn child_of(dev: &dyn RawDevice) -> Self {
        // SAFETY: The requirements are satisfied by the existence of `RawDevice`.
        unsafe { Self::new(dev.raw_child(0)) } //~ safety_comment_missing_refcount
    }

    /// A device that a plain function returns: no borrow keeps it alive.
    pub fn first() -> Self {
        // SAFETY: The requirements are satisfied by the existence of `RawDevice`.
        unsafe { Self::new(first_raw_device()) } //~ safety_comment_missing_refcount
    }
}

fn first_raw_device() -> *mut bindings::device {
    core::ptr::null_mut()
}

// SAFETY: The device returned by `raw_device` is the one for which we hold a reference.
unsafe impl RawDevice for Device {
    fn raw_device(&self) -> *mut bindings::device {
        self.ptr
    }

    fn raw_child(&self, _index: usize) -> *mut bindings::device {
        self.ptr
    }
}

impl Clone for Device {
    fn clone(&self) -> Self {
        // SAFETY: We get a new reference and then create a new owning object from the raw pointer.
        unsafe { bindings::get_device(self.ptr) };
        Self { ptr: self.ptr }
    }
}

/// A device pointer stored, not owned: nothing puts it.
pub struct Peer {
    ptr: *mut bindings::device, //~ raw_device_ptr_field
}

impl Peer {
    /// A counted device from the stored pointer.
    pub fn hold(&self) -> Device {
        // SAFETY: We get a new reference and then create a new owning object from the raw pointer.
        unsafe { Device::new(self.ptr) } //~ safety_comment_missing_refcount
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // SAFETY: By the type invariants, we know that `self` owns a reference, so it is safe to
        // relinquish it now.
        unsafe { bindings::put_device(self.ptr) };
    }
}
